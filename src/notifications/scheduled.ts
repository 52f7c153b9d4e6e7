/**
 * Scheduled sends: a send with `send_at` is kept as a durable scheduler job
 * (`notification.send`) and goes through the ordinary send path (routing, preferences, quiet
 * hours) when it is due. The job carries the request as it was accepted. A run that is
 * repeated (its node died between the write and the ack) is absorbed by the idempotency
 * key: the caller's, or `scheduled:{job id}` when none was given.
 */
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import { type JobRecord, PermanentJobError } from '../scheduler/jobs.js';
import type { SchedulerService } from '../scheduler/service.js';
import { checkExpiry } from './content.js';
import type { SendNotificationBody } from './schemas.js';
import type { Sender } from './sender.js';

/** The job kind of a scheduled send. */
export const SCHEDULED_SEND = 'notification.send';

/**
 * A dropped send's job fails with an error starting with this (shown as `dropped`); one
 * cancelled by its key while it was being claimed, with `cancelled: ` (shown as `cancelled`).
 */
const DROPPED = 'dropped: ';
const CANCELLED = 'cancelled: ';

/** Job keys of scheduled sends with an idempotency key: a second one is a duplicate. */
const idempotencyJobKey = (key: string) => `send:${key}`;

/** Where a scheduled send stands. */
export type ScheduledStatus = 'scheduled' | 'sending' | 'sent' | 'failed' | 'dropped' | 'cancelled';

/** What GET /scheduled/{id} answers. */
export interface ScheduledView {
  scheduled_id: string;
  status: ScheduledStatus;
  send_at: string;
  request_id: string;
  recipient_id: string | null;
  cancellation_key: string | null;
  idempotency_key: string | null;
  attempts: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

/** The 202 of a scheduled send. */
export interface ScheduledAccepted {
  request_id: string;
  status: 'scheduled';
  scheduled_id: string;
  send_at: string;
}

interface Payload {
  body: SendNotificationBody;
  request_id: string;
  send_at: number;
}

export interface ScheduledSendsDeps {
  scheduler: SchedulerService;
  sender: Sender;
  clock: Clock;
  /** A send found this much past its time is dropped; 0 sends it however late. */
  maxLatenessMs: number;
  /** How far ahead `send_at` may be. */
  maxAheadMs: number;
  /** Whether a cancellation key was used after `at` (POST /notifications/cancel). */
  cancelledSince(tenantId: string, key: string, at: number): Promise<boolean>;
}

const iso = (ms: number) => new Date(ms).toISOString();

function invalid(field: string, message: string): NotifydError {
  return new NotifydError('VALIDATION_ERROR', `${field} ${message}`, {
    issues: [{ field, message }],
  });
}

const STATUS: Record<JobRecord['status'], ScheduledStatus> = {
  scheduled: 'scheduled',
  running: 'sending',
  done: 'sent',
  failed: 'failed',
  cancelled: 'cancelled',
};

export function toScheduledView(job: JobRecord): ScheduledView {
  const p = job.payload as unknown as Payload;
  let status = STATUS[job.status];
  if (job.status === 'failed' && job.last_error?.startsWith(DROPPED)) status = 'dropped';
  if (job.status === 'failed' && job.last_error?.startsWith(CANCELLED)) status = 'cancelled';
  return {
    scheduled_id: job.id,
    status,
    send_at: iso(p.send_at),
    request_id: p.request_id,
    recipient_id: p.body.recipient?.id ?? p.body.recipient_id ?? null,
    cancellation_key: p.body.cancellation_key ?? null,
    idempotency_key: p.body.idempotency_key ?? null,
    attempts: job.attempts,
    last_error: job.last_error,
    created_at: iso(job.created_at),
    updated_at: iso(job.updated_at),
  };
}

export class ScheduledSends {
  constructor(private readonly deps: ScheduledSendsDeps) {
    deps.scheduler.register(SCHEDULED_SEND, (job) => this.run(job));
  }

  /**
   * Checks `send_at` (in the future, not too far ahead) and what can be checked of the send
   * before its time (routing and rendering happen when it is due); writes nothing.
   */
  check(input: SendNotificationBody, where = 'body'): void {
    this.checked(input, where);
  }

  /** Checks a send with `send_at` and keeps it as a job; a held idempotency key is a 409. */
  async schedule(
    tenantId: string,
    input: SendNotificationBody,
    requestId: string,
    where = 'body',
  ): Promise<ScheduledAccepted> {
    const { body, at } = this.checked(input, where);
    const payload: Payload = { body, request_id: requestId, send_at: at };
    const key = body.idempotency_key ? idempotencyJobKey(body.idempotency_key) : null;
    const { job, created } = await this.deps.scheduler.schedule(
      tenantId,
      SCHEDULED_SEND,
      at,
      payload as unknown as Record<string, unknown>,
      { key },
    );
    if (!created) {
      throw new NotifydError('DUPLICATE_NOTIFICATION', undefined, {
        scheduled_id: job.id,
        request_id: (job.payload as unknown as Payload).request_id,
      });
    }
    return { request_id: requestId, status: 'scheduled', scheduled_id: job.id, send_at: iso(at) };
  }

  private checked(input: SendNotificationBody, where: string) {
    const { send_at, ...body } = input;
    const now = this.deps.clock.now();
    const at = Date.parse(send_at as string);
    if (!(at > now)) throw invalid(`${where}.send_at`, 'must be in the future');
    if (at - now > this.deps.maxAheadMs) {
      const days = Math.round(this.deps.maxAheadMs / 86_400_000);
      throw invalid(
        `${where}.send_at`,
        `must be at most ${days} days ahead (scheduler.max_send_ahead_days)`,
      );
    }
    if (body.recipient_id === undefined && body.recipient === undefined) {
      throw invalid(`${where}.recipient_id`, 'recipient_id or recipient is required');
    }
    if (body.content === undefined && body.template === undefined && !body.template_id) {
      throw invalid(`${where}.content`, 'required unless a template is named');
    }
    // An expiry before the send would never be seen.
    checkExpiry(body.expires_at, at, `${where}.expires_at`);
    return { body, at };
  }

