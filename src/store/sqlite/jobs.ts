import type { Statement } from 'better-sqlite3';
import type { JobRecord } from '../../scheduler/jobs.js';
import {
  type JobKindStats,
  type JobStore,
  type NewJob,
  newJobRecord,
} from '../../scheduler/store.js';
import { StoreConflictError } from '../errors.js';
import { JOB_COLUMNS, jobValues } from '../job-columns.js';
import type { SqliteHandle } from './handle.js';

type JobRow = Omit<JobRecord, 'payload'> & { payload: string };

const fromRow = (r: JobRow): JobRecord => ({
  ...r,
  payload: JSON.parse(r.payload) as Record<string, unknown>,
});
const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/**
 * Jobs in SQLite. One connection writes, so a claim (select due, then lease them) inside one
 * transaction is atomic; other processes on the same file wait for the write lock.
 */
export class SqliteJobStore implements JobStore {
  private readonly insert: Statement<unknown[]>;
  private readonly byId: Statement<unknown[]>;
  private readonly byKey: Statement<unknown[]>;
  private readonly scheduleOne: (job: NewJob) => { job: JobRecord; created: boolean };
  private readonly claimDue: (...args: Parameters<JobStore['claim']>) => JobRecord[];

  constructor(private readonly h: SqliteHandle) {
    const { db } = h;
    this.insert = db.prepare(`INSERT INTO jobs (${JOB_COLUMNS}) VALUES (${marks(13)})`);
    this.byId = db.prepare(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ?`);
    this.byKey = db.prepare(
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE tenant_id = ? AND key = ?
         AND status IN ('scheduled', 'running')`,
    );
    this.scheduleOne = db.transaction((job: NewJob) => {
      if (job.key !== null) {
        const held = this.byKey.get(job.tenant_id, job.key) as JobRow | undefined;
        if (held) return { job: fromRow(held), created: false };
      }
      const r = newJobRecord(job);
      if (this.byId.get(r.id)) throw new StoreConflictError(`A job with id ${r.id} already exists`);
      this.insert.run(...jobValues(r));
      return { job: r, created: true };
    });
    const lease = db.prepare(
      `UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_token = ?,
         lease_until = ?, updated_at = ? WHERE id = ? RETURNING ${JOB_COLUMNS}`,
    );
    // Due jobs and jobs whose lease ran out, each read in the order of its index (migration
    // 16) and only as far as the limit: a claim costs the same whatever the backlog (it read
    // and sorted every due job: 44 ms of CPU, on the event loop, with 100,000 due).
    const dueStatements = new Map<number, Statement<unknown[]>>();
    const dueOf = (kindCount: number) => {
      let statement = dueStatements.get(kindCount);
      if (!statement) {
        const k = marks(kindCount);
        statement = db.prepare(
          `SELECT id FROM (
             SELECT * FROM (SELECT id, run_at FROM jobs INDEXED BY jobs_due
               WHERE status = 'scheduled' AND run_at <= ? AND kind IN (${k})
               ORDER BY run_at, id LIMIT ?)
             UNION ALL
             SELECT * FROM (SELECT id, run_at FROM jobs INDEXED BY jobs_leased
               WHERE status = 'running' AND lease_until <= ? AND kind IN (${k})
               ORDER BY lease_until, id LIMIT ?)
           ) ORDER BY run_at, id LIMIT ?`,
        );
        dueStatements.set(kindCount, statement);
      }
      return statement;
    };
    this.claimDue = db.transaction((kinds, limit, now, leaseMs, token) => {
      const rows = dueOf(kinds.length).all(now, ...kinds, limit, now, ...kinds, limit, limit) as {
        id: string;
      }[];
      return rows.map((r) => fromRow(lease.get(token, now + leaseMs, now, r.id) as JobRow));
    });
  }

  schedule(job: NewJob): Promise<{ job: JobRecord; created: boolean }> {
    return this.h.run(() => this.scheduleOne(job));
  }

  get(tenantId: string, id: string): Promise<JobRecord | null> {
    return this.h.run(() => {
      const row = this.byId.get(id) as JobRow | undefined;
      return row && row.tenant_id === tenantId ? fromRow(row) : null;
    });
  }

