/**
 * A job as the modules that run jobs see it: the record a handler is given, what it may
 * answer, and how it says a retry cannot help. Handlers in other modules (notifications,
 * digests, providers, workflows, analytics) import these from here, not from the
 * scheduler's store; the store interface (`store.ts`) builds on them.
 */

/** Where a job is in its life. */
export type JobStatus = 'scheduled' | 'running' | 'done' | 'failed' | 'cancelled';

/** Statuses a job never leaves. */
export const SETTLED_STATUSES: readonly JobStatus[] = ['done', 'failed', 'cancelled'];

/** A stored job. */
export interface JobRecord {
  /** `job_…`, time-ordered. */
  id: string;
  tenant_id: string;
  /** The handler that runs it (`notification.send`, `digest.flush`, …). */
  kind: string;
  /** When it is due. */
  run_at: number;
  /** What the handler needs: any JSON object. */
  payload: Record<string, unknown>;
  status: JobStatus;
  /** Claims so far (a claim whose node died counts too). */
  attempts: number;
  /** The token of the claim that holds the job while `running`; null otherwise. */
  lease_token: string | null;
  /** When that claim's lease ends; another worker may claim the job after it. */
  lease_until: number | null;
  /** Unique per tenant among scheduled and running jobs: scheduling it again dedups. */
  key: string | null;
  /** Why the last run failed, if one did. */
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

/** What a handler may answer: nothing (done), or when to run the job again. */
export type JobResult = undefined | { runAt: number };

/** Runs one job of a kind. Jobs run at least once: a handler is idempotent by `job.id`. */
export type JobHandler = (job: JobRecord) => Promise<JobResult | undefined> | JobResult | undefined;

/** Thrown by a handler when a retry cannot help: the job fails at once. */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}
