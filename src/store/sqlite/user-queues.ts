import type { Statement } from 'better-sqlite3';
import { byId } from '../order.js';
import type { QueuedItem, UserQueueStore } from '../types.js';
import type { SqliteHandle } from './handle.js';

const COLUMNS = 'tenant_id, user_id, id, payload, queued_at, expires_at';

/**
 * Per-user queues in SQLite: one table keyed by (queue, tenant, user, id). A push is one
 * IMMEDIATE transaction and every other change one statement, so each call is atomic across
 * processes sharing the file.
 */
export class SqliteUserQueueStore implements UserQueueStore {
  private readonly pushAll: (queue: string, items: QueuedItem[], maxPerUser: number) => number;
  private readonly select: Statement<[string, string, string, number, number], QueuedItem>;
  private readonly removeIds: Statement<[string, string, string, string], QueuedItem>;
  private readonly takeDue: Statement<[string, number, number], QueuedItem>;
  private readonly countAll: Statement<[string, number], { n: number }>;
  private readonly countTenant: Statement<[string, string, number], { n: number }>;

  constructor(private readonly h: SqliteHandle) {
    const { db } = h;
    const insert = db.prepare<[string, string, string, string, string, number, number]>(
      `INSERT INTO user_queues (queue, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
    );
    // Deletes what lies below the user's maxPerUser-th highest id; with fewer items the
    // subquery is NULL and nothing matches.
    const trim = db.prepare<[string, string, string, string, string, string, number]>(
      `DELETE FROM user_queues WHERE queue = ? AND tenant_id = ? AND user_id = ? AND id < (
         SELECT id FROM user_queues WHERE queue = ? AND tenant_id = ? AND user_id = ?
         ORDER BY id DESC LIMIT 1 OFFSET ?)`,
    );
    const pushAll = db.transaction((queue: string, items: QueuedItem[], maxPerUser: number) => {
      const users = new Map<string, [string, string]>();
      for (const i of items) {
        insert.run(queue, i.tenant_id, i.user_id, i.id, i.payload, i.queued_at, i.expires_at);
        users.set(`${i.tenant_id}\u0000${i.user_id}`, [i.tenant_id, i.user_id]);
      }
      let dropped = 0;
      for (const [t, u] of users.values()) {
        dropped += trim.run(queue, t, u, queue, t, u, maxPerUser - 1).changes;
      }
      return dropped;
    });
    // IMMEDIATE takes the write lock first: a deferred transaction that reads, then writes,
    // fails at once (SQLITE_BUSY) when another process wrote in between.
    this.pushAll = (queue, items, maxPerUser) => pushAll.immediate(queue, items, maxPerUser);
    this.select = db.prepare(
      `SELECT ${COLUMNS} FROM user_queues
       WHERE queue = ? AND tenant_id = ? AND user_id = ? AND expires_at > ?
       ORDER BY id LIMIT ?`,
    );
    this.removeIds = db.prepare(
      `DELETE FROM user_queues
       WHERE queue = ? AND tenant_id = ? AND user_id = ?
         AND id IN (SELECT value FROM json_each(?))
       RETURNING ${COLUMNS}`,
    );
    // One statement picks and deletes, so two sweepers (or processes) never take one item.
    this.takeDue = db.prepare(
      `DELETE FROM user_queues WHERE rowid IN (
         SELECT rowid FROM user_queues WHERE queue = ? AND expires_at <= ?
         ORDER BY expires_at, id LIMIT ?)
       RETURNING ${COLUMNS}`,
    );
    this.countAll = db.prepare(
      'SELECT COUNT(*) AS n FROM user_queues WHERE queue = ? AND expires_at > ?',
    );
    this.countTenant = db.prepare(
      'SELECT COUNT(*) AS n FROM user_queues WHERE queue = ? AND tenant_id = ? AND expires_at > ?',
    );
  }

  push(queue: string, items: QueuedItem[], maxPerUser: number): Promise<number> {
    return this.h.run(() => (items.length === 0 ? 0 : this.pushAll(queue, items, maxPerUser)));
  }

  list: UserQueueStore['list'] = (queue, tenantId, userId, now, limit) => {
    return this.h.run(() =>
      limit <= 0 ? [] : this.select.all(queue, tenantId, userId, now, limit),
    );
  };

  remove(queue: string, tenantId: string, userId: string, ids: string[]): Promise<QueuedItem[]> {
    return this.h.run(() => {
      if (ids.length === 0) return [];
      // RETURNING gives rows in no promised order.
      return this.removeIds.all(queue, tenantId, userId, JSON.stringify(ids)).sort(byId);
    });
  }

  takeExpired(queue: string, now: number, limit: number): Promise<QueuedItem[]> {
    return this.h.run(() => {
      if (limit <= 0) return [];
      return this.takeDue
        .all(queue, now, limit)
        .sort((a, b) => a.expires_at - b.expires_at || byId(a, b));
    });
  }

  count(queue: string, now: number, tenantId?: string): Promise<number> {
    return this.h.run(() =>
      tenantId === undefined
        ? this.countAll.get(queue, now)!.n
        : this.countTenant.get(queue, tenantId, now)!.n,
    );
  }
}
