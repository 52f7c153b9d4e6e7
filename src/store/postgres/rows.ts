import type { ApiKeyRecord, DeliveryRecord, NotificationRecord } from '../types.js';

// pg already returns jsonb parsed, text[] as arrays and bigint as numbers (see
// connection.ts), so rows selected by these columns are records as they are.
export { DELIVERY_COLUMNS, KEY_COLUMNS, NOTIFICATION_COLUMNS } from '../columns.js';

/**
 * The record shape for `jsonb_to_recordset`, which turns a JSON array of records into rows:
 * a whole batch then goes in with one statement and one parameter.
 */
export const NOTIFICATION_RECORDSET = `
  id text, tenant_id text, request_id text, recipient_id text, category text, priority text,
  content jsonb, data jsonb, group_key text, idempotency_key text, channels text[],
  created_at bigint, read_at bigint, deleted_at bigint, actions jsonb, template jsonb,
  cancellation_key text, expires_at bigint, dismissed_at bigint, action_id text,
  actioned_at bigint, contents jsonb`;

export const DELIVERY_RECORDSET = `
  id text, tenant_id text, notification_id text, recipient_id text, channel text, status text,
  attempts integer, next_attempt_at bigint, lease_until bigint, last_error text,
  provider_message_id text, created_at bigint, updated_at bigint, device_id text, lease_token text`;

/** Row types as pg returns them for the column lists above. */
export type NotificationRow = NotificationRecord;
export type DeliveryRow = DeliveryRecord;
export type ApiKeyRow = ApiKeyRecord;

/** Parameters of the api_keys insert, in KEY_COLUMNS order. */
export function keyParams(k: ApiKeyRecord): Array<string | number | null | string[]> {
  return [
    k.id,
    k.name,
    k.hash,
    k.prefix,
    [...k.scopes],
    k.tenant_id,
    [...k.ip_allowlist],
    k.created_at,
    k.expires_at,
    k.revoked_at,
    k.last_used_at,
  ];
}

/** `$1, $2, …` for a column list. */
export function placeholders(columns: string): string {
  return columns
    .split(',')
    .map((_, i) => `$${i + 1}`)
    .join(', ');
}
