import { normalPriority } from '../../notifications/records.js';
import type { ApiKeyRecord, DeliveryRecord, NotificationRecord, Priority } from '../types.js';

/** A notification as SQLite returns it: JSON columns are TEXT. */
export interface NotificationRow {
  id: string;
  tenant_id: string;
  request_id: string;
  recipient_id: string;
  category: string;
  priority: string;
  content: string;
  data: string | null;
  group_key: string | null;
  idempotency_key: string | null;
  channels: string;
  created_at: number;
  read_at: number | null;
  deleted_at: number | null;
  actions: string | null;
  template: string | null;
  cancellation_key: string | null;
  expires_at: number | null;
  dismissed_at: number | null;
  action_id: string | null;
  actioned_at: number | null;
  contents: string | null;
}

/** An API key as SQLite returns it. */
export interface ApiKeyRow extends Omit<ApiKeyRecord, 'scopes' | 'ip_allowlist'> {
  scopes: string;
  ip_allowlist: string;
}

// `notificationParams`, `deliveryParams` and `keyParams` follow these columns' order.
export { DELIVERY_COLUMNS, KEY_COLUMNS, NOTIFICATION_COLUMNS } from '../columns.js';

export type Param = string | number | null;

/** `?, ?, …` for a column list. */
export function placeholders(columns: string): string {
  return columns
    .split(',')
    .map(() => '?')
    .join(', ');
}

export function notificationParams(n: NotificationRecord): Param[] {
  return [
    n.id,
    n.tenant_id,
    n.request_id,
    n.recipient_id,
    n.category,
    n.priority,
    JSON.stringify(n.content),
    n.data === null ? null : JSON.stringify(n.data),
    n.group_key,
    n.idempotency_key,
    JSON.stringify(n.channels),
    n.created_at,
    n.read_at,
    n.deleted_at,
    n.actions.length === 0 ? null : JSON.stringify(n.actions),
    n.template === null ? null : JSON.stringify(n.template),
    n.cancellation_key,
    n.expires_at,
    n.dismissed_at,
    n.action_id,
    n.actioned_at,
    n.contents ? JSON.stringify(n.contents) : null,
  ];
}

export function toNotification(row: NotificationRow): NotificationRecord {
  return {
    ...row,
    // Rows written before `urgent` existed may say `critical`.
    priority: normalPriority(row.priority as Priority | 'critical'),
    content: JSON.parse(row.content),
    data: row.data === null ? null : JSON.parse(row.data),
    channels: JSON.parse(row.channels),
    actions: row.actions === null ? [] : JSON.parse(row.actions),
    template: row.template === null ? null : JSON.parse(row.template),
    contents: row.contents ? JSON.parse(row.contents) : null,
  };
}

export function deliveryParams(d: DeliveryRecord): Param[] {
  return [
    d.id,
    d.tenant_id,
    d.notification_id,
    d.recipient_id,
    d.channel,
    d.status,
    d.attempts,
    d.next_attempt_at,
    d.lease_until,
    d.last_error,
    d.provider_message_id,
    d.created_at,
    d.updated_at,
    d.device_id ?? null,
    d.lease_token ?? null,
  ];
}

export function keyParams(k: ApiKeyRecord): Param[] {
  return [
    k.id,
    k.name,
    k.hash,
    k.prefix,
    JSON.stringify(k.scopes),
    k.tenant_id,
    JSON.stringify(k.ip_allowlist),
    k.created_at,
    k.expires_at,
    k.revoked_at,
    k.last_used_at,
  ];
}

export function toApiKey(row: ApiKeyRow): ApiKeyRecord {
  return { ...row, scopes: JSON.parse(row.scopes), ip_allowlist: JSON.parse(row.ip_allowlist) };
}
