import type { Clock } from '../core/clock.js';
import type { JobHandler, JobRecord } from './jobs.js';
import type { RecurringSpec } from './recurring.js';
import type { ScheduleOptions, SchedulerRuntime } from './runtime.js';
import type { JobFilter, JobKindStats, JobStore } from './store.js';

/**
 * The `scheduler` service other modules are given: they register handlers for their job
 * kinds (before the server starts) and schedule, read and cancel jobs. A job's id or key
 * is the handle; handlers are idempotent by job id (a job runs at least once).
 */
export interface SchedulerService {
  /** Registers the handler of a job kind (one per kind). */
  register(kind: string, handler: JobHandler): void;
  /** Registers a recurring job (cron, time zone); made when the scheduler starts. */
  every(spec: RecurringSpec): void;
  /** Schedules a job; with a key held by a job not yet finished, returns that job instead. */
  schedule(
    tenantId: string,
    kind: string,
    runAt: number,
    payload: Record<string, unknown>,
    opts?: ScheduleOptions,
  ): Promise<{ job: JobRecord; created: boolean }>;
  /** Cancels by id or, with `{ key }`, by key; null when there is no such job. */
  cancel(
    tenantId: string,
    ref: string | { key: string },
  ): Promise<{ job: JobRecord; cancelled: boolean } | null>;
  /** A job by id or, with `{ key }`, the unfinished job holding the key; null if none. */
  get(tenantId: string, ref: string | { key: string }): Promise<JobRecord | null>;
  /** A tenant's jobs, newest first. */
  list(tenantId: string, filter: JobFilter, limit: number): Promise<JobRecord[]>;
  /** Jobs per kind and state over every tenant, now. */
  stats(): Promise<JobKindStats[]>;
  /** The kinds this node has handlers for. */
  kinds(): string[];
  /**
   * Claims and runs every job due now on this node, waits for the runs, and again until none
   * is due; resolves to how many ran. Tests drive the injected clock with it.
   */
  runDue(): Promise<number>;
}

/** The service over a runtime and the store. */
export function schedulerService(
  runtime: SchedulerRuntime,
  store: JobStore,
  clock: Clock,
): SchedulerService {
  return {
    register: (kind, handler) => runtime.register(kind, handler),
    every: (spec) => runtime.every(spec),
    schedule: (tenantId, kind, runAt, payload, opts) =>
      runtime.schedule(tenantId, kind, runAt, payload, opts),
    cancel: (tenantId, ref) =>
      typeof ref === 'string'
        ? runtime.cancel(tenantId, ref)
        : runtime.cancelByKey(tenantId, ref.key),
    get: (tenantId, ref) =>
      typeof ref === 'string' ? runtime.get(tenantId, ref) : runtime.getByKey(tenantId, ref.key),
    list: (tenantId, filter, limit) => runtime.list(tenantId, filter, limit),
    stats: () => store.stats(clock.now()),
    kinds: () => runtime.kinds,
    async runDue() {
      let total = 0;
      for (;;) {
        const ran = await runtime.runDue();
        // Runs the background loop claimed count too: what they schedule may be due now.
        const waited = await runtime.idle();
        if (ran === 0 && !waited) return total;
        total += ran;
      }
    },
  };
}