  getByKey(tenantId: string, key: string): Promise<JobRecord | null> {
    return this.h.run(() => {
      const row = this.byKey.get(tenantId, key) as JobRow | undefined;
      return row ? fromRow(row) : null;
    });
  }

  claim: JobStore['claim'] = (kinds, limit, now, leaseMs, token) => {
    if (kinds.length === 0 || limit <= 0) return this.h.run(() => []);
    return this.h.run(() => this.claimDue([...new Set(kinds)], limit, now, leaseMs, token));
  };

  complete: JobStore['complete'] = (id, token, outcome, at) => {
    const again = outcome.status === 'scheduled';
    return this.h.run(
      () =>
        this.h.db
          .prepare(
            `UPDATE jobs SET status = ?, lease_token = NULL, lease_until = NULL, updated_at = ?,
               last_error = COALESCE(?, last_error),
               run_at = CASE WHEN ? THEN ? ELSE run_at END,
               attempts = CASE WHEN ? THEN 0 ELSE attempts END
             WHERE id = ? AND status = 'running' AND lease_token = ?`,
          )
          .run(
            outcome.status,
            at,
            outcome.error ?? null,
            again ? 1 : 0,
            again ? outcome.run_at : 0,
            again && outcome.reset_attempts ? 1 : 0,
            id,
            token,
          ).changes === 1,
    );
  };

  cancel(tenantId: string, id: string, at: number) {
    return this.h.run(() => {
      const changed = this.h.db
        .prepare(
          `UPDATE jobs SET status = 'cancelled', lease_token = NULL, lease_until = NULL,
             updated_at = ? WHERE id = ? AND tenant_id = ? AND status IN ('scheduled', 'running')`,
        )
        .run(at, id, tenantId).changes;
      const row = this.byId.get(id) as JobRow | undefined;
      if (!row || row.tenant_id !== tenantId) return null;
      return { job: fromRow(row), cancelled: changed === 1 };
    });
  }

  list: JobStore['list'] = (tenantId, filter, limit) => {
    let sql = `SELECT ${JOB_COLUMNS} FROM jobs WHERE tenant_id = ?`;
    const params: (string | number)[] = [tenantId];
    if (filter.kind !== undefined) {
      sql += ' AND kind = ?';
      params.push(filter.kind);
    }
    if (filter.status !== undefined) {
      sql += ' AND status = ?';
      params.push(filter.status);
    }
    if (filter.before !== undefined) {
      sql += ' AND id < ?';
      params.push(filter.before);
    }
    sql += ' ORDER BY id DESC LIMIT ?';
    params.push(Math.max(0, limit));
    return this.h.run(() => (this.h.db.prepare(sql).all(...params) as JobRow[]).map(fromRow));
  };

  nextRunAt(kinds: readonly string[], after?: number): Promise<number | null> {
    return this.h.run(() => {
      if (kinds.length === 0) return null;
      const row = this.h.db
        .prepare(
          `SELECT run_at AS at FROM jobs WHERE status = 'scheduled' AND kind IN (${marks(kinds.length)})
           AND run_at > ? ORDER BY run_at LIMIT 1`,
        )
        .get(...kinds, after ?? Number.MIN_SAFE_INTEGER) as { at: number } | undefined;
      return row?.at ?? null;
    });
  }

  stats: JobStore['stats'] = (now) => {
    return this.h.run(() => {
      const rows = this.h.db
        .prepare(
          `SELECT kind,
             SUM(status = 'scheduled' AND run_at > ?) AS scheduled,
             SUM((status = 'scheduled' AND run_at <= ?) OR (status = 'running' AND lease_until <= ?)) AS due,
             SUM(status = 'running' AND lease_until > ?) AS running,
             SUM(status = 'failed') AS failed
           FROM jobs WHERE status IN ('scheduled', 'running', 'failed') GROUP BY kind`,
        )
        .all(now, now, now, now) as JobKindStats[];
      return rows;
    });
  };

  purge(before: number): Promise<number> {
    return this.h.run(
      () =>
        this.h.db
          .prepare(
            `DELETE FROM jobs WHERE status IN ('done', 'failed', 'cancelled') AND updated_at < ?`,
          )
          .run(before).changes,
    );
  }
}
