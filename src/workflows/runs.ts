/**
 * Workflow runs: one `workflow_run` object per run (its steps copied from the workflow version
 * it started on, where it stands, its history), advanced by durable `workflow.step` jobs.
 * A step's job is keyed `wfr:{run}:{step}`, so each step is scheduled once; the run moves from
 * step i to the next only by an optimistic write at the version read, so a step whose job runs
 * twice (a node died after the claim) advances the run once; and a send step sends with the
 * idempotency key `workflow:{run}:{step}`, so it sends once. The next step's job is scheduled
 * after the run moved on; a re-run of a job the run moved past re-schedules the step the run
 * waits at (by its key, a no-op when it exists), so a crash between the two loses nothing.
 * A digest step (digest.ts) either ends the run `digested` or holds it at the step until its
 * window closes: that wait is a job of its own, keyed `wfr:{run}:{step}:close`.
 */
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { EventSink } from '../events/catalogue.js';
import type { NotificationFacts, WorkflowRunner } from '../notifications/ports.js';
import type { SendNotificationBody } from '../notifications/schemas.js';
import type { JobRecord } from '../scheduler/jobs.js';
import type { SchedulerService } from '../scheduler/service.js';
import type { ObjectStore, StoredObject } from '../store/types.js';
import { DigestWindows, digestVariables, type Joining, type RunDigest } from './digest.js';
import { listNewestFirst } from './run-list.js';
import type { RunStatus, Step } from './schemas.js';
import type { StoredWorkflow } from './service.js';
import { durationMs, holds } from './steps.js';

/** The job kind that runs one step of a run. */
export const STEP_KIND = 'workflow.step';
export const RUN_KIND = 'workflow_run';

/** Tries of an optimistic write before giving up (only under heavy contention). */
const TRIES = 20;

export interface HistoryEntry {
  step: number;
  type: Step['type'];
  status: string;
  at: number;
  notification_id?: string;
  channel?: string;
  until?: number;
  skip_to?: number;
  error?: string;
  /** Digest closed: how many triggers its window collected. */
  count?: number;
  /** Digested: the run holding the window. */
  digested_into?: string;
}

export interface RunData {
  workflow_id: string;
  workflow_version: number;
  trigger_identifier: string;
  recipient_id: string;
  payload: Record<string, unknown>;
  cancellation_key: string | null;
  steps: Step[];
  status: RunStatus;
  /** The step waiting to run; steps.length once ended. */
  step: number;
  next_at: number | null;
  last_notification_id: string | null;
  notifications: string[];
  history: HistoryEntry[];
  /** The digest window the run opened (absent on runs stored before digest steps). */
  digest?: RunDigest | null;
  /** The window of another run this run was about to join at a digest step (digest.ts). */
  joining?: Joining | null;
  started_at: number;
  ended_at: number | null;
}

type StoredRun = Omit<StoredObject, 'data'> & { data: RunData };
const asRun = (o: StoredObject) => o as unknown as StoredRun;

/** What a run needs of the notifications module. */
export interface RunSender {
  send(tenantId: string, input: SendNotificationBody, requestId: string): Promise<object>;
}

export interface RunDeps {
  objects: ObjectStore;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  scheduler: SchedulerService;
  sender: RunSender;
  notifications: NotificationFacts;
  /** A tenant's workflow by trigger identifier (or id); null when none. */
  workflow(tenantId: string, ref: string): Promise<StoredWorkflow | null>;
  emit: EventSink<'workflow.run.started' | 'workflow.run.completed'>;
}

const iso = (ms: number) => new Date(ms).toISOString();
const jobKey = (run: string, step: number) => `wfr:${run}:${step}`;

/** Whether the run waits for the window it opened at the step it stands at to close. */
const collecting = (d: RunData) => d.digest?.status === 'collecting' && d.digest.step === d.step;

