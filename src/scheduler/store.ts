/**
 * The scheduler's store concern: durable jobs. A job is due at `run_at`; workers on any node
 * claim due jobs with a lease token, run them, and settle them with the same token. A node
 * that dies leaves its leased jobs to whoever claims after the lease ends, so a job runs at
 * least once; handlers are idempotent by job id. Times are epoch milliseconds.
 */

import type { JobRecord, JobStatus } from './jobs.js';

/** A job to schedule. */
export interface NewJob {
  id: string;
  tenant_id: string;
  kind: string;
  run_at: number;
  payload: Record<string, unknown>;
  key: string | null;
  created_at: number;
}

/** How a claimed job ends its run: settled, or scheduled again (a retry, a recurrence). */
export type JobOutcome =
  | { status: 'done' | 'failed'; error?: string }
  | {
      status: 'scheduled';
      run_at: number;
      error?: string;
      /** Starts counting attempts again (a recurring job's next occurrence). */
      reset_attempts?: boolean;
    };

/** Jobs of one kind by state, for `/scheduler/stats` and the gauges. */
export interface JobKindStats {
  kind: string;
  /** Scheduled and not due yet. */
  scheduled: number;
  /** Scheduled and due (waiting for a worker). */
  due: number;
  /** Claimed, lease not ended. */
  running: number;
  /** Failed and not purged yet. */
  failed: number;
}

/** Filters of a job list. */
export interface JobFilter {
  kind?: string;
  status?: JobStatus;
  /** Only ids below this one (the list pages newest first). */
  before?: string;
}

/** Durable jobs. Every call is atomic on its own. */
export interface JobStore {
  /**
   * Adds a job. When its key is held by a scheduled or running job of the tenant, nothing is
   * added and that job is returned with `created: false`.
   */
  schedule(job: NewJob): Promise<{ job: JobRecord; created: boolean }>;
  /** A job of the tenant, or null. */
  get(tenantId: string, id: string): Promise<JobRecord | null>;
  /** The scheduled or running job holding this key, or null. */
  getByKey(tenantId: string, key: string): Promise<JobRecord | null>;
  /**
   * Leases up to `limit` jobs of these kinds due at `now` (scheduled with `run_at <= now`, or
   * running with a lease ended by `now`), earliest due first, to `token` until
   * `now + leaseMs`; each claim adds one attempt. Two callers never lease the same job.
   */
  claim(
    kinds: readonly string[],
    limit: number,
    now: number,
    leaseMs: number,
    token: string,
  ): Promise<JobRecord[]>;
  /**
   * Ends a run: only while the job is running under `token` (its lease may have ended if
   * nobody claimed it since). Resolves false when the claim was lost (re-claimed, cancelled).
   */
  complete(id: string, token: string, outcome: JobOutcome, at: number): Promise<boolean>;
  /**
   * Cancels a scheduled or running job of the tenant. Resolves to the job as it is after the
   * call (unchanged when already settled) and whether this call cancelled it; null if unknown.
   */
  cancel(
    tenantId: string,
    id: string,
    at: number,
  ): Promise<{ job: JobRecord; cancelled: boolean } | null>;
  /** A tenant's jobs, newest first, at most `limit`. */
  list(tenantId: string, filter: JobFilter, limit: number): Promise<JobRecord[]>;
  /**
   * The earliest `run_at` of a scheduled job of these kinds (only those due after `after`,
   * when given), or null: the runtime's timer. After a claim that took every job due at
   * its time, the runtime asks for those due after that time: jobs just claimed and run
   * (which PostgreSQL's index still lists until vacuum) are not read again.
   */
  nextRunAt(kinds: readonly string[], after?: number): Promise<number | null>;
  /** Counts per kind over every tenant, at `now`; kinds with no unsettled or failed job may be absent. */
  stats(now: number): Promise<JobKindStats[]>;
  /** Forgets settled jobs last updated before `before`; resolves to how many. */
  purge(before: number): Promise<number>;
}

/** The job as a copy: callers never share a stored job's payload. */
export function copyJob(job: JobRecord): JobRecord {
  return { ...job, payload: structuredClone(job.payload) };
}

/** A new job's record. */
export function newJobRecord(job: NewJob): JobRecord {
  return {
    ...job,
    payload: structuredClone(job.payload),
    status: 'scheduled',
    attempts: 0,
    lease_token: null,
    lease_until: null,
    last_error: null,
    updated_at: job.created_at,
  };
}

/** Orders jobs as claims take them: earliest due first, then by id. */
export function byDue(
  a: { run_at: number; id: string },
  b: { run_at: number; id: string },
): number {
  return a.run_at - b.run_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
