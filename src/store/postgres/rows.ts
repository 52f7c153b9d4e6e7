import type { ApiKeyRecord, DeliveryRecord, NotificationRecord } from '../types.js';

/**
 * Columns are listed rather than `SELECT *`, so that a later migration adding a column
 * never leaks it into records. pg already returns jsonb parsed, text[] as arrays and bigint
 * as numbers (see connection.ts), so rows are records as they are.
 */
export const NOTIFICATION_COLUMNS =
  'id, tenant_id, request_id, recipient_id, category, priority, content, data, group_key, ' +
  'idempotency_key, channels, created_at, read_at, deleted_at';

export const DELIVERY_COLUMNS =
  'id, tenant_id, notification_id, recipient_id, channel, status, attempts, next_attempt_at, ' +
  'lease_until, last_error, provider_message_id, created_at, updated_at';

export const KEY_COLUMNS =
  'id, name, hash, prefix, scopes, tenant_id, ip_allowlist, created_at, expires_at, ' +
  'revoked_at, last_used_at';

/**
 * The record shape for `jsonb_to_recordset`, which turns a JSON array of records into rows:
 * a whole batch then goes in with one statement and one parameter.
 */
export const NOTIFICATION_RECORDSET = `
  id text, tenant_id text, request_id text, recipient_id text, category text, priority text,
  content jsonb, data jsonb, group_key text, idempotency_key text, channels text[],
  created_at bigint, read_at bigint, deleted_at bigint`;

export const DELIVERY_RECORDSET = `
  id text, tenant_id text, notification_id text, recipient_id text, channel text, status text,
  attempts integer, next_attempt_at bigint, lease_until bigint, last_error text,
  provider_message_id text, created_at bigint, updated_at bigint`;

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