  /** A tenant's scheduled send. */
  async get(tenantId: string, id: string): Promise<ScheduledView> {
    return toScheduledView(await this.job(tenantId, id));
  }

  /** A tenant's scheduled sends, newest first; `before` pages on. */
  async list(
    tenantId: string,
    query: { status?: ScheduledStatus; before?: string; limit: number },
  ): Promise<{ data: ScheduledView[]; next: string | null }> {
    const status = query.status ? jobStatus(query.status) : undefined;
    const jobs = await this.deps.scheduler.list(
      tenantId,
      {
        kind: SCHEDULED_SEND,
        ...(status ? { status } : {}),
        ...(query.before ? { before: query.before } : {}),
      },
      query.limit + 1,
    );
    let views = jobs.slice(0, query.limit).map(toScheduledView);
    // `failed`, `dropped` and late `cancelled` share a job status: the view tells them apart.
    if (query.status === 'failed' || query.status === 'dropped') {
      views = views.filter((v) => v.status === query.status);
    }
    const next = jobs.length > query.limit ? (jobs[query.limit - 1]?.id ?? null) : null;
    return { data: views, next };
  }

  /** Cancels one not sent yet; a sent, failed or cancelled one is SCHEDULED_NOT_CANCELLABLE. */
  async cancel(tenantId: string, id: string): Promise<ScheduledView> {
    const job = await this.job(tenantId, id);
    if (job.status !== 'scheduled') throw notCancellable(toScheduledView(job));
    const result = await this.deps.scheduler.cancel(tenantId, id);
    if (!result) throw new NotifydError('SCHEDULED_NOT_FOUND', undefined, { id });
    // Claimed in between: it is being sent (or was), no longer ours to stop.
    if (!result.cancelled) throw notCancellable(toScheduledView(result.job));
    return toScheduledView(result.job);
  }

  /** Cancels the tenant's scheduled sends holding a cancellation key; resolves to how many. */
  async cancelByKey(tenantId: string, key: string): Promise<number> {
    const { scheduler } = this.deps;
    let cancelled = 0;
    let before: string | undefined;
    for (;;) {
      const page = await scheduler.list(
        tenantId,
        { kind: SCHEDULED_SEND, status: 'scheduled', ...(before ? { before } : {}) },
        500,
      );
      for (const job of page) {
        if ((job.payload as unknown as Payload).body.cancellation_key !== key) continue;
        if ((await scheduler.cancel(tenantId, job.id))?.cancelled) cancelled++;
      }
      if (page.length < 500) return cancelled;
      before = page[page.length - 1]?.id;
    }
  }

  /** Sends a due one: at most once, late ones dropped past `maxLatenessMs`. */
  private async run(job: JobRecord): Promise<undefined> {
    const { sender, clock, maxLatenessMs, cancelledSince } = this.deps;
    const p = job.payload as unknown as Payload;
    const late = clock.now() - p.send_at;
    if (maxLatenessMs > 0 && late > maxLatenessMs) {
      throw new PermanentJobError(
        `${DROPPED}${Math.round(late / 1000)} s past send_at, more than scheduler.max_lateness_ms (${maxLatenessMs} ms)`,
      );
    }
    const key = p.body.cancellation_key;
    // Cancelled by key between a claim and the list POST /notifications/cancel walked.
    if (key && (await cancelledSince(job.tenant_id, key, job.created_at))) {
      throw new PermanentJobError(`${CANCELLED}by its cancellation key`);
    }
    const body: SendNotificationBody = {
      ...p.body,
      idempotency_key: p.body.idempotency_key ?? `scheduled:${job.id}`,
    };
    let prepared: Awaited<ReturnType<Sender['prepare']>>;
    try {
      prepared = await sender.prepare(job.tenant_id, body, p.request_id);
    } catch (err) {
      // A send that cannot be routed or rendered will not get better by waiting.
      if (err instanceof NotifydError && err.status < 500) {
        throw new PermanentJobError(`${err.code}: ${err.message}`);
      }
      throw err;
    }
    const [result] = await sender.commit([prepared]);
    if (result instanceof NotifydError) {
      // Our own earlier run wrote it (same request): it is sent. Someone else's: a duplicate.
      if (result.details?.request_id === p.request_id) return undefined;
      throw new PermanentJobError(`${result.code}: ${result.message}`);
    }
    return undefined;
  }

  private async job(tenantId: string, id: string): Promise<JobRecord> {
    const job = await this.deps.scheduler.get(tenantId, id);
    if (!job || job.kind !== SCHEDULED_SEND) {
      throw new NotifydError('SCHEDULED_NOT_FOUND', undefined, { id });
    }
    return job;
  }
}

function notCancellable(view: ScheduledView): NotifydError {
  return new NotifydError(
    'SCHEDULED_NOT_CANCELLABLE',
    `The scheduled send is ${view.status}; only a scheduled one can be cancelled.`,
    { scheduled_id: view.scheduled_id, status: view.status },
  );
}

function jobStatus(s: ScheduledStatus): JobRecord['status'] {
  if (s === 'sending') return 'running';
  if (s === 'sent') return 'done';
  if (s === 'dropped') return 'failed';
  return s;
}