/** The key of the job the run waits for. */
const waitKey = (run: StoredRun) =>
  collecting(run.data) ? `${jobKey(run.id, run.data.step)}:close` : jobKey(run.id, run.data.step);

/** A run as `GET /workflow-runs/{id}` shows it. */
export function runView(run: StoredRun) {
  const d = run.data;
  const { workflow_id, workflow_version, trigger_identifier, recipient_id, status } = d;
  return {
    id: run.id,
    ...{ workflow_id, workflow_version, trigger_identifier, recipient_id, status },
    current_step: d.status === 'running' ? d.step : null,
    next_run_at: d.status === 'running' && d.next_at !== null ? iso(d.next_at) : null,
    cancellation_key: d.cancellation_key,
    history: d.history.map((h) => ({
      ...h,
      at: iso(h.at),
      ...(h.until !== undefined ? { until: iso(h.until) } : {}),
    })),
    digest: d.digest
      ? {
          step: d.digest.step,
          status: d.digest.status,
          key: d.digest.key,
          window_start: iso(d.digest.opened_at),
          window_end: iso(d.digest.closes_at),
          count: d.digest.count,
        }
      : null,
    started_at: iso(d.started_at),
    ended_at: d.ended_at === null ? null : iso(d.ended_at),
  };
}
export type RunView = ReturnType<typeof runView>;

/** What one step did: its history entry, and where the run goes next (null: it ends). */
interface Outcome {
  entry: HistoryEntry;
  next: number | null;
  at: number;
  end?: RunStatus;
  /** The run's digest window from now on. */
  digest?: RunDigest;
  /** The run as the step left it, when the step wrote it (the run moves on from this one). */
  run?: StoredRun;
}

export class WorkflowRuns implements WorkflowRunner {
  private readonly windows: DigestWindows;

  constructor(private readonly deps: RunDeps) {
    this.windows = new DigestWindows(deps);
  }

  /** Starts a run of the tenant's workflow `ref` (trigger identifier or id). */
  async start(
    tenantId: string,
    ref: string,
    input: { recipient_id: string; payload?: Record<string, unknown>; cancellation_key?: string },
  ): Promise<{ run_id: string; status: 'running' }> {
    const wf = await this.deps.workflow(tenantId, ref);
    if (!wf) throw new NotifydError('WORKFLOW_NOT_FOUND', undefined, { id: ref });
    return this.startOf(tenantId, wf, input);
  }

  /** Starts a run of a workflow already read. */
  async startOf(
    tenantId: string,
    wf: StoredWorkflow,
    input: { recipient_id: string; payload?: Record<string, unknown>; cancellation_key?: string },
  ): Promise<{ run_id: string; status: 'running' }> {
    const { objects, clock, ids, scheduler, emit } = this.deps;
    const now = clock.now();
    const data: RunData = {
      workflow_id: wf.id,
      workflow_version: wf.version,
      trigger_identifier: wf.data.trigger_identifier,
      recipient_id: input.recipient_id,
      payload: input.payload ?? {},
      cancellation_key: input.cancellation_key ?? null,
      steps: wf.data.steps,
      status: 'running',
      step: 0,
      next_at: now,
      last_notification_id: null,
      notifications: [],
      history: [],
      digest: null,
      started_at: now,
      ended_at: null,
    };
    const run = await objects.create({
      kind: RUN_KIND,
      id: ids('wfr'),
      tenant_id: tenantId,
      key: null,
      data: data as unknown as Record<string, unknown>,
      created_at: now,
    });
    await scheduler.schedule(
      tenantId,
      STEP_KIND,
      now,
      { run_id: run.id, step: 0 },
      {
        key: jobKey(run.id, 0),
      },
    );
    emit('workflow.run.started', tenantId, {
      run_id: run.id,
      workflow_id: wf.id,
      workflow_version: wf.version,
      trigger_identifier: data.trigger_identifier,
      recipient_id: data.recipient_id,
    });
    return { run_id: run.id, status: 'running' };
  }

