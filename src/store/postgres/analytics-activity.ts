import type pg from 'pg';
import {
  type ActivityRow,
  ALL_TENANTS,
  activityGroups,
  bringsSecondTenant,
  mergeActivity,
  type TimeWindow,
  userRuns,
  windowParts,
} from '../../analytics/activity.js';
import type { AnalyticsEventRecord } from '../../analytics/store.js';
import type { PostgresHandle } from './handle.js';

/**
 * Thrown in an append's transaction that holds the mode lock shared but must change whether
 * ALL_TENANTS rows are kept: the append runs again, holding it alone.
 */
export class ModeLockNeeded extends Error {}

/** What an append saw last: whether ALL_TENANTS rows are kept, else the tenant with rows. */
interface Mode {
  all: boolean;
  one: string | undefined;
}

/**
 * Activity rows in PostgreSQL (table analytics_activity, migration 17), written in the
 * append's transaction. Appends of the same user in concurrent transactions would each
 * miss the other's new rows when they set `prev_last`, so each takes a transaction-scoped
 * advisory lock per (tenant, user) first, in one order (no deadlock between them).
 *
 * ALL_TENANTS rows are kept once a second tenant has rows (activity.ts). Whether they are is
 * read in each append's transaction under an advisory "mode" lock on the table: held shared
 * by appends that keep the mode (rows of the one tenant that has rows, or every tenant's once
 * ALL_TENANTS rows exist), alone by the append that changes it (the first tenant's rows, or
 * a second tenant's, whose transaction copies the first tenant's rows to ALL_TENANTS). So
 * the copy sees every row committed before it, and no append of the old mode commits after.
 * Nodes share nothing but the table; what an append saw only picks the lock it takes first.
 */
export class PostgresActivity {
  private seen: Mode | undefined;

  constructor(private readonly h: PostgresHandle) {}

  /** Whether an append of `events` takes the mode lock alone (it may change the mode). */
  changesMode(events: readonly AnalyticsEventRecord[]): boolean {
    const m = this.seen;
    return !m || (!m.all && (m.one === undefined || bringsSecondTenant(events, m.one)));
  }

  /**
   * Adds kept events to their rows, on the append's client. `alone`: the mode lock is taken
   * alone (changesMode); without it, a change of mode throws ModeLockNeeded.
   */
  async add(
    client: pg.PoolClient,
    events: readonly AnalyticsEventRecord[],
    alone: boolean,
  ): Promise<void> {
    if (!events.some((e) => e.user_id !== null)) return;
    const a = this.h.t.analyticsActivity;
    await client.query(
      `SELECT ${alone ? 'pg_advisory_xact_lock' : 'pg_advisory_xact_lock_shared'}(
         hashtextextended($1, 17))`,
      [a],
    );
    // Read after the lock (a statement of its own: its snapshot is taken after the wait).
    const {
      rows: [state],
    } = await client.query<{ all: boolean | null; one: string | null }>(
      `SELECT (SELECT true FROM ${a} WHERE tenant_id = '${ALL_TENANTS}' LIMIT 1) AS all,
              (SELECT min(tenant_id) FROM ${a}) AS one`,
    );
    const mode: Mode = { all: state?.all === true, one: state?.one ?? undefined };
    if (!mode.all) {
      const second = bringsSecondTenant(events, mode.one);
      if (second || mode.one === undefined) {
        if (!alone) throw new ModeLockNeeded();
        if (second && mode.one !== undefined) {
          await client.query(
            `INSERT INTO ${a} (tenant_id, user_id, day, first, last, prev_last)
             SELECT '${ALL_TENANTS}', user_id, day, first, last, prev_last FROM ${a}
             WHERE tenant_id = $1`,
            [mode.one],
          );
        }
        mode.all = second;
        mode.one ??= events.find((e) => e.user_id !== null)!.tenant_id;
      }
    }
    this.seen = mode;
    const groups = activityGroups(events, mode.all);
    const col = <K extends 'tenant_id' | 'user_id'>(k: K) => groups.map((g) => g[k]);
    const tenants = col('tenant_id');
    const users = col('user_id');
    // A volatile function in the select list runs after the ORDER BY: locks in key order.
    await client.query(
      `SELECT pg_advisory_xact_lock(k) FROM (
         SELECT DISTINCT hashtextextended(t || '|' || u, 16) AS k
         FROM unnest($1::text[], $2::text[]) AS x(t, u)) AS keys
       ORDER BY k`,
      [tenants, users],
    );
    // Per (tenant, user), the rows its groups can change (see mergeActivity), read once now
    // that no other append of that user can write (the locks above).
    const runs = userRuns(groups);
    const { rows } = await client.query<{
      i: string;
      day: string;
      first: string;
      last: string;
      prev_last: string;
    }>(
      `SELECT k.i, r.day, r.first, r.last, r.prev_last
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[])
         WITH ORDINALITY AS k(t, u, lo, hi, i)
       CROSS JOIN LATERAL (
         SELECT day, first, last, prev_last FROM ${a}
         WHERE tenant_id = k.t AND user_id = k.u
           AND day >= coalesce((SELECT max(day) FROM ${a}
                                WHERE tenant_id = k.t AND user_id = k.u AND day < k.lo), k.lo)
           AND day <= coalesce((SELECT min(day) FROM ${a}
                                WHERE tenant_id = k.t AND user_id = k.u AND day > k.hi), k.hi)
       ) AS r
       ORDER BY k.i, r.day`,
      [
        runs.map(([f]) => groups[f]!.tenant_id),
        runs.map(([f]) => groups[f]!.user_id),
        runs.map(([f]) => groups[f]!.day),
        runs.map(([, t]) => groups[t - 1]!.day),
      ],
    );
    const spans: ActivityRow[][] = runs.map(() => []);
    for (const r of rows) {
      spans[Number(r.i) - 1]!.push({
        day: Number(r.day),
        first: Number(r.first),
        last: Number(r.last),
        prev_last: Number(r.prev_last),
      });
    }
    // Each changed or new row once, with its final values.
    const w = { t: [] as string[], u: [] as string[], d: [] as number[] };
    const v = { f: [] as number[], l: [] as number[], p: [] as number[] };
    runs.forEach(([from, to], i) => {
      for (const row of mergeActivity(spans[i]!, groups, from, to)) {
        w.t.push(groups[from]!.tenant_id);
        w.u.push(groups[from]!.user_id);
        w.d.push(row.day);
        v.f.push(row.first);
        v.l.push(row.last);
        v.p.push(row.prev_last);
      }
    });
    if (w.t.length === 0) return;
    await client.query(
      `INSERT INTO ${a} (tenant_id, user_id, day, first, last, prev_last)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[],
                            $6::bigint[])
       ON CONFLICT (tenant_id, user_id, day) DO UPDATE
       SET first = EXCLUDED.first, last = EXCLUDED.last, prev_last = EXCLUDED.prev_last`,
      [w.t, w.u, w.d, v.f, v.l, v.p],
    );
  }

