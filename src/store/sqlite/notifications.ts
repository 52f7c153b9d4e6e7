import type { Statement } from 'better-sqlite3';
import { VISIBLE_UNREAD } from '../columns.js';
import { storeUnavailable } from '../errors.js';
import type {
  FeedQuery,
  NewNotification,
  NotificationRecord,
  NotificationStore,
} from '../types.js';
import type { SqliteHandle } from './handle.js';
import { NotificationWriter } from './insert.js';
import { type NotificationRow, type Param, toNotification } from './rows.js';

const MINE = 'tenant_id = ? AND recipient_id = ?';

/** Notifications and feeds in SQLite. */
export class SqliteNotificationStore implements NotificationStore {
  private readonly writer: NotificationWriter;
  private readonly feedQueries = new Map<string, Statement<Param[], NotificationRow>>();
  private readonly selectOne: Statement<[string, string, string], NotificationRow>;
  private readonly markOneRead: Statement<[number, string, string, string]>;
  private readonly markManyRead: (ids: string[], mine: [string, string], at: number) => string[];
  private readonly markAll: Statement<[number, string, string]>;
  private readonly markAllOfCategory: Statement<[number, string, string, string]>;
  private readonly removeOne: Statement<[number, string, string, string]>;
  private readonly countUnread: Statement<[string, string], { category: string; n: number }>;
  private readonly purgeClaims: Statement<[number]>;

  constructor(private readonly h: SqliteHandle) {
    const { db } = h;
    this.writer = new NotificationWriter(db);
    this.selectOne = db.prepare(
      `SELECT * FROM notifications WHERE id = ? AND ${MINE} AND deleted_at IS NULL`,
    );
    this.markOneRead = db.prepare(
      `UPDATE notifications SET read_at = ? WHERE id = ? AND ${MINE} AND ${VISIBLE_UNREAD}`,
    );
    this.markManyRead = db.transaction(
      (ids: string[], [tenantId, recipientId]: [string, string], at: number) =>
        [...new Set(ids)].filter(
          (id) => this.markOneRead.run(at, id, tenantId, recipientId).changes,
        ),
    );
    this.markAll = db.prepare(
      `UPDATE notifications SET read_at = ? WHERE ${MINE} AND ${VISIBLE_UNREAD}`,
    );
    this.markAllOfCategory = db.prepare(
      `UPDATE notifications SET read_at = ? WHERE ${MINE} AND ${VISIBLE_UNREAD} AND category = ?`,
    );
    this.removeOne = db.prepare(
      `UPDATE notifications SET deleted_at = ? WHERE id = ? AND ${MINE} AND deleted_at IS NULL`,
    );
    this.countUnread = db.prepare(
      `SELECT category, COUNT(*) AS n FROM notifications WHERE ${MINE} AND ${VISIBLE_UNREAD}
       GROUP BY category`,
    );
    this.purgeClaims = db.prepare('DELETE FROM idempotency_keys WHERE expires_at <= ?');
  }

  insert(items: NewNotification[]) {
    if (this.h.closed) return Promise.reject(storeUnavailable());
    return this.writer.insert(items);
  }

  /** Writes inserts still waiting for their group; close() calls it first. */
  flush(): void {
    this.writer.flush();
  }

  /** Holds inserts back until the returned function is called (for the checkpointer). */
  holdWrites(): () => void {
    return this.writer.hold();
  }

  get(tenantId: string, recipientId: string, id: string): Promise<NotificationRecord | null> {
    return this.h.run(() => {
      const row = this.selectOne.get(id, tenantId, recipientId);
      return row ? toNotification(row) : null;
    });
  }

  list(query: FeedQuery) {
    return this.h.run(() => {
      const params: Param[] = [query.tenant_id, query.recipient_id];
      let where = `${MINE} AND deleted_at IS NULL`;
      if (query.before !== undefined) {
        where += ' AND id < ?';
        params.push(query.before);
      }
      if (query.after !== undefined) {
        where += ' AND id > ?';
        params.push(query.after);
      }
      if (query.read !== undefined) where += ` AND read_at IS ${query.read ? 'NOT NULL' : 'NULL'}`;
      if (query.category !== undefined) {
        where += ' AND category = ?';
        params.push(query.category);
      }
      params.push(query.limit + 1);
      const rows = this.feedQuery(where, query.after === undefined ? 'DESC' : 'ASC').all(...params);
      const has_more = rows.length > query.limit;
      return { items: rows.slice(0, query.limit).map(toNotification), has_more };
    });
  }

  markRead(tenantId: string, recipientId: string, ids: string[], at: number): Promise<string[]> {
    return this.h.run(() => this.markManyRead(ids, [tenantId, recipientId], at));
  }

  markAllRead: NotificationStore['markAllRead'] = (tenantId, recipientId, at, category) => {
    return this.h.run(() => {
      const result =
        category === undefined
          ? this.markAll.run(at, tenantId, recipientId)
          : this.markAllOfCategory.run(at, tenantId, recipientId, category);
      return result.changes;
    });
  };

  remove(tenantId: string, recipientId: string, id: string, at: number): Promise<boolean> {
    return this.h.run(() => this.removeOne.run(at, id, tenantId, recipientId).changes > 0);
  }

  unreadCounts(tenantId: string, recipientId: string) {
    return this.h.run(() => {
      const by_category: Record<string, number> = {};
      let total = 0;
      for (const { category, n } of this.countUnread.all(tenantId, recipientId)) {
        by_category[category] = n;
        total += n;
      }
      return { total, by_category };
    });
  }

  purgeExpiredIdempotency(now: number): Promise<number> {
    return this.h.run(() => this.purgeClaims.run(now).changes);
  }

  listAll(tenantId: string, recipientId: string, after: string | null, limit: number) {
    return this.h.run(() =>
      this.h.db
        .prepare<Param[], NotificationRow>(
          `SELECT * FROM notifications WHERE ${MINE} AND id > ? ORDER BY id LIMIT ?`,
        )
        .all(tenantId, recipientId, after ?? '', limit)
        .map(toNotification),
    );
  }

  eraseRecipient(tenantId: string, recipientId: string, limit: number): Promise<number> {
    return this.h.run(() =>
      this.h.db.transaction(() => {
        const rows = this.h.db
          .prepare<Param[], { id: string; idempotency_key: string | null }>(
            `SELECT id, idempotency_key FROM notifications WHERE ${MINE} ORDER BY id LIMIT ?`,
          )
          .all(tenantId, recipientId, limit);
        const dropDeliveries = this.h.db.prepare(
          'DELETE FROM deliveries WHERE notification_id = ?',
        );
        const dropClaim = this.h.db.prepare(
          'DELETE FROM idempotency_keys WHERE tenant_id = ? AND key = ? AND notification_id = ?',
        );
        const dropOne = this.h.db.prepare('DELETE FROM notifications WHERE id = ?');
        for (const { id, idempotency_key } of rows) {
          dropDeliveries.run(id);
          if (idempotency_key !== null) dropClaim.run(tenantId, idempotency_key, id);
          dropOne.run(id);
        }
        return rows.length;
      })(),
    );
  }

  /** One prepared statement per combination of filters, made on first use. */
  private feedQuery(where: string, order: 'ASC' | 'DESC'): Statement<Param[], NotificationRow> {
    const sql = `SELECT * FROM notifications WHERE ${where} ORDER BY id ${order} LIMIT ?`;
    let stmt = this.feedQueries.get(sql);
    if (!stmt) {
      stmt = this.h.db.prepare<Param[], NotificationRow>(sql);
      this.feedQueries.set(sql, stmt);
    }
    return stmt;
  }
}
