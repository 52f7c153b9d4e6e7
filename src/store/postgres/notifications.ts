import { VISIBLE_UNREAD } from '../columns.js';
import type {
  FeedQuery,
  NewNotification,
  NotificationRecord,
  NotificationStore,
} from '../types.js';
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

  async list(query: FeedQuery) {
    const params: Param[] = [query.tenant_id, query.recipient_id];
    let where = `${MINE} AND deleted_at IS NULL`;
    if (query.before !== undefined) {
      params.push(query.before);
      where += ` AND id < $${params.length}`;
    }
    if (query.after !== undefined) {
      params.push(query.after);
      where += ` AND id > $${params.length}`;
    }
    if (query.read !== undefined) where += ` AND read_at IS ${query.read ? 'NOT NULL' : 'NULL'}`;
    if (query.category !== undefined) {
      params.push(query.category);
      where += ` AND category = $${params.length}`;
    }
    params.push(query.limit + 1);
    const { rows } = await this.h.query<NotificationRow>(
      `SELECT ${NOTIFICATION_COLUMNS} FROM ${this.n} WHERE ${where}
       ORDER BY id ${query.after === undefined ? 'DESC' : 'ASC'} LIMIT $${params.length}`,
      params,
    );
    return { items: rows.slice(0, query.limit), has_more: rows.length > query.limit };
  }

  markRead: NotificationStore['markRead'] = async (tenantId, recipientId, ids, at) => {
    this.h.check();
    if (ids.length === 0) return [];
    const { rows } = await this.h.query<{ id: string }>(
      `UPDATE ${this.n} SET read_at = $3
       WHERE ${MINE} AND id = ANY($4::text[]) AND ${VISIBLE_UNREAD} RETURNING id`,
      [tenantId, recipientId, at, ids],
    );
    // RETURNING has no order; answer in the order asked.
    const changed = new Set(rows.map((r) => r.id));
    return [...new Set(ids)].filter((id) => changed.has(id));
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

  async remove(tenantId: string, recipientId: string, id: string, at: number): Promise<boolean> {
    const { rowCount } = await this.h.query(
      `UPDATE ${this.n} SET deleted_at = $4 WHERE ${MINE} AND id = $3 AND deleted_at IS NULL`,
      [tenantId, recipientId, id, at],
    );
    return rowCount > 0;
  }

  async unreadCounts(tenantId: string, recipientId: string) {
    const { rows } = await this.h.query<{ category: string; n: number }>(
      `SELECT category, COUNT(*) AS n FROM ${this.n} WHERE ${MINE} AND ${VISIBLE_UNREAD}
       GROUP BY category`,
      [tenantId, recipientId],
    );
    const by_category: Record<string, number> = {};
    let total = 0;
    for (const { category, n } of rows) {
      by_category[category] = n;
      total += n;
    }
    return { total, by_category };
  }

  async purgeExpiredIdempotency(now: number): Promise<number> {
    const { rowCount } = await this.h.query(
      `DELETE FROM ${this.h.t.idempotencyKeys} WHERE expires_at <= $1`,
      [now],
    );
    return rowCount;
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
