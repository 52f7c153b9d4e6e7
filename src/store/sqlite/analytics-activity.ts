import type { Database, Statement } from 'better-sqlite3';
import {
  type ActivityGroup,
  type ActivityRow,
  ALL_TENANTS,
  activityGroups,
  bringsSecondTenant,
  FIRST,
  LAST,
  mergeActivity,
  PREV_LAST,
  type TimeWindow,
  userRuns,
  windowParts,
} from '../../analytics/activity.js';
import type { AnalyticsEventRecord } from '../../analytics/store.js';

/**
 * Activity rows in SQLite (table analytics_activity, analytics-file migration 2): written in
 * the append's transaction, counted over the (tenant, day, last) and (tenant, day,
 * prev_last) indexes. ALL_TENANTS rows are kept once a second tenant has rows (activity.ts);
 * whether they are is read in each append's transaction (two index seeks), not remembered,
 * so a rolled-back append or a purge leaves nothing stale behind.
 */
export class SqliteActivity {
  private readonly span: Statement<unknown[]>;
  private readonly insert: Statement<unknown[]>;
  /** Per ActivityWrite.changed (FIRST | LAST | PREV_LAST), the update that sets those. */
  private readonly updates: Statement<unknown[]>[] = [];
  private readonly byLast: Statement<unknown[]>;
  private readonly byPrev: Statement<unknown[]>;
  private readonly tenants: Statement<unknown[]>;
  private readonly drop: Statement<unknown[]>;
  private readonly anyAll: Statement<unknown[]>;
  private readonly someTenant: Statement<unknown[]>;
  private readonly copyToAll: Statement<unknown[]>;

  constructor(db: Database) {
    this.anyAll = db
      .prepare(`SELECT 1 FROM analytics_activity WHERE tenant_id = '${ALL_TENANTS}' LIMIT 1`)
      .pluck();
    // Without ALL_TENANTS rows, every row is the one tenant's that has rows (null: none).
    this.someTenant = db.prepare('SELECT min(tenant_id) FROM analytics_activity').pluck();
    this.copyToAll = db.prepare(
      `INSERT INTO analytics_activity (tenant_id, user_id, day, first, last, prev_last)
       SELECT '${ALL_TENANTS}', user_id, day, first, last, prev_last FROM analytics_activity
       WHERE tenant_id = ?`,
    );
    // A user's rows a batch can change: from the last row before its first day (whose `last`
    // is the first day's prev_last) to the first row after its last day (whose prev_last may
    // move). Three seeks into one (tenant, user) range of the primary key, usually one page.
    this.span = db.prepare(
      `SELECT day, first, last, prev_last FROM analytics_activity
       WHERE tenant_id = @t AND user_id = @u
         AND day >= coalesce((SELECT max(day) FROM analytics_activity
                              WHERE tenant_id = @t AND user_id = @u AND day < @lo), @lo)
         AND day <= coalesce((SELECT min(day) FROM analytics_activity
                              WHERE tenant_id = @t AND user_id = @u AND day > @hi), @hi)
       ORDER BY day`,
    );
    this.insert = db.prepare(
      `INSERT INTO analytics_activity (tenant_id, user_id, day, first, last, prev_last)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    // Only the columns that moved are set: an index whose columns are not set is not written.
    const COLUMNS = ['first', 'last', 'prev_last'];
    for (let mask = 1; mask < 8; mask++) {
      const set = COLUMNS.filter((_, i) => mask & (1 << i)).map((c) => `${c} = ?`);
      this.updates[mask] = db.prepare(
        `UPDATE analytics_activity SET ${set.join(', ')}
         WHERE tenant_id = ? AND user_id = ? AND day = ?`,
      );
    }
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
   * Adds kept events to their rows, inside the append's transaction: their groups
   * (activityGroups, with ALL_TENANTS' once two tenants have rows). Per (tenant, user), the
   * rows the groups can change are read once, merged with the groups in memory, and each row
   * is written at most once with its final first, last and prev_last: a new row is inserted
   * whole, a changed one updates only the columns that moved (and so only the indexes on
   * them).
   */
  add(events: readonly AnalyticsEventRecord[]): void {
    const groups = activityGroups(events, this.keepsAll(events));
    for (const [from, to] of userRuns(groups)) this.addUser(groups, from, to);
  }

  /**
   * Whether ALL_TENANTS rows are written with these events: when they exist, or when the
   * events bring a second tenant, in which case the first tenant's rows are copied to them
   * now.
   */
  private keepsAll(events: readonly AnalyticsEventRecord[]): boolean {
    if (this.anyAll.get() !== undefined) return true;
    const one = (this.someTenant.get() as string | null) ?? undefined;
    if (!bringsSecondTenant(events, one)) return false;
    if (one !== undefined) this.copyToAll.run(one);
    return true;
  }

  /**
   * The tenant whose rows count a user once across tenants: ALL_TENANTS when kept, else the
   * one tenant that has rows; undefined when none has.
   */
  private acrossTenants(): string | undefined {
    if (this.anyAll.get() !== undefined) return ALL_TENANTS;
    return (this.someTenant.get() as string | null) ?? undefined;
  }

  /** Adds `groups[from, to)`, one (tenant, user)'s in day order, to that user's rows. */
  private addUser(groups: readonly ActivityGroup[], from: number, to: number): void {
    const t = groups[from]!.tenant_id;
    const u = groups[from]!.user_id;
    const lo = groups[from]!.day;
    const rows = this.span.all({ t, u, lo, hi: groups[to - 1]!.day }) as ActivityRow[];
    for (const w of mergeActivity(rows, groups, from, to)) {
      if (w.insert) {
        this.insert.run(t, u, w.day, w.first, w.last, w.prev_last);
        continue;
      }
      const values: number[] = [];
      if (w.changed & FIRST) values.push(w.first);
      if (w.changed & LAST) values.push(w.last);
      if (w.changed & PREV_LAST) values.push(w.prev_last);
      this.updates[w.changed]!.run(...values, t, u, w.day);
    }
  }

  /** Distinct users with an event in each window (AnalyticsStore.activeUsers). */
  count(tenant: string | null, windows: readonly TimeWindow[]): number[] {
    const t = tenant ?? this.acrossTenants();
    return windows.map((w) => {
      const parts = windowParts(w);
      let n = 0;
      if (t === undefined) return n;
      for (const p of parts) {
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
