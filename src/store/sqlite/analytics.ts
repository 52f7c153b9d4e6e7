import type { Statement } from 'better-sqlite3';
import type {
  ActivityRecord,
  AnalyticsRange,
  AnalyticsStore,
  RollupRow,
  ScanCursor,
} from '../../analytics/store.js';
import { type EventRow, eventOf } from '../analytics-rows.js';
import { storeUnavailable } from '../errors.js';
import { AsyncGroupCommit } from '../group-commit.js';
import { SqliteActivity } from './analytics-activity.js';
import type { AnalyticsWriteThread } from './analytics-write-thread.js';
import { type Append, SqliteAnalyticsWriter } from './analytics-writer.js';
import { isConstraintError, type SqliteHandle, translateError } from './handle.js';

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
 * (timestamp, id), with rollups and activity rows upserted in the same transaction
 * (analytics-writer.ts). The writes go to a thread of their own (analytics-write-thread.ts)
 * when the file is on disk, so that a batch of tracked events never holds the event loop;
 * reads stay on this connection (WAL: a read sees every committed write). Concurrent appends
 * are group-committed, which is also how the checkpointer holds them back.
 */
export class SqliteAnalyticsStore implements AnalyticsStore {
  private readonly activity: SqliteActivity;
  /** Appends made while a group is being written share the next group (and one commit). */
  private readonly group: AsyncGroupCommit<Append, boolean[]>;
  /** Writes on this connection: without a thread, or after it failed. */
  private inlineWriter: SqliteAnalyticsWriter | null = null;

  constructor(
    private readonly h: SqliteHandle,
    private readonly thread: AnalyticsWriteThread | null = null,
  ) {
    this.activity = new SqliteActivity(h.db);
    this.group = new AsyncGroupCommit({
      write: (calls) => (this.thread?.usable ? this.thread.write(calls) : this.writeHere(calls)),
      retryAlone: isConstraintError,
    });
  }

  append: AnalyticsStore['append'] = (events, rollupsFrom) => {
    if (this.h.closed) return Promise.reject(storeUnavailable());
    if (events.length === 0) return Promise.resolve([]);
    return this.group.submit({ events, rollupsFrom }).catch((err) => {
      throw translateError(err);
    });
  };

  private get inline(): SqliteAnalyticsWriter {
    this.inlineWriter ??= new SqliteAnalyticsWriter(this.h.db);
    return this.inlineWriter;
  }

  private async writeHere(calls: Append[]): Promise<boolean[][]> {
    return this.inline.write(calls);
  }

  /**
   * Holds appends back (they queue; nothing blocks) until the returned function is called,
   * while the checkpoint worker catches up with the WAL (see checkpointer.ts).
   */
  hold(): () => void {
    return this.group.hold();
  }

  /** Writes appends still waiting for their group, then ends the thread; close() calls it. */
  async drain(): Promise<void> {
    await this.group.drain();
    await this.thread?.stop();
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
    if (this.h.closed) return Promise.reject(storeUnavailable());
    if (this.thread?.usable) {
      return this.thread.purge(before).catch((err) => {
        throw translateError(err);
      });
    }
    return this.h.run(() => this.inline.purge(before));
  };
}
