import pg from 'pg';
import type { JobRecord, JobStatus } from '../../scheduler/jobs.js';
import type { JobKindStats, JobOutcome, JobStore, NewJob } from '../../scheduler/store.js';
import { newJobRecord } from '../../scheduler/store.js';
import { AsyncGroupCommit } from '../group-commit.js';
import { JOB_COLUMNS, jobValues } from '../job-columns.js';
import type { Param, PostgresHandle } from './handle.js';
import { isDataError, isDeadlock } from './pg-errors.js';

/**
 * Claims and the next due time read the jobs in the order of their partial indexes, and
 * only as far as they need. The planner does not always see that: without statistics (a
 * table not analyzed yet) or with stale ones (a queue is empty one minute and holds 100,000
 * due jobs the next), it reckoned a handful of due rows and chose a bitmap scan of every
 * due job and a sort: 20-45 ms a call at 100,000 jobs, growing with the backlog, against
 * 0.3 ms in index order. So these statements run with bitmap and sequential scans off, for
 * their own implicit transaction only (`SET LOCAL`, one round trip: see `script`).
 */
const INDEX_ORDER = 'SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off;';

/** An integer as SQL: the values inlined into the claim are checked first. */
function integer(n: number): string {
  if (!Number.isSafeInteger(n)) throw new TypeError(`Expected an integer, got ${n}`);
  return String(n);
}

/** Strings as an SQL text[] literal. */
function textArray(values: readonly string[]): string {
  return `ARRAY[${values.map((v) => escapeLiteral(v)).join(', ')}]::text[]`;
}

/** Replaces each `:name` with its value (already SQL). */
function fill(sql: string, values: Record<string, string>): string {
  return sql.replace(/:([a-z]+)\b/g, (m, name: string) => values[name] ?? m);
}

const { escapeLiteral } = pg;

/** One run's end, as the grouped complete statement reads it. */
interface Settle {
  id: string;
  token: string;
  status: JobOutcome['status'];
  at: number;
  error: string | null;
  again: boolean;
  run_at: number | null;
  reset: boolean;
}

/**
 * Jobs in PostgreSQL. Claims pick and lease in one statement with FOR UPDATE SKIP LOCKED, so
 * workers on several nodes claim together without waiting for each other or leasing a job
 * twice. Scheduling with a held key is answered by the partial unique index.
 */
export class PostgresJobStore implements JobStore {
  private readonly j: string;
  private readonly claimSql: string;
  private readonly settles: AsyncGroupCommit<Settle, boolean>;

  constructor(private readonly h: PostgresHandle) {
    this.j = h.t.jobs;
    // Due jobs and jobs whose lease ran out, each read in the order of its index (migration
    // 16) and only as far as the limit: a claim costs the same whatever the backlog. Of
    // both, the earliest due are taken. The values are inlined (see `claim`).
    const claimable = (status: JobStatus, by: 'run_at' | 'lease_until') => `
        SELECT id, run_at FROM ${this.j}
        WHERE status = '${status}' AND ${by} <= :now AND kind = ANY(:kinds)
        ORDER BY ${by}, id
        LIMIT :limit
        FOR UPDATE SKIP LOCKED`;
    this.claimSql = `${INDEX_ORDER}
      WITH due AS (${claimable('scheduled', 'run_at')}
      ), expired AS (${claimable('running', 'lease_until')}
      ), picked AS (
        SELECT id FROM (SELECT * FROM due UNION ALL SELECT * FROM expired) AS c
        ORDER BY run_at, id
        LIMIT :limit
      )
      UPDATE ${this.j} AS j SET status = 'running', attempts = j.attempts + 1,
        lease_token = :token, lease_until = :until, updated_at = :now
      FROM picked WHERE j.id = picked.id
      RETURNING ${JOB_COLUMNS.split(', ')
        .map((c) => `j.${c}`)
        .join(', ')}`;
    // Runs that end while a group is being written gather into the next: one statement and
    // one commit for many, instead of a commit (a WAL flush) per job.
    const completeSql = `
      UPDATE ${this.j} AS j SET status = c.status, lease_token = NULL, lease_until = NULL,
        updated_at = c.at, last_error = COALESCE(c.error, j.last_error),
        run_at = CASE WHEN c.again THEN c.run_at ELSE j.run_at END,
        attempts = CASE WHEN c.reset THEN 0 ELSE j.attempts END
      FROM jsonb_to_recordset($1::jsonb) AS c(id text, token text, status text, at bigint,
        error text, again boolean, run_at bigint, reset boolean)
      WHERE j.id = c.id COLLATE "C" AND j.status = 'running' AND j.lease_token = c.token
      RETURNING j.id, c.token`;
    this.settles = new AsyncGroupCommit({
      write: async (settles) => {
        const { rows } = await this.h.query<{ id: string; token: string }>(completeSql, [
          JSON.stringify(settles),
        ]);
        // A row is updated once: by the caller whose token it held.
        const settled = new Set(rows.map((r) => `${r.id}\u0000${r.token}`));
        return settles.map((s) => settled.has(`${s.id}\u0000${s.token}`));
      },
      // Two nodes' groups may wait on each other's rows (a lease re-claimed): one by one.
      retryAlone: (err) => isDataError(err) || isDeadlock(err),
    });
  }

  /** Writes the ends of runs queued now, and waits for them (before closing). */
  drain(): Promise<void> {
    return this.settles.drain();
  }

