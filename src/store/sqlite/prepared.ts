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

/** Ids one statement binds at most: SQLite limits the number of bound parameters. */
const IN_CHUNK = 500;

/**
 * The rows of a select over many ids, read IN_CHUNK ids a statement: `sqlFor(marks)` is the
 * statement with `IN (${marks})`, bound as the tenant, then the chunk's ids.
 */
export function allInChunks<R>(
  h: SqliteHandle,
  tenantId: string,
  ids: readonly string[],
  sqlFor: (marks: string) => string,
): R[] {
  const rows: R[] = [];
  for (let i = 0; i < ids.length; i += IN_CHUNK) {
    const part = ids.slice(i, i + IN_CHUNK);
    const chunk = prep(h, sqlFor(part.map(() => '?').join(','))).all(tenantId, ...part) as R[];
    for (const row of chunk) rows.push(row);
  }
  return rows;
}
