import type { Database, Statement } from 'better-sqlite3';
import {
  type ActivityGroup,
  ALL_TENANTS,
  NO_PREV,
  type TimeWindow,
  windowParts,
} from '../../analytics/activity.js';

/**
 * Activity rows in SQLite (table analytics_activity, migration 17): written in the append's
 * transaction, counted over the (tenant, day, last) and (tenant, day, prev_last) indexes.
 */
export class SqliteActivity {
  private readonly upsert: Statement<unknown[]>;
  private readonly prevOf: Statement<unknown[]>;
  private readonly nextOf: Statement<unknown[]>;
  private readonly setPrev: Statement<unknown[]>;
  private readonly byLast: Statement<unknown[]>;
  private readonly byPrev: Statement<unknown[]>;
  private readonly tenants: Statement<unknown[]>;
  private readonly drop: Statement<unknown[]>;

  constructor(db: Database) {
    // Writes only when the group moves the row's first or last (the WHERE of the update).
    this.upsert = db.prepare(
      `INSERT INTO analytics_activity (tenant_id, user_id, day, first, last, prev_last)
       VALUES (?, ?, ?, ?, ?, ${NO_PREV})
       ON CONFLICT (tenant_id, user_id, day) DO UPDATE
       SET first = min(first, excluded.first), last = max(last, excluded.last)
       WHERE excluded.first < first OR excluded.last > last`,
    );
    this.prevOf = db
      .prepare(
        `SELECT last FROM analytics_activity WHERE tenant_id = ? AND user_id = ? AND day < ?
         ORDER BY day DESC LIMIT 1`,
      )
      .pluck();
    this.nextOf = db
      .prepare(
        `SELECT day FROM analytics_activity WHERE tenant_id = ? AND user_id = ? AND day > ?
         ORDER BY day LIMIT 1`,
      )
      .pluck();
    this.setPrev = db.prepare(
      `UPDATE analytics_activity SET prev_last = ?
       WHERE tenant_id = ? AND user_id = ? AND day = ? AND prev_last <> ?`,
    );
    this.byLast = db
      .prepare(
        `SELECT count(*) FROM analytics_activity INDEXED BY analytics_activity_last
         WHERE tenant_id = ? AND day = ? AND last >= ? AND first < ?`,
      )
      .pluck();
    this.byPrev = db
      .prepare(
        `SELECT count(*) FROM analytics_activity INDEXED BY analytics_activity_prev
         WHERE tenant_id = ? AND day = ? AND prev_last < ? AND first < ?`,
      )
      .pluck();
    // The tenants with rows, one index seek each (a skip over the tenant_id prefix).
    this.tenants = db
      .prepare(
        `WITH RECURSIVE t(x) AS (
           SELECT min(tenant_id) FROM analytics_activity
           UNION ALL
           SELECT (SELECT min(tenant_id) FROM analytics_activity WHERE tenant_id > x)
           FROM t WHERE x IS NOT NULL)
         SELECT x FROM t WHERE x IS NOT NULL`,
      )
      .pluck();
    this.drop = db.prepare('DELETE FROM analytics_activity WHERE tenant_id = ? AND day < ?');
  }

  /**
   * Adds a batch's groups (activityGroups) to their rows, inside the append's transaction:
   * first every row's first/last, then the `prev_last` of each changed row and of the row
   * after it, read from the rows as they now are (so the order of groups does not matter).
   */
  add(groups: readonly ActivityGroup[]): void {
    const changed: ActivityGroup[] = [];
    for (const g of groups) {
      if (this.upsert.run(g.tenant_id, g.user_id, g.day, g.first, g.last).changes > 0) {
        changed.push(g);
      }
    }
    for (const g of changed) {
      this.fixPrev(g.tenant_id, g.user_id, g.day);
      const next = this.nextOf.get(g.tenant_id, g.user_id, g.day) as number | undefined;
      if (next !== undefined) this.fixPrev(g.tenant_id, g.user_id, next);
    }
  }

  /** Sets a row's `prev_last` to the `last` of the user's row before it. */
  private fixPrev(tenant: string, user: string, day: number): void {
    const prev = (this.prevOf.get(tenant, user, day) as number | undefined) ?? NO_PREV;
    this.setPrev.run(prev, tenant, user, day, prev);
  }

  /** Distinct users with an event in each window (AnalyticsStore.activeUsers). */
  count(tenant: string | null, windows: readonly TimeWindow[]): number[] {
    const t = tenant ?? ALL_TENANTS;
    return windows.map((w) => {
      let n = 0;
      for (const p of windowParts(w)) {
        n += (p.byLast ? this.byLast : this.byPrev).get(t, p.day, p.from, p.to) as number;
      }
      return n;
    });
  }

  /** Forgets rows of days before `day`; how many. */
  purge(day: number): number {
    let n = 0;
    for (const t of this.tenants.all() as string[]) n += this.drop.run(t, day).changes;
    return n;
  }
}
