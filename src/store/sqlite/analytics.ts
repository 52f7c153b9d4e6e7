import type { Statement } from 'better-sqlite3';
import { dayOf } from '../../analytics/activity.js';
import {
  type ActivityRecord,
  type AnalyticsEventRecord,
  type AnalyticsRange,
  type AnalyticsStore,
  type RollupCutoffs,
  type RollupRow,
  rollupDeltas,
  type ScanCursor,
} from '../../analytics/store.js';
import { type EventRow, eventOf } from '../analytics-rows.js';
import { storeUnavailable } from '../errors.js';
import { SqliteActivity } from './analytics-activity.js';
import { GroupCommit } from './group-commit.js';
import { isConstraintError, type SqliteHandle, translateError } from './handle.js';

/** One append call: its events and rollup cutoffs. */
interface Append {
  events: readonly AnalyticsEventRecord[];
  rollupsFrom: RollupCutoffs | undefined;
}

const EVENT_COLUMNS = 'id, tenant_id, event_type, user_id, event_id, properties, timestamp, dims';
const ACTIVITY_COLUMNS = 'id, tenant_id, event_type, user_id, timestamp';

/** `AND tenant_id = ? AND event_type IN (?, …)` for a range, and its parameters. */
function rangeFilter(range: AnalyticsRange): { sql: string; params: (string | number)[] } {
  let sql = '';
  const params: (string | number)[] = [];
  if (range.tenant_id !== null) {
    sql += ' AND tenant_id = ?';
    params.push(range.tenant_id);
  }
  if (range.event_types) {
    if (range.event_types.length === 0) return { sql: `${sql} AND 0`, params };
    sql += ` AND event_type IN (${range.event_types.map(() => '?').join(', ')})`;
    params.push(...range.event_types);
  }
  return { sql, params };
}

/**
 * Analytics in SQLite (a file of its own, analytics-file.ts): events in a table ordered by
 * (timestamp, id), with rollups and activity rows upserted in the same transaction. Events
 * with a taken (tenant, event_id) are skipped by the unique index (INSERT OR IGNORE), and
 * only the kept ones are counted. Concurrent appends are group-committed (group-commit.ts),
 * which is also how the checkpointer holds them back.
 */
export class SqliteAnalyticsStore implements AnalyticsStore {
  private readonly insert: Statement<unknown[]>;
  private readonly addRollup: Statement<unknown[]>;
  private readonly activity: SqliteActivity;
  /** Appends made in one event-loop turn share a transaction (and one commit). */
  private readonly group: GroupCommit<Append, boolean[]>;

