import type { Statement } from 'better-sqlite3';
import type { SqliteHandle } from './handle.js';

/** A row as better-sqlite3 returns it. */
export type Row = Record<string, unknown>;

const statements = new WeakMap<SqliteHandle, Map<string, Statement>>();

/** A statement prepared once per database and reused. */
export function prep(h: SqliteHandle, sql: string): Statement {
  let cache = statements.get(h);
  if (!cache) {
    cache = new Map();
    statements.set(h, cache);
  }
  let stmt = cache.get(sql);
  if (!stmt) {
    stmt = h.db.prepare(sql);
    cache.set(sql, stmt);
  }
  return stmt;
}

/** Deletes a subscriber's rows of `table` (devices, topic memberships, preferences); how many. */
export function deleteOfSubscriber(
  h: SqliteHandle,
  table: 'devices' | 'topic_members' | 'preferences',
  tenantId: string,
  subscriberId: string,
): number {
  const sql = `DELETE FROM ${table} WHERE tenant_id = ? AND subscriber_id = ?`;
  return prep(h, sql).run(tenantId, subscriberId).changes;
}
