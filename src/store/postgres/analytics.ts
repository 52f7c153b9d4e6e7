import type pg from 'pg';
import { dayOf } from '../../analytics/activity.js';
import {
  type ActivityRecord,
  type AnalyticsRange,
  type AnalyticsStore,
  type RollupRow,
  rollupDeltas,
  type ScanCursor,
} from '../../analytics/store.js';
import { type EventRow, eventOf } from '../analytics-rows.js';
import { ModeLockNeeded, PostgresActivity } from './analytics-activity.js';
import type { Param, PostgresHandle } from './handle.js';

const COLUMNS = 'id, tenant_id, event_type, user_id, event_id, properties, timestamp, dims';
const RECORDSET =
  'id text, tenant_id text, event_type text, user_id text, event_id text, properties text, timestamp bigint, dims text';
const ROLLUP_COLUMNS = 'granularity, bucket, tenant_id, event_type, dims, count';
const ROLLUP_RECORDSET =
  'granularity text, bucket bigint, tenant_id text, event_type text, dims text, count bigint';

/** `AND tenant_id = $n AND event_type = ANY($m)` for a range, adding its parameters. */
function rangeFilter(range: AnalyticsRange, params: Param[]): string {
  let sql = '';
  if (range.tenant_id !== null) {
    params.push(range.tenant_id);
    sql += ` AND tenant_id = $${params.length}`;
  }
  if (range.event_types) {
    params.push([...range.event_types]);
    sql += ` AND event_type = ANY($${params.length}::text[])`;
  }
  return sql;
}

/**
 * Analytics in PostgreSQL: one transaction inserts a batch of events (skipping those whose
 * (tenant, event_id) is taken) and adds the kept ones to the rollups, rows upserted in a
 * fixed order so that concurrent batches cannot deadlock on them.
 */
export class PostgresAnalyticsStore implements AnalyticsStore {
  private readonly activity: PostgresActivity;

  constructor(private readonly h: PostgresHandle) {
    this.activity = new PostgresActivity(h);
  }

  append: AnalyticsStore['append'] = async (events, rollupsFrom) => {
    if (events.length === 0) return [];
    const { analyticsEvents: ev, analyticsRollups: ru } = this.h.t;
    const rows = events.map((e) => ({ ...e, properties: JSON.stringify(e.properties) }));
    const write = (alone: boolean) =>
      this.h.transaction(async (client) => {
        const inserted = await client.query<{ id: string }>(
          `INSERT INTO ${ev} (${COLUMNS})
         SELECT ${COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS x(${RECORDSET})
         ON CONFLICT (tenant_id, event_id) WHERE event_id IS NOT NULL DO NOTHING
         RETURNING id`,
          [JSON.stringify(rows)],
        );
        const keptIds = new Set(inserted.rows.map((r) => r.id));
        const outcome = events.map((e) => keptIds.has(e.id));
        const deltas = rollupDeltas(
          events.filter((_, i) => outcome[i]),
          rollupsFrom,
        );
        if (deltas.length > 0) {
          await client.query(
            `INSERT INTO ${ru} AS r (${ROLLUP_COLUMNS})
           SELECT ${ROLLUP_COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS x(${ROLLUP_RECORDSET})
           ON CONFLICT (granularity, bucket, tenant_id, event_type, dims)
           DO UPDATE SET count = r.count + EXCLUDED.count`,
            [JSON.stringify(deltas)],
          );
        }
        await this.activity.add(
          client,
          events.filter((_, i) => outcome[i]),
          alone,
        );
        return outcome;
      });
    // An append that would change whether every-tenant activity rows are kept runs (again)
    // holding the mode lock alone (analytics-activity.ts); that happens once or twice a store.
    const alone = this.activity.changesMode(events);
    try {
      return await write(alone);
    } catch (err) {
      if (alone || !(err instanceof ModeLockNeeded)) throw err;
      return write(true);
    }
  };

  rollups: AnalyticsStore['rollups'] = async (granularity, range) => {
    const params: Param[] = [granularity, range.from, range.to];
    const filter = rangeFilter(range, params);
    const { rows } = await this.h.query<
      Omit<RollupRow, 'bucket' | 'count'> & { bucket: string; count: string }
    >(
      `SELECT tenant_id, bucket, event_type, dims, count FROM ${this.h.t.analyticsRollups}
       WHERE granularity = $1 AND bucket >= $2 AND bucket < $3${filter}`,
      params,
    );
    return rows.map((r) => ({ ...r, bucket: Number(r.bucket), count: Number(r.count) }));
  };