  constructor(private readonly h: SqliteHandle) {
    const { db } = h;
    this.activity = new SqliteActivity(db);
    this.insert = db.prepare(
      `INSERT OR IGNORE INTO analytics_events
         (id, tenant_id, event_type, user_id, event_id, properties, timestamp, dims)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.addRollup = db.prepare(
      `INSERT INTO analytics_rollups (granularity, bucket, tenant_id, event_type, dims, count)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (granularity, bucket, tenant_id, event_type, dims)
       DO UPDATE SET count = count + excluded.count`,
    );
    this.group = new GroupCommit({
      write: db.transaction((calls: Append[]) => this.writeAppends(calls)),
      retryAlone: isConstraintError,
      translate: translateError,
    });
  }

  append: AnalyticsStore['append'] = (events, rollupsFrom) => {
    if (this.h.closed) return Promise.reject(storeUnavailable());
    if (events.length === 0) return Promise.resolve([]);
    return this.group.submit({ events, rollupsFrom });
  };

  /**
   * Writes a group of appends (in its transaction): each call's events and rollups, then the
   * activity rows of every kept event at once, so that a user's rows are read and written
   * once for the group.
   */
  private writeAppends(calls: Append[]): boolean[][] {
    const kept: AnalyticsEventRecord[] = [];
    const outcomes = calls.map(({ events, rollupsFrom }) => {
      const from = kept.length;
      const outcome = events.map((e) => {
        const { changes } = this.insert.run(
          e.id,
          e.tenant_id,
          e.event_type,
          e.user_id,
          e.event_id,
          JSON.stringify(e.properties),
          e.timestamp,
          e.dims,
        );
        if (changes === 1) kept.push(e);
        return changes === 1;
      });
      for (const d of rollupDeltas(kept.slice(from), rollupsFrom)) {
        this.addRollup.run(d.granularity, d.bucket, d.tenant_id, d.event_type, d.dims, d.count);
      }
      return outcome;
    });
    this.activity.add(kept);
    return outcomes;
  }

  /**
   * Holds appends back (they queue; nothing blocks) until the returned function is called,
   * while the checkpoint worker catches up with the WAL (see checkpointer.ts).
   */
  hold(): () => void {
    return this.group.hold();
  }

  /** Writes appends still waiting for their group; the store's close() calls it first. */
  flush(): void {
    this.group.flush();
  }

  rollups: AnalyticsStore['rollups'] = (granularity, range) => {
    const f = rangeFilter(range);
    return this.h.run(
      () =>
        this.h.db
          .prepare(
            `SELECT tenant_id, bucket, event_type, dims, count FROM analytics_rollups
             WHERE granularity = ? AND bucket >= ? AND bucket < ?${f.sql}`,
          )
          .all(granularity, range.from, range.to, ...f.params) as RollupRow[],
    );
  };

  scan: AnalyticsStore['scan'] = (range, limit, after) =>
    this.h.run(() =>
      (this.pageOf(EVENT_COLUMNS, '', range, limit, after).all() as EventRow[]).map(eventOf),
    );

  scanActivity: AnalyticsStore['scanActivity'] = (range, limit, after) =>
    this.h.run(() => {
      const rows = this.pageOf(ACTIVITY_COLUMNS, ' AND user_id IS NOT NULL', range, limit, after)
        .raw()
        .all() as [string, string, string, string, number][];
      const out = new Array<ActivityRecord>(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const [id, tenant_id, event_type, user_id, timestamp] = rows[i]!;
        out[i] = { id, tenant_id, event_type, user_id, timestamp };
      }
      return out;
    });

  /** A page of a scan: `columns` of events in range after the cursor, bound and ready. */
  private pageOf(
    columns: string,
    extra: string,
    range: AnalyticsRange,
    limit: number,
    after: ScanCursor | undefined,
  ) {
    const f = rangeFilter(range);
    const start = after
      ? { sql: '(timestamp, id) > (?, ?)', params: [after.timestamp, after.id] }
      : { sql: 'timestamp >= ?', params: [range.from] };
    return this.h.db
      .prepare(
        `SELECT ${columns} FROM analytics_events
         WHERE ${start.sql} AND timestamp >= ? AND timestamp < ?${f.sql}${extra}
         ORDER BY timestamp, id LIMIT ?`,
      )
      .bind(...start.params, range.from, range.to, ...f.params, limit);
  }

  funnel: AnalyticsStore['funnel'] = (q) =>
    this.h.run(() => {
      const n = q.steps.length;
      const row = this.funnelStatement(n, q.tenant_id !== null).get({
        ...Object.fromEntries(q.steps.map((type, k) => [`s${k}`, type])),
        from: q.from,
        to: q.to,
        w: q.window_ms,
        ...(q.tenant_id !== null ? { tenant: q.tenant_id } : {}),
      }) as (number | null)[];
      const reached = row.slice(0, n).map((x) => x ?? 0);
      const gaps = [0, ...row.slice(n, 2 * n - 1).map((x) => x ?? 0)];
      return {
        reached,
        gaps,
        total: row[2 * n - 1] ?? 0,
        rows_read: reached.reduce((a, b) => a + b, 0),
      };
    });

  /** Funnel statements by step count and scope (the SQL depends on nothing else). */
  private readonly funnels = new Map<string, Statement<unknown[]>>();

  /**
   * The funnel of `n` steps as one statement over the (event_type, user_id, timestamp, id,
   * tenant_id) index: each user's first step-0 event in range (GROUP BY over the index; the
   * bare `id` is the one of the row holding min(timestamp), the first in index order), then
   * per step one seek for the first event of its type after the previous step's (timestamp,
   * id) and within the window, returned as `timestamp id` text (one subquery, two values).
   * Each step is materialized so that its subquery runs once per user. Answers: per step
   * the users reaching it, then per step k >= 1 the sum of t_k - t_(k-1), then the sum of
   * t_(n-1) - t_0.
   */
  private funnelStatement(n: number, scoped: boolean): Statement<unknown[]> {
    const key = `${n}${scoped ? 't' : ''}`;
    let st = this.funnels.get(key);
    if (st) return st;
    const T = scoped ? ' AND tenant_id = @tenant' : '';
    const FROM = 'FROM analytics_events INDEXED BY analytics_events_funnel';
    const ts = (k: number) => Array.from({ length: k }, (_, j) => `t${j}`).join(', ');
    const ctes = [
      `p0 AS MATERIALIZED (SELECT user_id AS u, min(timestamp) AS t0, id AS i0 ${FROM}
         WHERE event_type = @s0 AND user_id IS NOT NULL AND timestamp >= @from AND timestamp < @to${T}
         GROUP BY user_id)`,
    ];
    for (let k = 1; k < n; k++) {
      ctes.push(
        `c${k} AS MATERIALIZED (SELECT u, ${ts(k)}, CASE WHEN t${k - 1} IS NULL THEN NULL ELSE (
           SELECT timestamp || ' ' || id ${FROM}
           WHERE event_type = @s${k} AND user_id = u AND (timestamp, id) > (t${k - 1}, i${k - 1})
             AND timestamp <= t0 + @w${T}
           ORDER BY timestamp, id LIMIT 1) END AS c FROM p${k - 1})`,
        `p${k} AS (SELECT u, ${ts(k)}, CAST(substr(c, 1, instr(c, ' ') - 1) AS INTEGER) AS t${k},
           substr(c, instr(c, ' ') + 1) AS i${k} FROM c${k})`,
      );
    }
    const counts = Array.from({ length: n }, (_, k) => `count(t${k})`);
    const gaps = Array.from({ length: n - 1 }, (_, k) => `sum(t${k + 1} - t${k})`);
    st = this.h.db
      .prepare(
        `WITH ${ctes.join(',\n')}
         SELECT ${[...counts, ...gaps, `sum(t${n - 1} - t0)`].join(', ')} FROM p${n - 1}`,
      )
      .raw();
    this.funnels.set(key, st);
    return st;
  }

  activeUsers: AnalyticsStore['activeUsers'] = (tenant, windows) =>
    this.h.run(() => this.activity.count(tenant, windows));

  purge: AnalyticsStore['purge'] = (before) => {
    return this.h.run(() => {
      const { db } = this.h;
      let n = db
        .prepare('DELETE FROM analytics_events WHERE timestamp < ?')
        .run(before.raw).changes;
      const rollups = db.prepare(
        'DELETE FROM analytics_rollups WHERE granularity = ? AND bucket < ?',
      );
      for (const g of ['minute', 'hour', 'day'] as const) n += rollups.run(g, before[g]).changes;
      return n + this.activity.purge(dayOf(before.raw));
    });
  };
}
