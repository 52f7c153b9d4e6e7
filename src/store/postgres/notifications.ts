import { VISIBLE_UNREAD } from '../columns.js';
import { type FeedDialect, feedConditions, notExpired } from '../feed-sql.js';
import type { NewNotification, NotificationRecord, NotificationStore } from '../types.js';
import { tallyUnread } from '../unread-counts.js';
import type { Param, PostgresHandle } from './handle.js';
import { NotificationWriter } from './insert.js';
import { NOTIFICATION_COLUMNS, type NotificationRow } from './rows.js';

const MINE = 'tenant_id = $1 AND recipient_id = $2';

/** Notifications and feeds in PostgreSQL. */
export class PostgresNotificationStore implements NotificationStore {
  private readonly writer: NotificationWriter;
  private readonly n: string;

  constructor(private readonly h: PostgresHandle) {
    this.writer = new NotificationWriter(h);
    this.n = h.t.notifications;
  }

  insert(items: NewNotification[]) {
    return this.writer.insert(items);
  }

  /** Writes inserts still queued and waits for them; close() calls it first. */
  drain(): Promise<void> {
    return this.writer.drain();
  }

  async get(tenantId: string, recipientId: string, id: string): Promise<NotificationRecord | null> {
    const { rows } = await this.h.query<NotificationRow>(
      `SELECT ${NOTIFICATION_COLUMNS} FROM ${this.n}
       WHERE ${MINE} AND id = $3 AND deleted_at IS NULL`,
      [tenantId, recipientId, id],
    );
    return rows[0] ?? null;
  }

