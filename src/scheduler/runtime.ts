import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { type JobHandler, type JobRecord, PermanentJobError } from './jobs.js';
import { nextOccurrence, type RecurringSpec, recurringKey } from './recurring.js';
import type { JobFilter, JobOutcome, JobStore } from './store.js';

/** What the runtime counts: each run's result and how late it started. */
export interface RunObserver {
  ran(kind: string, result: RunResult, latenessMs: number): void;
}

/** How a run ended. */
export type RunResult = 'done' | 'rescheduled' | 'retried' | 'failed' | 'lost';

/** The runtime's settings (scheduler.* without the send-specific ones). */
export interface RuntimeSettings {
  poll_interval_ms: number;
  concurrency: number;
  lease_ms: number;
  max_attempts: number;
  retry_backoff_ms: number;
}

/** What the runtime is built from. */
export interface RuntimeDeps {
  store: JobStore;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  settings: RuntimeSettings;
  observer?: RunObserver;
}

/** Options of `schedule`. */
export interface ScheduleOptions {
  /** Dedup key: while a job of the tenant holds it, scheduling again returns that job. */
  key?: string | null;
}

/**
 * The scheduler's runtime: a handler per job kind, and a loop that claims due jobs of those
 * kinds with a lease, runs at most `concurrency` at once, and settles each with its token.
 * It wakes at the earliest known run_at and at least every poll interval (jobs scheduled by
 * other nodes). Time comes from the injected clock; `runDue` and `idle` let tests drive it.
 */
export class SchedulerRuntime {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly recurring: RecurringSpec[] = [];
  private readonly active = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private looping = false;
  private again = false;
  /** When the armed timer fires (clock time), to know whether a new job needs it sooner. */
  private wakeAt = Number.POSITIVE_INFINITY;
  /** Claimed jobs whose handler has not returned (or slots held by a claim under way). */
  private busy = 0;
  /** Runs whose handler returned and whose end the store is writing. */
  private settling = 0;
  /** A pass found or left no free slot: the next one freed wakes the loop. */
  private starved = false;

  constructor(private readonly deps: RuntimeDeps) {}

  /** Registers the handler of a kind; one per kind. */
  register(kind: string, handler: JobHandler): void {
    if (this.handlers.has(kind)) throw new Error(`A handler for job kind ${kind} is registered`);
    this.handlers.set(kind, handler);
  }

  /**
   * Registers a recurring job: its handler runs `spec.run`, then schedules the next
   * occurrence after the later of now and the one that ran (missed ones are not replayed).
   * The job itself is made at `start` (once across nodes: it holds its key).
   */
  every(spec: RecurringSpec): void {
    const zone = spec.timezone ?? 'UTC';
    this.register(spec.kind, async (job) => {
      await spec.run(job);
      const after = Math.max(this.deps.clock.now(), job.run_at);
      return { runAt: await nextOccurrence(spec.cron, zone, after) };
    });
    this.recurring.push(spec);
  }

  /** Makes sure each recurring kind has its job, due at its next occurrence. */
  async ensureRecurring(): Promise<void> {
    for (const spec of this.recurring) {
      const first = await nextOccurrence(spec.cron, spec.timezone ?? 'UTC', this.deps.clock.now());
      await this.schedule(spec.tenantId ?? 'default', spec.kind, first, spec.payload ?? {}, {
        key: recurringKey(spec.kind),
      });
    }
  }

  /** The kinds this node runs. */
  get kinds(): string[] {
    return [...this.handlers.keys()];
  }

  /** Schedules a job (or returns the one holding its key); wakes the loop if it is sooner. */
  async schedule(
    tenantId: string,
    kind: string,
    runAt: number,
    payload: Record<string, unknown>,
    opts: ScheduleOptions = {},
  ): Promise<{ job: JobRecord; created: boolean }> {
    const result = await this.deps.store.schedule({
      id: this.deps.ids('job'),
      tenant_id: tenantId,
      kind,
      run_at: runAt,
      payload,
      key: opts.key ?? null,
      created_at: this.deps.clock.now(),
    });
    // While a pass is under way its timer's time is past: a job due by now may have missed
    // its claim, and the next due time read after the pass only looks after the pass's time.
    const sooner = runAt < this.wakeAt || (this.looping && runAt <= this.deps.clock.now());
    if (result.created && sooner && this.handlers.has(kind)) this.wake();
    return result;
  }

  /** A tenant's job by id, or null. */
  get(tenantId: string, id: string): Promise<JobRecord | null> {
    return this.deps.store.get(tenantId, id);
  }

  /** The job holding a key, or null. */
  getByKey(tenantId: string, key: string): Promise<JobRecord | null> {
    return this.deps.store.getByKey(tenantId, key);
  }

  /** A tenant's jobs, newest first. */
  list(tenantId: string, filter: JobFilter, limit: number): Promise<JobRecord[]> {
    return this.deps.store.list(tenantId, filter, limit);
  }

  /** Cancels a job by id; null when the tenant has none. */
  cancel(tenantId: string, id: string) {
    return this.deps.store.cancel(tenantId, id, this.deps.clock.now());
  }

  /** Cancels the job holding a key; null when none holds it. */
  async cancelByKey(tenantId: string, key: string) {
    const job = await this.deps.store.getByKey(tenantId, key);
    return job ? this.cancel(tenantId, job.id) : null;
  }

  /** Makes the recurring jobs, then starts the loop. */
  async start(): Promise<void> {
    if (this.running) return;
    await this.ensureRecurring();
    this.running = true;
    this.wake();
  }

  /** Stops claiming and waits for the runs under way. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.idle();
  }

  /** Resolves once no run is under way: true when it had any to wait for. */
  async idle(): Promise<boolean> {
    const waited = this.active.size > 0;
    while (this.active.size > 0) await Promise.allSettled([...this.active]);
    return waited;
  }