  /** A tenant's run, or 404 WORKFLOW_RUN_NOT_FOUND. */
  async get(tenantId: string, id: string): Promise<StoredRun> {
    const found = await this.deps.objects.get(RUN_KIND, id);
    if (!found || found.tenant_id !== tenantId)
      throw new NotifydError('WORKFLOW_RUN_NOT_FOUND', undefined, { id });
    return asRun(found);
  }

  /**
   * A page of the tenant's runs, newest first, of one workflow (id or trigger identifier; a
   * deleted workflow's runs by its id), in one status, for one recipient, as asked.
   */
  async list(
    tenantId: string,
    query: {
      workflow?: string;
      status?: RunStatus;
      recipient_id?: string;
      before?: string;
      limit?: number;
    },
  ): Promise<{ data: RunView[]; next_cursor: string | null }> {
    const { workflow, status, recipient_id, before, limit } = query;
    // A cursor is a run id; anything else used to answer an empty last page, silently.
    if (before !== undefined && !before.startsWith('wfr_')) {
      throw new NotifydError('INVALID_CURSOR', undefined, { field: 'query.before' });
    }
    let workflowId: string | undefined;
    if (workflow !== undefined) {
      const wf = workflow.startsWith('wfl_') ? null : await this.deps.workflow(tenantId, workflow);
      if (!wf && !workflow.startsWith('wfl_'))
        throw new NotifydError('WORKFLOW_NOT_FOUND', undefined, { id: workflow });
      workflowId = wf ? wf.id : workflow;
    }
    const page = await listNewestFirst(this.deps.objects, RUN_KIND, tenantId, {
      filter: {
        ...(workflowId !== undefined ? { workflow_id: workflowId } : {}),
        ...(status !== undefined ? { status } : {}),
        ...(recipient_id !== undefined ? { recipient_id } : {}),
      },
      ...(before !== undefined ? { before } : {}),
      limit: limit ?? 50,
    });
    const data = await Promise.all(page.items.map((o) => this.view(asRun(o))));
    return { data, next_cursor: page.next_cursor };
  }

  /** A run as GET shows it, with the count of the window it is collecting in. */
  async view(run: StoredRun): Promise<RunView> {
    const d = run.data.digest;
    if (!d || !collecting(run.data)) return runView(run);
    const count = await this.windows.count(d);
    return runView({ ...run, data: { ...run.data, digest: { ...d, count } } });
  }

  /** Cancels a running run (a run already ended is answered as it is). */
  async cancel(tenantId: string, id: string): Promise<StoredRun> {
    let run = await this.get(tenantId, id);
    for (let i = 0; i < TRIES && run.data.status === 'running'; i++) {
      const waiting = waitKey(run);
      const data: RunData = {
        ...run.data,
        status: 'cancelled',
        next_at: null,
        ended_at: this.deps.clock.now(),
      };
      const done = await this.write(run, data);
      if (done) {
        await this.deps.scheduler.cancel(tenantId, { key: waiting });
        const digest = run.data.digest;
        if (digest && collecting(run.data)) await this.windows.cancel(digest);
        return done;
      }
      run = await this.get(tenantId, id);
    }
    return run;
  }

  /** Cancels the tenant's running runs started with this cancellation key. */
  async cancelByKey(tenantId: string, key: string): Promise<number> {
    const { items } = await this.deps.objects.list({ kind: RUN_KIND, tenants: [tenantId] });
    let n = 0;
    for (const r of items.map(asRun)) {
      if (r.data.status !== 'running' || r.data.cancellation_key !== key) continue;
      if ((await this.cancel(tenantId, r.id)).data.status === 'cancelled') n++;
    }
    return n;
  }

