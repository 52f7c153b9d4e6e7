import type { Statement } from 'better-sqlite3';
import { VISIBLE_UNREAD } from '../columns.js';
import { storeUnavailable } from '../errors.js';
import { type FeedDialect, feedConditions, notExpired } from '../feed-sql.js';
import type {
  ActionOutcome,
  NewNotification,
  NotificationPatch,
  NotificationRecord,
  NotificationStore,
} from '../types.js';
import { tallyUnread } from '../unread-counts.js';
import type { SqliteHandle } from './handle.js';
import { NotificationWriter } from './insert.js';
import { type NotificationRow, notificationParams, type Param, toNotification } from './rows.js';

const MINE = 'tenant_id = ? AND recipient_id = ?';

/** Feed statements kept prepared; queries with metadata filters are not kept (keys vary). */
const MAX_FEED_STATEMENTS = 256;

/** Notifications and feeds in SQLite. */
export class SqliteNotificationStore implements NotificationStore {
  private readonly writer: NotificationWriter;
  private readonly feedQueries = new Map<string, Statement<Param[], NotificationRow>>();
  private readonly selectOne: Statement<[string, string, string], NotificationRow>;
  private readonly selectById: Statement<[string, string], NotificationRow>;
  private readonly markOneRead: Statement<[number, string, string, string]>;
  private readonly markManyRead: (ids: string[], mine: [string, string], at: number) => string[];
  private readonly markAll: Statement<[number, string, string]>;
  private readonly markAllOfCategory: Statement<[number, string, string, string]>;
  private readonly dismissOne: Statement<[number, number, string, string, string]>;
  private readonly dismissMany: (ids: string[], mine: [string, string], at: number) => string[];
  private readonly dismissEvery: Statement<[number, number, string, string]>;
  private readonly dismissEveryOfCategory: Statement<[number, number, string, string, string]>;
  private readonly writePatch: Statement<Param[]>;
  private readonly patchOne: (
    tenantId: string,
    id: string,
    patch: NotificationPatch,
  ) => NotificationRow | undefined;
  private readonly takeAction: Statement<[string, number, string, string, string]>;
  private readonly actOnce: (
    mine: [string, string],
    id: string,
    actionId: string,
    at: number,
  ) => ActionOutcome;
  private readonly removeOne: Statement<[number, string, string, string]>;
  private readonly countUnread: Statement<
    [string, string, number],
    { category: string; priority: string; n: number }
  >;
  private readonly purgeOld: Statement<[string, number]>;
  private readonly purgeClaims: Statement<[number]>;