  scan: AnalyticsStore['scan'] = async (range, limit, after) =>
    (await this.page<EventRow>(COLUMNS, '', range, limit, after)).map(eventOf);

  scanActivity: AnalyticsStore['scanActivity'] = async (range, limit, after) => {
    const rows = await this.page<Omit<ActivityRecord, 'timestamp'> & { timestamp: string }>(
      'id, tenant_id, event_type, user_id, timestamp',
      ' AND user_id IS NOT NULL',
      range,
      limit,
      after,
    );
    return rows.map((r) => ({ ...r, timestamp: Number(r.timestamp) }));
  };

  /** A page of a scan: `columns` of events in range after the cursor. */
  private async page<R extends pg.QueryResultRow>(
    columns: string,
    extra: string,
    range: AnalyticsRange,
    limit: number,
    after: ScanCursor | undefined,
  ): Promise<R[]> {
    const params: Param[] = [range.from, range.to, limit];
    let start = '';
    if (after) {
      params.push(after.timestamp, after.id);
      start = ` AND (timestamp, id) > ($4, $5)`;
    }
    const filter = rangeFilter(range, params);
    const { rows } = await this.h.query<R>(
      `SELECT ${columns} FROM ${this.h.t.analyticsEvents}
       WHERE timestamp >= $1 AND timestamp < $2${start}${filter}${extra}
       ORDER BY timestamp, id LIMIT $3`,
      params,
    );
    return rows;
  }

  /**
   * One statement over the (event_type, user_id, timestamp, id) index: each user's first
   * step-0 event in range (DISTINCT ON in index order), then per step a LATERAL seek for the
   * first event of its type after the previous step's (timestamp, id), within the window.
   * Answers per step the users reaching it, per step k >= 1 the sum of t_k - t_(k-1), and
   * the sum of t_(n-1) - t_0.
   */
  funnel: AnalyticsStore['funnel'] = async (q) => {
    const ev = this.h.t.analyticsEvents;
    const n = q.steps.length;
    const params: Param[] = [q.from, q.to, q.window_ms, ...q.steps];
    let T = '';
    if (q.tenant_id !== null) {
      params.push(q.tenant_id);
      T = ` AND tenant_id = $${params.length}`;
    }
    const step = (k: number) => `$${4 + k}`;
    const joins: string[] = [];
    for (let k = 1; k < n; k++) {
      joins.push(
        `LEFT JOIN LATERAL (
           SELECT timestamp AS t, id AS i FROM ${ev}
           WHERE event_type = ${step(k)} AND user_id = s0.u
             AND (timestamp, id) > (s${k - 1}.t, s${k - 1}.i) AND timestamp <= s0.t + $3${T}
           ORDER BY timestamp, id LIMIT 1) AS s${k} ON true`,
      );
    }
    const cols = [
      ...Array.from({ length: n }, (_, k) => `count(s${k}.t)`),
      ...Array.from({ length: n - 1 }, (_, k) => `sum(s${k + 1}.t - s${k}.t)`),
      `sum(s${n - 1}.t - s0.t)`,
    ];
    const { rows } = await this.h.query<Record<string, string | null>>(
      `SELECT ${cols.map((c, i) => `${c} AS c${i}`).join(', ')} FROM (
               SELECT DISTINCT ON (user_id) user_id AS u, timestamp AS t, id AS i FROM ${ev}
               WHERE event_type = ${step(0)} AND user_id IS NOT NULL
                 AND timestamp >= $1 AND timestamp < $2${T}
               ORDER BY user_id, timestamp, id) AS s0
             ${joins.join('\n')}`,
      params,
    );
    const row = cols.map((_, i) => Number(rows[0]![`c${i}`] ?? 0));
    const reached = row.slice(0, n);
    return {
      reached,
      gaps: [0, ...row.slice(n, 2 * n - 1)],
      total: row[2 * n - 1]!,
      rows_read: reached.reduce((a, b) => a + b, 0),
    };
  };

  activeUsers: AnalyticsStore['activeUsers'] = (tenant, windows) =>
    this.activity.count(tenant, windows);

  purge: AnalyticsStore['purge'] = async (before) => {
    const { analyticsEvents: ev, analyticsRollups: ru } = this.h.t;
    let n = (await this.h.query(`DELETE FROM ${ev} WHERE timestamp < $1`, [before.raw])).rowCount;
    for (const g of ['minute', 'hour', 'day'] as const) {
      n += (
        await this.h.query(`DELETE FROM ${ru} WHERE granularity = $1 AND bucket < $2`, [
          g,
          before[g],
        ])
      ).rowCount;
    }
    return n + (await this.activity.purge(dayOf(before.raw)));
  };
}