  /** The scheduler's handler of `workflow.step`. */
  async run(job: JobRecord): Promise<undefined> {
    const { run_id, step, phase } = job.payload as {
      run_id: string;
      step: number;
      phase?: 'close';
    };
    const found = await this.deps.objects.get(RUN_KIND, run_id);
    if (!found) return undefined;
    const run = asRun(found);
    if (run.data.status !== 'running') return undefined;
    if (run.data.step !== step) {
      // A re-run of a step the run moved past: make sure the step it waits at is scheduled.
      if (run.data.step > step) await this.scheduleNext(run);
      return undefined;
    }
    let outcome: Outcome;
    const digest = run.data.digest;
    if (digest && collecting(run.data)) {
      // The job that opened the window, run again, or a close due later: wait for the close.
      if (phase !== 'close' || this.deps.clock.now() < digest.closes_at) {
        await this.scheduleNext(run);
        return undefined;
      }
      const closed = await this.windows.close(digest);
      const entry = { step, type: 'digest' as const, at: this.deps.clock.now() };
      outcome = {
        entry: { ...entry, status: 'closed', count: closed.count },
        next: step + 1,
        at: entry.at,
        digest: closed,
      };
    } else {
      outcome = await this.perform(run, step);
    }
    const moved = await this.advance(outcome.run ?? run, outcome);
    if (moved) await this.scheduleNext(moved);
    return undefined;
  }

  private async scheduleNext(run: StoredRun): Promise<void> {
    const d = run.data;
    if (d.status !== 'running' || d.next_at === null) return;
    await this.deps.scheduler.schedule(
      run.tenant_id as string,
      STEP_KIND,
      d.next_at,
      { run_id: run.id, step: d.step, ...(collecting(d) ? { phase: 'close' } : {}) },
      { key: waitKey(run) },
    );
  }

  /** Runs one step; what it did and where the run goes. */
  private async perform(run: StoredRun, i: number): Promise<Outcome> {
    const { clock } = this.deps;
    const now = clock.now();
    const step = run.data.steps[i] as Step;
    const entry = { step: i, type: step.type, at: now };
    if (step.type === 'delay') {
      const until = now + (durationMs(step.duration) ?? 0);
      return { entry: { ...entry, status: 'waited', until }, next: i + 1, at: until };
    }
    if (step.type === 'digest') {
      let current = run;
      const entered = await this.windows.enter(run, i, step, async (joining) => {
        const marked = await this.write(current, { ...current.data, joining });
        // Cancelled, or another runner moved it: this job's retry reads it again.
        if (!marked) throw new Error(`workflow run ${run.id} changed while entering a digest`);
        current = marked;
      });
      if ('digested_into' in entered) {
        const into = entered.digested_into;
        const digested = { ...entry, status: 'digested', digested_into: into };
        return { entry: digested, next: null, at: now, end: 'digested', run: current };
      }
      const until = entered.opened.closes_at;
      return {
        entry: { ...entry, status: 'collecting', until },
        next: i,
        at: until,
        digest: entered.opened,
        run: current,
      };
    }
    if (step.type === 'condition') {
      const d = run.data.digest;
      const facts = {
        payload: run.data.payload,
        notification: await this.seen(run),
        digest: d?.status === 'closed' ? { count: d.count } : null,
      };
      if (holds(step, facts))
        return { entry: { ...entry, status: 'passed' }, next: i + 1, at: now };
      const fail = step.on_fail ?? 'stop';
      if (fail === 'stop')
        return { entry: { ...entry, status: 'stopped' }, next: null, at: now, end: 'stopped' };
      return {
        entry: { ...entry, status: 'skipped', skip_to: fail.skip_to },
        next: fail.skip_to,
        at: now,
      };
    }
    try {
      const id = await this.send(run, i, step);
      return {
        entry: { ...entry, status: 'sent', channel: step.channel, notification_id: id },
        next: i + 1,
        at: now,
      };
    } catch (err) {
      if (!(err instanceof NotifydError) || err.status >= 500) throw err;
      this.deps.logger.warn({ err, run: run.id, step: i }, 'workflow step could not send');
      return {
        entry: { ...entry, status: 'failed', channel: step.channel, error: err.code },
        next: null,
        at: now,
        end: 'failed',
      };
    }
  }