  /**
   * One pass: claims as many due jobs as there are free slots and starts them. Resolves to
   * how many it claimed (the runs go on; `idle` waits for them).
   */
  async runDue(): Promise<number> {
    return (await this.pass()).claimed;
  }

  /**
   * Slots free for a claim. A run holds its slot while its handler runs; once the handler is
   * done the slot is free while the store writes the run's end, so the next jobs start
   * meanwhile (the end is still written with the token: the job stays leased until then).
   * Ends being written are bounded too: a node holds at most twice `concurrency` claimed
   * jobs, running or being settled.
   */
  private free(): number {
    const { concurrency } = this.deps.settings;
    return Math.min(concurrency - this.busy, 2 * concurrency - this.busy - this.settling);
  }

  /**
   * A pass: claims up to the free slots at `now` and starts the runs. `full` when it took
   * every free slot (or there was none): more may be due, and the next slot freed wakes
   * the loop.
   */
  private async pass(): Promise<{ claimed: number; full: boolean; at: number }> {
    const free = this.free();
    const kinds = this.kinds;
    const { store, clock, ids, settings } = this.deps;
    const at = clock.now();
    if (free <= 0) {
      this.starved = true;
      return { claimed: 0, full: true, at };
    }
    if (kinds.length === 0) return { claimed: 0, full: false, at };
    // The slots are held while the claim is under way, so a second pass meanwhile cannot
    // take them too. A claim under way counts as a run for `idle`: jobs it is taking would
    // otherwise start after idle() (or stop()) answered that nothing runs.
    this.busy += free;
    const claiming = store.claim(kinds, free, at, settings.lease_ms, ids('lse'));
    const inFlight = claiming.then(
      () => {},
      () => {},
    );
    this.active.add(inFlight);
    let claimed: JobRecord[] = [];
    try {
      claimed = await claiming;
    } finally {
      this.active.delete(inFlight);
      this.busy -= free - claimed.length;
    }
    const full = claimed.length === free;
    if (full) this.starved = true;
    for (const job of claimed) {
      const run = this.run(job).finally(() => this.active.delete(run));
      this.active.add(run);
    }
    return { claimed: claimed.length, full, at };
  }

  /** A slot or an end's place came free: wake the loop if a pass found none. */
  private freed(): void {
    if (!this.starved || !this.running) return;
    this.starved = false;
    this.wake();
  }

  /** Runs one claimed job and settles it; never rejects. */
  private async run(job: JobRecord): Promise<void> {
    const { store, clock, logger, settings, observer } = this.deps;
    const token = job.lease_token as string;
    const started = clock.now();
    const lateness = Math.max(0, started - job.run_at);
    let result: RunResult;
    let outcome: JobOutcome;
    let at: number;
    if (job.attempts > settings.max_attempts) {
      // Its earlier runs never settled (their nodes died): do not let it crash another.
      outcome = { status: 'failed', error: `gave up after ${settings.max_attempts} attempts` };
      at = started;
      result = 'failed';
    } else {
      try {
        const handler = this.handlers.get(job.kind) as JobHandler;
        const answer = await handler(job);
        outcome = answer
          ? { status: 'scheduled', run_at: answer.runAt, reset_attempts: true }
          : { status: 'done' };
        result = answer ? 'rescheduled' : 'done';
        at = clock.now();
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        const final = err instanceof PermanentJobError || job.attempts >= settings.max_attempts;
        logger.warn({ err, job: job.id, kind: job.kind, attempts: job.attempts }, 'job run failed');
        at = clock.now();
        outcome = final
          ? { status: 'failed', error }
          : {
              status: 'scheduled',
              run_at: at + settings.retry_backoff_ms * 2 ** (job.attempts - 1),
              error,
            };
        result = final ? 'failed' : 'retried';
      }
    }
    this.busy--;
    this.settling++;
    this.freed();
    try {
      if (!(await store.complete(job.id, token, outcome, at))) {
        logger.warn({ job: job.id, kind: job.kind }, 'job claim lost before it was settled');
        result = 'lost';
      }
    } catch (err) {
      // Not written: the job stays leased to this claim and runs again after the lease.
      logger.warn({ err, job: job.id, kind: job.kind }, 'job end could not be written');
      result = 'lost';
    } finally {
      this.settling--;
      this.freed();
    }
    observer?.ran(job.kind, result, lateness);
  }

  /** Runs a pass soon, then arms the timer for the next. */
  private wake(): void {
    if (!this.running) return;
    if (this.looping) {
      this.again = true;
      return;
    }
    this.arm(0);
  }

  private arm(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.wakeAt = this.deps.clock.now() + delayMs;
    this.timer = setTimeout(() => void this.loop(), delayMs);
    this.timer.unref();
  }

  private async loop(): Promise<void> {
    this.timer = null;
    this.looping = true;
    const poll = this.deps.settings.poll_interval_ms;
    let delay = poll;
    try {
      let last: { full: boolean; at: number };
      do {
        this.again = false;
        last = await this.pass();
      } while (this.again && this.running);
      // A full pass left due jobs behind: the next slot freed wakes the loop, and asking
      // for the next due time would only cost a round trip. Otherwise nothing unclaimed was
      // due at the pass's time, so the next wake-up is the first job due after it.
      if (!last.full) {
        const next = await this.deps.store.nextRunAt(this.kinds, last.at);
        if (next !== null) delay = Math.min(poll, Math.max(0, next - this.deps.clock.now()));
      }
    } catch (err) {
      this.deps.logger.warn({ err }, 'scheduler pass failed');
    } finally {
      this.looping = false;
    }
    if (this.running) this.arm(this.again ? 0 : delay);
  }
}
