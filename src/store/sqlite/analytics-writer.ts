import type { Database, Statement } from 'better-sqlite3';
import { dayOf } from '../../analytics/activity.js';
import {
  type AnalyticsCutoffs,
  type AnalyticsEventRecord,
  type RollupCutoffs,
  rollupDeltas,
} from '../../analytics/store.js';
import { SqliteActivity } from './analytics-activity.js';

/** One append call: its events and rollup cutoffs. */
export interface Append {
  events: readonly AnalyticsEventRecord[];
  rollupsFrom: RollupCutoffs | undefined;
}

/**
 * What writes analytics into its SQLite file: events, their rollups and activity rows, and
 * the retention purge. One runs on the write thread's connection (analytics-write-thread.ts),
 * or on the store's own where there is no thread (a private in-memory file).
 */
export class SqliteAnalyticsWriter {
  private readonly insert: Statement<unknown[]>;
  private readonly addRollup: Statement<unknown[]>;
  private readonly activity: SqliteActivity;
  /** A group of appends in one transaction: one commit for all of them. */
  readonly write: (calls: Append[]) => boolean[][];

  constructor(private readonly db: Database) {
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
    this.write = db.transaction((calls: Append[]) => this.writeAppends(calls));
  }

  /**
   * Writes a group of appends (in its transaction): each call's events and rollups, then the
   * activity rows of every kept event at once, so that a user's rows are read and written
   * once for the group. Events with a taken (tenant, event_id) are skipped by the unique
   * index (INSERT OR IGNORE), and only the kept ones are counted.
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

  /** Forgets what is older than each granularity's cutoff; how many rows. */
  purge(before: AnalyticsCutoffs): number {
    let n = this.db
      .prepare('DELETE FROM analytics_events WHERE timestamp < ?')
      .run(before.raw).changes;
    const rollups = this.db.prepare(
      'DELETE FROM analytics_rollups WHERE granularity = ? AND bucket < ?',
    );
    for (const g of ['minute', 'hour', 'day'] as const) n += rollups.run(g, before[g]).changes;
    return n + this.activity.purge(dayOf(before.raw));
  }
}