  async find(tenantId: string, id: string): Promise<NotificationRecord | null> {
    const { rows } = await this.h.query<NotificationRow>(
      `SELECT ${NOTIFICATION_COLUMNS} FROM ${this.n}
       WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }

  list: NotificationStore['list'] = async (query) => {
    const params: Param[] = [query.tenant_id, query.recipient_id];
    const where = `${MINE} AND ${feedConditions(query, postgresDialect(params))}`;
    params.push(query.limit + 1);
    const { rows } = await this.h.query<NotificationRow>(
      `SELECT ${NOTIFICATION_COLUMNS} FROM ${this.n} WHERE ${where}
       ORDER BY id ${query.after === undefined ? 'DESC' : 'ASC'} LIMIT $${params.length}`,
      params,
    );
    return { items: rows.slice(0, query.limit), has_more: rows.length > query.limit };
  };

  markRead: NotificationStore['markRead'] = async (tenantId, recipientId, ids, at) => {
    this.h.check();
    if (ids.length === 0) return [];
    const { rows } = await this.h.query<{ id: string }>(
      `UPDATE ${this.n} SET read_at = $3
       WHERE ${MINE} AND id = ANY($4::text[]) AND ${VISIBLE_UNREAD} RETURNING id`,
      [tenantId, recipientId, at, ids],
    );
    return inOrderAsked(ids, rows);
  };

  markAllRead: NotificationStore['markAllRead'] = async (tenantId, recipientId, at, category) => {
    const params: Param[] = [tenantId, recipientId, at];
    let where = `${MINE} AND ${VISIBLE_UNREAD}`;
    if (category !== undefined) {
      params.push(category);
      where += ' AND category = $4';
    }
    const { rowCount } = await this.h.query(
      `UPDATE ${this.n} SET read_at = $3 WHERE ${where}`,
      params,
    );
    return rowCount;
  };

  dismiss: NotificationStore['dismiss'] = async (tenantId, recipientId, ids, at) => {
    this.h.check();
    if (ids.length === 0) return [];
    const { rows } = await this.h.query<{ id: string }>(
      `UPDATE ${this.n} SET dismissed_at = $3, read_at = COALESCE(read_at, $3)
       WHERE ${MINE} AND id = ANY($4::text[]) AND deleted_at IS NULL AND dismissed_at IS NULL
       RETURNING id`,
      [tenantId, recipientId, at, ids],
    );
    return inOrderAsked(ids, rows);
  };

  dismissAll: NotificationStore['dismissAll'] = async (tenantId, recipientId, at, category) => {
    const params: Param[] = [tenantId, recipientId, at];
    let where = `${MINE} AND deleted_at IS NULL AND dismissed_at IS NULL`;
    if (category !== undefined) {
      params.push(category);
      where += ' AND category = $4';
    }
    const { rowCount } = await this.h.query(
      `UPDATE ${this.n} SET dismissed_at = $3, read_at = COALESCE(read_at, $3) WHERE ${where}`,
      params,
    );
    return rowCount;
  };

  update: NotificationStore['update'] = async (tenantId, id, patch) => {
    const sets: string[] = [];
    const params: Param[] = [tenantId, id];
    const set = (column: string, value: Param, cast = '') => {
      params.push(value);
      sets.push(`${column} = $${params.length}${cast}`);
    };
    if (patch.content !== undefined) set('content', JSON.stringify(patch.content), '::jsonb');
    if (patch.actions !== undefined) set('actions', JSON.stringify(patch.actions), '::jsonb');
    if (patch.expires_at !== undefined) set('expires_at', patch.expires_at);
    // Nothing to change still answers the notification as it stands.
    if (sets.length === 0) set('id', id);
    const { rows } = await this.h.query<NotificationRow>(
      `UPDATE ${this.n} SET ${sets.join(', ')}
       WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING ${NOTIFICATION_COLUMNS}`,
      params,
    );
    return rows[0] ?? null;
  };

  recordAction: NotificationStore['recordAction'] = async (
    tenantId,
    recipientId,
    id,
    actionId,
    at,
  ) => {
    const { rows } = await this.h.query<NotificationRow>(
      `UPDATE ${this.n} SET action_id = $4, actioned_at = $5
       WHERE ${MINE} AND id = $3 AND deleted_at IS NULL AND action_id IS NULL
       RETURNING ${NOTIFICATION_COLUMNS}`,
      [tenantId, recipientId, id, actionId, at],
    );
    if (rows[0]) return { status: 'recorded', notification: rows[0] };
    const current = await this.get(tenantId, recipientId, id);
    return current ? { status: 'already', notification: current } : { status: 'not_found' };
  };

  async remove(tenantId: string, recipientId: string, id: string, at: number): Promise<boolean> {
    const { rowCount } = await this.h.query(
      `UPDATE ${this.n} SET deleted_at = $4 WHERE ${MINE} AND id = $3 AND deleted_at IS NULL`,
      [tenantId, recipientId, id, at],
    );
    return rowCount > 0;
  }

  async unreadCounts(tenantId: string, recipientId: string, now?: number) {
    const { rows } = await this.h.query<{ category: string; priority: string; n: number }>(
      `SELECT category, priority, COUNT(*)::int AS n FROM ${this.n}
       WHERE ${MINE} AND ${VISIBLE_UNREAD} AND ${notExpired('$3')}
       GROUP BY category, priority`,
      [tenantId, recipientId, now ?? Number.MIN_SAFE_INTEGER],
    );
    return tallyUnread(rows);
  }

  async purgeBefore(beforeId: string, limit: number): Promise<number> {
    // Deliveries go with their notification (ON DELETE CASCADE).
    const { rowCount } = await this.h.query(
      `DELETE FROM ${this.n} WHERE id IN
         (SELECT id FROM ${this.n} WHERE id < $1 ORDER BY id LIMIT $2)`,
      [beforeId, limit],
    );
    return rowCount;
  }

  async purgeExpiredIdempotency(now: number): Promise<number> {
    const { rowCount } = await this.h.query(
      `DELETE FROM ${this.h.t.idempotencyKeys} WHERE expires_at <= $1`,
      [now],
    );
    return rowCount;
  }

  async heldKeys(tenantId: string, keys: string[], at: number) {
    if (keys.length === 0) return [];
    const { rows } = await this.h.query<{
      key: string;
      notification_id: string;
      request_id: string;
    }>(
      `SELECT key, notification_id, request_id FROM ${this.h.t.idempotencyKeys}
       WHERE tenant_id = $1 AND key = ANY($2) AND expires_at > $3`,
      [tenantId, keys, at],
    );
    const held = new Map(rows.map((r) => [r.key, r]));
    return keys.map((key) => {
      const row = held.get(key);
      return row ? { notification_id: row.notification_id, request_id: row.request_id } : null;
    });
  }

  async listAll(tenantId: string, recipientId: string, after: string | null, limit: number) {
    const { rows } = await this.h.query<NotificationRow>(
      `SELECT ${NOTIFICATION_COLUMNS} FROM ${this.n} WHERE ${MINE} AND id > $3
       ORDER BY id LIMIT $4`,
      [tenantId, recipientId, after ?? '', limit],
    );
    return rows;
  }

  async eraseRecipient(tenantId: string, recipientId: string, limit: number): Promise<number> {
    return this.h.transaction(async (client) => {
      const { rows } = await client.query<{ id: string; idempotency_key: string | null }>(
        `DELETE FROM ${this.n} WHERE id IN (SELECT id FROM ${this.n} WHERE ${MINE}
         ORDER BY id LIMIT $3) RETURNING id, idempotency_key`,
        [tenantId, recipientId, limit],
      );
      const ids = rows.map((r) => r.id);
      if (ids.length === 0) return 0;
      await client.query(`DELETE FROM ${this.h.t.deliveries} WHERE notification_id = ANY($1)`, [
        ids,
      ]);
      const keys = rows.flatMap((r) => (r.idempotency_key === null ? [] : [r.idempotency_key]));
      if (keys.length > 0) {
        await client.query(
          `DELETE FROM ${this.h.t.idempotencyKeys}
           WHERE tenant_id = $1 AND key = ANY($2) AND notification_id = ANY($3)`,
          [tenantId, keys, ids],
        );
      }
      return ids.length;
    });
  }
}

/** RETURNING has no order: the ids that changed, once each, in the order asked. */
function inOrderAsked(ids: string[], rows: { id: string }[]): string[] {
  const changed = new Set(rows.map((r) => r.id));
  return [...new Set(ids)].filter((id) => changed.has(id));
}

/** PostgreSQL's spelling: numbered parameters, and `data[key]` read with jsonb operators. */
function postgresDialect(params: Param[]): FeedDialect {
  const param = (value: string | number) => {
    params.push(value);
    return `$${params.length}`;
  };
  return {
    param,
    metadataText(key) {
      const k = param(key);
      return `(CASE WHEN jsonb_typeof(data -> ${k}) IN ('string', 'number', 'boolean')
        THEN data ->> ${k} END)`;
    },
  };
}