  /** Distinct users with an event in each window (AnalyticsStore.activeUsers). */
  async count(tenant: string | null, windows: readonly TimeWindow[]): Promise<number[]> {
    const a = this.h.t.analyticsActivity;
    // Across tenants: ALL_TENANTS' rows when kept, else the one tenant's that has rows (read
    // in the counting statement's snapshot, which holds either the one or the other whole).
    const who = `coalesce($1::text,
      (SELECT tenant_id FROM ${a} WHERE tenant_id = '${ALL_TENANTS}' LIMIT 1),
      (SELECT min(tenant_id) FROM ${a}))`;
    const parts = windows.flatMap((w, i) => windowParts(w).map((p) => ({ ...p, i })));
    const col = <K extends keyof (typeof parts)[number]>(k: K, byLast: boolean) =>
      parts.filter((p) => p.byLast === byLast).map((p) => String(p[k]));
    // One statement: a counted index range per part, summed per window.
    const { rows } = await this.h.query<{ i: number; n: string }>(
      `SELECT i, sum(n) AS n FROM (
         SELECT w.i, c.n FROM unnest($2::int[], $3::bigint[], $4::bigint[], $5::bigint[])
           AS w(i, day, s, e)
         CROSS JOIN LATERAL (
           SELECT count(*) AS n FROM ${a}
           WHERE tenant_id = ${who} AND day = w.day AND last >= w.s AND first < w.e) AS c
         UNION ALL
         SELECT w.i, c.n FROM unnest($6::int[], $7::bigint[], $8::bigint[], $9::bigint[])
           AS w(i, day, s, e)
         CROSS JOIN LATERAL (
           SELECT count(*) AS n FROM ${a}
           WHERE tenant_id = ${who} AND day = w.day AND prev_last < w.s AND first < w.e) AS c
       ) AS counts GROUP BY i`,
      [
        tenant,
        col('i', true),
        col('day', true),
        col('from', true),
        col('to', true),
        col('i', false),
        col('day', false),
        col('from', false),
        col('to', false),
      ],
    );
    const out = windows.map(() => 0);
    for (const r of rows) out[r.i] = Number(r.n);
    return out;
  }

  /** Forgets rows of days before `day`; how many. */
  async purge(day: number): Promise<number> {
    const a = this.h.t.analyticsActivity;
    // Per tenant (found by a skip over the index), so each delete is an index range.
    const { rowCount } = await this.h.query(
      `WITH RECURSIVE t(x) AS (
         SELECT min(tenant_id) FROM ${a}
         UNION ALL
         SELECT (SELECT min(tenant_id) FROM ${a} WHERE tenant_id > x) FROM t WHERE x IS NOT NULL
       )
       DELETE FROM ${a} WHERE tenant_id IN (SELECT x FROM t WHERE x IS NOT NULL) AND day < $1`,
      [day],
    );
    return rowCount;
  }
}
