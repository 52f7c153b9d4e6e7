import type pg from 'pg';
import {
  type ActivityGroup,
  ALL_TENANTS,
  NO_PREV,
  type TimeWindow,
  windowParts,
} from '../../analytics/activity.js';
import type { PostgresHandle } from './handle.js';

/**
 * Activity rows in PostgreSQL (table analytics_activity, migration 17), written in the
 * append's transaction. Appends of the same user in concurrent transactions would each
 * miss the other's new rows when they set `prev_last`, so each takes a transaction-scoped
 * advisory lock per (tenant, user) first, in one order (no deadlock between them).
 */
export class PostgresActivity {
  constructor(private readonly h: PostgresHandle) {}

  /** Adds a batch's groups (activityGroups) to their rows, on the append's client. */
  async add(client: pg.PoolClient, groups: readonly ActivityGroup[]): Promise<void> {
    if (groups.length === 0) return;
    const a = this.h.t.analyticsActivity;
    const col = <K extends keyof ActivityGroup>(k: K) => groups.map((g) => g[k]);
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
    // Rows whose first or last moved (or are new) come back; the rest are not written.
    const changed = await client.query<{ tenant_id: string; user_id: string; day: string }>(
      `INSERT INTO ${a} AS r (tenant_id, user_id, day, first, last, prev_last)
       SELECT t, u, d, f, l, ${NO_PREV}
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[])
         AS x(t, u, d, f, l)
       ON CONFLICT (tenant_id, user_id, day) DO UPDATE
       SET first = LEAST(r.first, EXCLUDED.first), last = GREATEST(r.last, EXCLUDED.last)
       WHERE EXCLUDED.first < r.first OR EXCLUDED.last > r.last
       RETURNING tenant_id, user_id, day`,
      [tenants, users, col('day'), col('first'), col('last')],
    );
    if (changed.rows.length === 0) return;
    // Each changed row's prev_last, and that of the user's next row, from the rows as they
    // are now (a later statement sees the upsert above).
    await client.query(
      `WITH g AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) AS g(t, u, d)
       ), targets AS (
         SELECT t, u, d FROM g
         UNION
         SELECT g.t, g.u, n.day FROM g CROSS JOIN LATERAL (
           SELECT day FROM ${a} WHERE tenant_id = g.t AND user_id = g.u AND day > g.d
           ORDER BY day LIMIT 1) AS n
       ), v AS (
         SELECT t, u, d, coalesce((
           SELECT last FROM ${a} WHERE tenant_id = t AND user_id = u AND day < d
           ORDER BY day DESC LIMIT 1), ${NO_PREV}) AS prev
         FROM targets
       )
       UPDATE ${a} AS r SET prev_last = v.prev FROM v
       WHERE r.tenant_id = v.t AND r.user_id = v.u AND r.day = v.d AND r.prev_last <> v.prev`,
      [
        changed.rows.map((r) => r.tenant_id),
        changed.rows.map((r) => r.user_id),
        changed.rows.map((r) => r.day),
      ],
    );
  }

  /** Distinct users with an event in each window (AnalyticsStore.activeUsers). */
  async count(tenant: string | null, windows: readonly TimeWindow[]): Promise<number[]> {
    const a = this.h.t.analyticsActivity;
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
           WHERE tenant_id = $1 AND day = w.day AND last >= w.s AND first < w.e) AS c
         UNION ALL
         SELECT w.i, c.n FROM unnest($6::int[], $7::bigint[], $8::bigint[], $9::bigint[])
           AS w(i, day, s, e)
         CROSS JOIN LATERAL (
           SELECT count(*) AS n FROM ${a}
           WHERE tenant_id = $1 AND day = w.day AND prev_last < w.s AND first < w.e) AS c
       ) AS counts GROUP BY i`,
      [
        tenant ?? ALL_TENANTS,
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