  constructor(private readonly h: SqliteHandle) {
    const { db } = h;
    this.writer = new NotificationWriter(db);
    this.selectOne = db.prepare(
      `SELECT * FROM notifications WHERE id = ? AND ${MINE} AND deleted_at IS NULL`,
    );
    this.selectById = db.prepare(
      'SELECT * FROM notifications WHERE id = ? AND tenant_id = ? AND deleted_at IS NULL',
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
    const dismissSet = 'SET dismissed_at = ?, read_at = COALESCE(read_at, ?)';
    const undismissed = 'deleted_at IS NULL AND dismissed_at IS NULL';
    this.dismissOne = db.prepare(
      `UPDATE notifications ${dismissSet} WHERE id = ? AND ${MINE} AND ${undismissed}`,
    );
    this.dismissMany = db.transaction(
      (ids: string[], [tenantId, recipientId]: [string, string], at: number) =>
        [...new Set(ids)].filter(
          (id) => this.dismissOne.run(at, at, id, tenantId, recipientId).changes,
        ),
    );
    this.dismissEvery = db.prepare(
      `UPDATE notifications ${dismissSet} WHERE ${MINE} AND ${undismissed}`,
    );
    this.dismissEveryOfCategory = db.prepare(
      `UPDATE notifications ${dismissSet} WHERE ${MINE} AND ${undismissed} AND category = ?`,
    );
    this.writePatch = db.prepare<Param[]>(
      `UPDATE notifications SET content = ?, actions = ?, expires_at = ?
       WHERE id = ? AND tenant_id = ? AND deleted_at IS NULL`,
    );
    this.patchOne = db.transaction((tenantId: string, id: string, patch: NotificationPatch) => {
      const row = this.selectById.get(id, tenantId);
      if (!row) return undefined;
      const next = { ...toNotification(row), ...patch };
      const p = notificationParams(next);
      // content, actions, expires_at: see notificationParams' order.
      this.writePatch.run(p[6], p[14], p[17], id, tenantId);
      return this.selectById.get(id, tenantId);
    });
    this.takeAction = db.prepare(
      `UPDATE notifications SET action_id = ?, actioned_at = ?
       WHERE id = ? AND ${MINE} AND deleted_at IS NULL AND action_id IS NULL`,
    );
    this.actOnce = db.transaction(
      ([tenantId, recipientId]: [string, string], id: string, actionId: string, at: number) => {
        const taken = this.takeAction.run(actionId, at, id, tenantId, recipientId).changes > 0;
        const row = this.selectOne.get(id, tenantId, recipientId);
        if (!row) return { status: 'not_found' } as const;
        const notification = toNotification(row);
        return taken
          ? ({ status: 'recorded', notification } as const)
          : ({ status: 'already', notification } as const);
      },
    );
    this.removeOne = db.prepare(
      `UPDATE notifications SET deleted_at = ? WHERE id = ? AND ${MINE} AND deleted_at IS NULL`,
    );
    this.countUnread = db.prepare(
      `SELECT category, priority, COUNT(*) AS n FROM notifications
       WHERE ${MINE} AND ${VISIBLE_UNREAD} AND ${notExpired('?')}
       GROUP BY category, priority`,
    );
    // Deliveries go with their notification (ON DELETE CASCADE).
    this.purgeOld = db.prepare(
      `DELETE FROM notifications WHERE id IN
         (SELECT id FROM notifications WHERE id < ? ORDER BY id LIMIT ?)`,
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

  find(tenantId: string, id: string): Promise<NotificationRecord | null> {
    return this.h.run(() => {
      const row = this.selectById.get(id, tenantId);
      return row ? toNotification(row) : null;
    });
  }

  list: NotificationStore['list'] = (query) => {
    return this.h.run(() => {
      const params: Param[] = [query.tenant_id, query.recipient_id];
      const where = `${MINE} AND ${feedConditions(query, sqliteDialect(params))}`;
      params.push(query.limit + 1);
      const order = query.after === undefined ? 'DESC' : 'ASC';
      const rows = this.feedQuery(where, order, !query.metadata).all(...params);
      const has_more = rows.length > query.limit;
      return { items: rows.slice(0, query.limit).map(toNotification), has_more };
    });
  };

  markRead(tenantId: string, recipientId: string, ids: string[], at: number): Promise<string[]> {
    return this.h.run(() => this.markManyRead(ids, [tenantId, recipientId], at));
  }

  markAllRead: NotificationStore['markAllRead'] = (tenantId, recipientId, at, category) => {
    const args = [at, tenantId, recipientId];
    return this.h.run(() => this.allOrOf(this.markAll, this.markAllOfCategory, args, category));
  };

  dismiss(tenantId: string, recipientId: string, ids: string[], at: number): Promise<string[]> {
    return this.h.run(() => this.dismissMany(ids, [tenantId, recipientId], at));
  }

  dismissAll: NotificationStore['dismissAll'] = (tenantId, recipientId, at, category) => {
    const args = [at, at, tenantId, recipientId];
    return this.h.run(() =>
      this.allOrOf(this.dismissEvery, this.dismissEveryOfCategory, args, category),
    );
  };

  /** Runs `all` with `args`, or `ofCategory` with the category after them; rows changed. */
  private allOrOf(all: Statement, ofCategory: Statement, args: unknown[], category?: string) {
    return (category === undefined ? all.run(...args) : ofCategory.run(...args, category)).changes;
  }

  update: NotificationStore['update'] = (tenantId, id, patch) => {
    return this.h.run(() => {
      const row = this.patchOne(tenantId, id, patch);
      return row ? toNotification(row) : null;
    });
  };

  recordAction: NotificationStore['recordAction'] = (tenantId, recipientId, id, actionId, at) => {
    return this.h.run(() => this.actOnce([tenantId, recipientId], id, actionId, at));
  };

  remove(tenantId: string, recipientId: string, id: string, at: number): Promise<boolean> {
    return this.h.run(() => this.removeOne.run(at, id, tenantId, recipientId).changes > 0);
  }

  unreadCounts(tenantId: string, recipientId: string, now?: number) {
    return this.h.run(() => {
      const at = now ?? Number.MIN_SAFE_INTEGER;
      return tallyUnread(this.countUnread.all(tenantId, recipientId, at));
    });
  }

  purgeBefore(beforeId: string, limit: number): Promise<number> {
    return this.h.run(() => this.purgeOld.run(beforeId, limit).changes);
  }

  purgeExpiredIdempotency(now: number): Promise<number> {
    return this.h.run(() => this.purgeClaims.run(now).changes);
  }

  heldKeys(tenantId: string, keys: string[], at: number) {
    return this.h.run(() => {
      const select = this.h.db.prepare<Param[], { notification_id: string; request_id: string }>(
        `SELECT notification_id, request_id FROM idempotency_keys
         WHERE tenant_id = ? AND key = ? AND expires_at > ?`,
      );
      return keys.map((key) => {
        const row = select.get(tenantId, key, at);
        return row ? { notification_id: row.notification_id, request_id: row.request_id } : null;
      });
    });
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

  /** A prepared statement per combination of filters, made on first use. */
  private feedQuery(
    where: string,
    order: 'ASC' | 'DESC',
    keep: boolean,
  ): Statement<Param[], NotificationRow> {
    const sql = `SELECT * FROM notifications WHERE ${where} ORDER BY id ${order} LIMIT ?`;
    let stmt = this.feedQueries.get(sql);
    if (!stmt) {
      stmt = this.h.db.prepare<Param[], NotificationRow>(sql);
      if (keep && this.feedQueries.size < MAX_FEED_STATEMENTS) this.feedQueries.set(sql, stmt);
    }
    return stmt;
  }
}

/** SQLite's spelling: positional `?`, and `data[key]` read with the JSON operators. */
function sqliteDialect(params: Param[]): FeedDialect {
  return {
    param(value) {
      params.push(value);
      return '?';
    },
    metadataText(key) {
      // The key is quoted into the SQL (a JSON path cannot be a parameter twice with `?`).
      const path = `'$."${key.replace(/["\\]/g, '').replace(/'/g, "''")}"'`;
      return `(CASE json_type(data, ${path}) WHEN 'text' THEN data ->> ${path}
        WHEN 'integer' THEN data -> ${path} WHEN 'real' THEN data -> ${path}
        WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' END)`;
    },
  };
}