  async schedule(job: NewJob): Promise<{ job: JobRecord; created: boolean }> {
    const r = newJobRecord(job);
    // A held key makes the insert do nothing; the loop covers a holder that settles between
    // the insert and the read (the key is then free, and the insert is tried again).
    for (;;) {
      const { rows } = await this.h.query<JobRecord>(
        `INSERT INTO ${this.j} (${JOB_COLUMNS})
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (tenant_id, key) WHERE key IS NOT NULL AND status IN ('scheduled', 'running')
         DO NOTHING RETURNING ${JOB_COLUMNS}`,
        jobValues(r),
      );
      if (rows[0]) return { job: rows[0], created: true };
      const held = await this.getByKey(job.tenant_id, job.key as string);
      if (held) return { job: held, created: false };
    }
  }

  async get(tenantId: string, id: string): Promise<JobRecord | null> {
    const { rows } = await this.h.query<JobRecord>(
      `SELECT ${JOB_COLUMNS} FROM ${this.j} WHERE id = $1 AND tenant_id = $2`,
      [id, tenantId],
    );
    return rows[0] ?? null;
  }

  async getByKey(tenantId: string, key: string): Promise<JobRecord | null> {
    const { rows } = await this.h.query<JobRecord>(
      `SELECT ${JOB_COLUMNS} FROM ${this.j}
       WHERE tenant_id = $1 AND key = $2 AND status IN ('scheduled', 'running')`,
      [tenantId, key],
    );
    return rows[0] ?? null;
  }

  claim: JobStore['claim'] = async (kinds, limit, now, leaseMs, token) => {
    this.h.check();
    if (kinds.length === 0 || limit <= 0) return [];
    const rows = await this.h.script<JobRecord>(
      fill(this.claimSql, {
        kinds: textArray(kinds),
        now: integer(now),
        limit: integer(limit),
        token: escapeLiteral(token),
        until: integer(now + leaseMs),
      }),
    );
    return rows.sort((a, b) => a.run_at - b.run_at || (a.id < b.id ? -1 : 1));
  };

  complete: JobStore['complete'] = async (id, token, outcome, at) => {
    this.h.check();
    const again = outcome.status === 'scheduled';
    return this.settles.submit({
      id,
      token,
      status: outcome.status,
      at,
      error: outcome.error ?? null,
      again,
      run_at: again ? outcome.run_at : null,
      reset: again && outcome.reset_attempts === true,
    });
  };

  async cancel(tenantId: string, id: string, at: number) {
    const { rows } = await this.h.query<JobRecord & { cancelled: boolean }>(
      `WITH c AS (
         UPDATE ${this.j} SET status = 'cancelled', lease_token = NULL, lease_until = NULL,
           updated_at = $3
         WHERE id = $1 AND tenant_id = $2 AND status IN ('scheduled', 'running')
         RETURNING ${JOB_COLUMNS}
       )
       SELECT ${JOB_COLUMNS}, true AS cancelled FROM c
       UNION ALL
       SELECT ${JOB_COLUMNS}, false AS cancelled FROM ${this.j}
       WHERE id = $1 AND tenant_id = $2 AND NOT EXISTS (SELECT 1 FROM c)`,
      [id, tenantId, at],
    );
    const row = rows[0];
    if (!row) return null;
    const { cancelled, ...job } = row;
    return { job, cancelled };
  }

  list: JobStore['list'] = async (tenantId, filter, limit) => {
    const params: Param[] = [tenantId];
    let sql = `SELECT ${JOB_COLUMNS} FROM ${this.j} WHERE tenant_id = $1`;
    if (filter.kind !== undefined) {
      params.push(filter.kind);
      sql += ` AND kind = $${params.length}`;
    }
    if (filter.status !== undefined) {
      params.push(filter.status);
      sql += ` AND status = $${params.length}`;
    }
    if (filter.before !== undefined) {
      params.push(filter.before);
      sql += ` AND id < $${params.length}`;
    }
    params.push(Math.max(0, limit));
    sql += ` ORDER BY id DESC LIMIT $${params.length}`;
    return (await this.h.query<JobRecord>(sql, params)).rows;
  };

  async nextRunAt(kinds: readonly string[], after?: number): Promise<number | null> {
    if (kinds.length === 0) return null;
    // Read from `after` on, the index skips the entries of jobs claimed since the last
    // vacuum (they are due by then): read from the start, each call walked all of them.
    const rows = await this.h.script<{ at: number | null }>(
      `${INDEX_ORDER} SELECT run_at AS at FROM ${this.j}
       WHERE status = 'scheduled' AND kind = ANY(${textArray(kinds)})
       AND run_at > ${integer(after ?? Number.MIN_SAFE_INTEGER)} ORDER BY run_at LIMIT 1`,
    );
    return rows[0]?.at ?? null;
  }

  stats: JobStore['stats'] = async (now) => {
    const { rows } = await this.h.query<JobKindStats>(
      `SELECT kind,
         COUNT(*) FILTER (WHERE status = 'scheduled' AND run_at > $1)::int AS scheduled,
         COUNT(*) FILTER (WHERE (status = 'scheduled' AND run_at <= $1)
           OR (status = 'running' AND lease_until <= $1))::int AS due,
         COUNT(*) FILTER (WHERE status = 'running' AND lease_until > $1)::int AS running,
         COUNT(*) FILTER (WHERE status = 'failed')::int AS failed
       FROM ${this.j} WHERE status IN ('scheduled', 'running', 'failed') GROUP BY kind`,
      [now],
    );
    return rows;
  };

  async purge(before: number): Promise<number> {
    const { rowCount } = await this.h.query(
      `DELETE FROM ${this.j} WHERE status IN ('done', 'failed', 'cancelled') AND updated_at < $1`,
      [before],
    );
    return rowCount;
  }
}
