/**
 * The columns of each record's table in the SQL backends (SQLite, Postgres): the fields of
 * the record types, in one order that inserts and selects follow. Listing them rather than
 * `SELECT *` keeps a column a later migration adds out of the records.
 */
export const NOTIFICATION_COLUMNS =
  'id, tenant_id, request_id, recipient_id, category, priority, content, data, group_key, ' +
  'idempotency_key, channels, created_at, read_at, deleted_at, actions, template, ' +
  'cancellation_key, expires_at, dismissed_at, action_id, actioned_at, contents';

export const DELIVERY_COLUMNS =
  'id, tenant_id, notification_id, recipient_id, channel, status, attempts, next_attempt_at, ' +
  'lease_until, last_error, provider_message_id, created_at, updated_at, device_id, lease_token';

export const REQUEST_COLUMNS =
  'tenant_id, id, type, status, recipient_id, topic, accepted, skipped, rejected, errors, ' +
  'created_at, completed_at';

export const KEY_COLUMNS =
  'id, name, hash, prefix, scopes, tenant_id, ip_allowlist, created_at, expires_at, ' +
  'revoked_at, last_used_at';

/** A notification that counts as unread: not read, not deleted (both dialects spell it so). */
export const VISIBLE_UNREAD = 'read_at IS NULL AND deleted_at IS NULL';