  /**
   * What the recipient did with the run's notifications in their feed (the others, push or
   * email alone, are stored read): `read`, `dismissed`, `actioned` when any of them was;
   * `action_id` the first action taken. Null when the run sent none.
   */
  private async seen(run: StoredRun): Promise<Record<string, unknown> | null> {
    const tenant = run.tenant_id as string;
    if (run.data.notifications.length === 0) return null;
    const all = await Promise.all(
      run.data.notifications.map((id) => this.deps.notifications.facts(tenant, id)),
    );
    const found = all.filter(
      (f): f is Record<string, unknown> => f !== null && f.in_feed !== false,
    );
    const any = (k: string) => found.some((f) => f[k] === true);
    return {
      read: any('read'),
      dismissed: any('dismissed'),
      actioned: any('actioned'),
      action_id: found.find((f) => f.action_id)?.action_id ?? null,
    };
  }

  /** Sends a send step once (its idempotency key); the notification's id. */
  private async send(run: StoredRun, i: number, step: Extract<Step, { type: 'send' }>) {
    const d = run.data;
    const payload =
      d.digest?.status === 'closed'
        ? { ...d.payload, digest: digestVariables(d.digest) }
        : d.payload;
    const input = {
      recipient_id: d.recipient_id,
      channels: [step.channel],
      ...(step.template ? { template: step.template, payload } : {}),
      ...(step.content ? { content: step.content } : {}),
      idempotency_key: `workflow:${run.id}:${i}`,
      ...(d.cancellation_key ? { cancellation_key: d.cancellation_key } : {}),
      data: { workflow_run_id: run.id, workflow: d.trigger_identifier, step: i },
    } as SendNotificationBody;
    try {
      const accepted = await this.deps.sender.send(
        run.tenant_id as string,
        input,
        this.deps.ids('req'),
      );
      return (accepted as { notification_id: string }).notification_id;
    } catch (err) {
      if (err instanceof NotifydError && err.code === 'DUPLICATE_NOTIFICATION') {
        return String((err.details as { notification_id?: unknown }).notification_id ?? '');
      }
      throw err;
    }
  }

  /** Moves the run past the step (once: at the version read); the run after, or null. */
  private async advance(run: StoredRun, o: Outcome): Promise<StoredRun | null> {
    const d = run.data;
    const ends = o.next === null || o.next >= d.steps.length;
    const now = this.deps.clock.now();
    const sent = o.entry.notification_id;
    const data: RunData = {
      ...d,
      step: ends ? d.steps.length : (o.next as number),
      status: ends ? (o.end ?? 'completed') : 'running',
      next_at: ends ? null : o.at,
      ended_at: ends ? now : null,
      history: [...d.history, o.entry],
      ...(o.digest ? { digest: o.digest } : {}),
      ...(sent ? { last_notification_id: sent, notifications: [...d.notifications, sent] } : {}),
    };
    const moved = await this.write(run, data);
    if (!moved) return null; // cancelled, or another runner moved it first
    if (ends) {
      const status = data.status as 'completed' | 'stopped' | 'failed' | 'digested';
      this.deps.emit('workflow.run.completed', run.tenant_id as string, {
        run_id: run.id,
        workflow_id: d.workflow_id,
        trigger_identifier: d.trigger_identifier,
        recipient_id: d.recipient_id,
        status,
        notifications: data.notifications,
      });
    }
    return moved;
  }

  private async write(run: StoredRun, data: RunData): Promise<StoredRun | null> {
    const outcome = await this.deps.objects.update(
      RUN_KIND,
      run.id,
      { data: data as unknown as Record<string, unknown>, key: null },
      run.version,
      this.deps.clock.now(),
    );
    return outcome.status === 'ok' ? asRun(outcome.object) : null;
  }
}
