import { normalPriority } from '../../notifications/records.js';
import type {
  ApiKeyRecord,
  DeliveryRecord,
  DeliveryStatus,
  NotificationRecord,
  Priority,
} from '../types.js';

/**
 * How records are laid out in Redis hashes. A null is an absent field, numbers are decimal
 * strings. Fields that scripts read or change are fields of their own; the rest of a
 * notification is one JSON `doc`, which scripts never decode, so its content comes back
 * exactly as it went in (Lua's cjson would lose number precision and turn [] into {}).
 */

/** Field/value pairs, flat, as HSET takes them. */
export type Fields = string[];

/** A hash as read: HGETALL through a script returns it flat. */
export type FlatHash = string[];

function push(fields: Fields, name: string, value: string | number | null): void {
  if (value !== null) fields.push(name, String(value));
}

/** Reads a flat HGETALL reply into an object. */
export function hashOf(flat: FlatHash): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}

function numberOrNull(value: string | undefined): number | null {
  return value === undefined ? null : Number(value);
}

/** What changes after insert lives in fields of its own; the rest is the `doc`. */
type Changing =
  | 'read_at'
  | 'deleted_at'
  | 'dismissed_at'
  | 'expires_at'
  | 'action_id'
  | 'actioned_at';

export function notificationFields(n: NotificationRecord): Fields {
  const { read_at, deleted_at, dismissed_at, expires_at, action_id, actioned_at, ...doc } = n;
  const fields = [
    'doc',
    JSON.stringify(doc),
    'tenant_id',
    n.tenant_id,
    'recipient_id',
    n.recipient_id,
    'category',
    n.category,
    'priority',
    n.priority,
  ];
  push(fields, 'read_at', read_at);
  push(fields, 'deleted_at', deleted_at);
  push(fields, 'dismissed_at', dismissed_at);
  push(fields, 'expires_at', expires_at);
  push(fields, 'action_id', action_id);
  push(fields, 'actioned_at', actioned_at);
  return fields;
}

/**
 * Reads a notification hash. `content` and `actions` fields, when present, were set by an
 * update and win over the doc's; a doc written before a field existed gets its default.
 */
export function toNotification(hash: Record<string, string>): NotificationRecord {
  const doc = JSON.parse(hash.doc) as Omit<NotificationRecord, Changing>;
  return {
    ...doc,
    priority: normalPriority(doc.priority as Priority | 'critical'),
    content: hash.content === undefined ? doc.content : JSON.parse(hash.content),
    actions: hash.actions === undefined ? (doc.actions ?? []) : JSON.parse(hash.actions),
    template: doc.template ?? null,
    cancellation_key: doc.cancellation_key ?? null,
    contents: doc.contents ?? null,
    expires_at: numberOrNull(hash.expires_at),
    read_at: numberOrNull(hash.read_at),
    dismissed_at: numberOrNull(hash.dismissed_at),
    action_id: hash.action_id ?? null,
    actioned_at: numberOrNull(hash.actioned_at),
    deleted_at: numberOrNull(hash.deleted_at),
  };
}

export function deliveryFields(d: DeliveryRecord): Fields {
  const fields = [
    'id',
    d.id,
    'tenant_id',
    d.tenant_id,
    'notification_id',
    d.notification_id,
    'recipient_id',
    d.recipient_id,
    'channel',
    d.channel,
    'status',
    d.status,
    'attempts',
    String(d.attempts),
    'next_attempt_at',
    String(d.next_attempt_at),
    'created_at',
    String(d.created_at),
    'updated_at',
    String(d.updated_at),
  ];
  push(fields, 'lease_until', d.lease_until);
  push(fields, 'last_error', d.last_error);
  push(fields, 'provider_message_id', d.provider_message_id);
  push(fields, 'device_id', d.device_id ?? null);
  push(fields, 'lease_token', d.lease_token ?? null);
  return fields;
}

export function toDelivery(hash: Record<string, string>): DeliveryRecord {
  return {
    id: hash.id,
    tenant_id: hash.tenant_id,
    notification_id: hash.notification_id,
    recipient_id: hash.recipient_id,
    channel: hash.channel,
    status: hash.status as DeliveryStatus,
    attempts: Number(hash.attempts),
    next_attempt_at: Number(hash.next_attempt_at),
    lease_until: numberOrNull(hash.lease_until),
    last_error: hash.last_error ?? null,
    provider_message_id: hash.provider_message_id ?? null,
    device_id: hash.device_id ?? null,
    lease_token: hash.lease_token ?? null,
    created_at: Number(hash.created_at),
    updated_at: Number(hash.updated_at),
  };
}

export function apiKeyFields(k: ApiKeyRecord): Fields {
  const fields = [
    'id',
    k.id,
    'name',
    k.name,
    'hash',
    k.hash,
    'prefix',
    k.prefix,
    'scopes',
    JSON.stringify(k.scopes),
    'ip_allowlist',
    JSON.stringify(k.ip_allowlist),
    'created_at',
    String(k.created_at),
  ];
  push(fields, 'tenant_id', k.tenant_id);
  push(fields, 'expires_at', k.expires_at);
  push(fields, 'revoked_at', k.revoked_at);
  push(fields, 'last_used_at', k.last_used_at);
  return fields;
}

export function toApiKey(hash: Record<string, string>): ApiKeyRecord {
  return {
    id: hash.id,
    name: hash.name,
    hash: hash.hash,
    prefix: hash.prefix,
    scopes: JSON.parse(hash.scopes) as string[],
    tenant_id: hash.tenant_id ?? null,
    ip_allowlist: JSON.parse(hash.ip_allowlist) as string[],
    created_at: Number(hash.created_at),
    expires_at: numberOrNull(hash.expires_at),
    revoked_at: numberOrNull(hash.revoked_at),
    last_used_at: numberOrNull(hash.last_used_at),
  };
}
