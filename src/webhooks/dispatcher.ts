import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { EventBus } from '../events/bus.js';
import { createEnvelope } from '../events/envelope.js';
import type { EventEnvelope } from '../events/types.js';
import type { DeliveryLog } from './delivery-log.js';
import type { DeliveryAttemptView } from './schemas.js';
import { type AttemptResult, postEvent } from './sender.js';
import type { StoredWebhook } from './service.js';
import type { Subscription, SubscriptionCache } from './subscriptions.js';
import type { WebhookTransport } from './transport.js';

/** How deliveries are paced (the `webhooks.*` options). */
export interface DispatchSettings {
  timeout_ms: number;
  max_attempts: number;
  retry_base_ms: number;
  retry_max_ms: number;
  queue_size: number;
  concurrency: number;
}

/** Delivery outcomes, as `notifyd_webhook_deliveries_total{result}` counts them. */
export type DeliveryCount = 'delivered' | 'retried' | 'failed' | 'dropped';

export interface DispatcherOptions {
  bus: EventBus;
  subscriptions: SubscriptionCache;
  log: DeliveryLog;
  clock: Clock;
  ids: IdGenerator;
  settings: DispatchSettings;
  /** How deliveries connect, refusing denied addresses. */
  transport: WebhookTransport;
  count: (result: DeliveryCount) => void;
  logger?: Logger;
}

/** One event on its way to one webhook. */
interface Job {
  to: Pick<Subscription, 'id' | 'url' | 'secret'>;
  event: EventEnvelope;
  attempt: number;
}

/**
 * Takes every event from the bus to the webhooks that want it. Deliveries wait in a bounded
 * queue in this node's memory (when it is full the oldest is dropped) and at most
 * `concurrency` are in flight; a failure worth retrying comes back after an exponential,
 * jittered delay or the receiver's Retry-After. Nothing is persisted: what is queued or
 * waiting to retry when the process dies is lost.
 */
export class WebhookDispatcher {
  private readonly queue: Job[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private inflight = 0;
  private idle: Array<() => void> = [];
  private closed = false;
  /** Events are routed one after another so that deliveries keep the order of emits. */
  private intake: Promise<void> = Promise.resolve();
  private unsubscribe: () => void = () => {};

  constructor(private readonly o: DispatcherOptions) {}

  /** Starts taking events from the bus. */
  start(): void {
    this.unsubscribe = this.o.bus.subscribe(
      (event) => {
        this.intake = this.intake.then(() => this.route(event));
      },
      // In-app sends and deliveries (emitted per notification) only when a webhook wants them.
      (type, tenantId) => this.o.subscriptions.wants(type, tenantId),
    );
  }

  /**
   * Sends a `webhook.test` event to one webhook now, once (no queue, no retry), whether
   * it is active or not; the attempt is logged like any other.
   */
  async test(webhook: StoredWebhook): Promise<{ event_id: string } & AttemptResult> {
    const event = createEnvelope(this.o.ids, this.o.clock, 'webhook.test', webhook.tenant_id, {
      webhook_id: webhook.id,
      message: 'A test event sent by POST /api/v1/webhooks/{id}/test.',
    });
    const result = await postEvent(webhook.data, event, {
      timeoutMs: this.o.settings.timeout_ms,
      clock: this.o.clock,
      transport: this.o.transport,
    });
    const final = result.delivered ? 'delivered' : 'failed';
    this.record(webhook.id, event, 1, result, final);
    this.o.count(final);
    return { event_id: event.id, ...result };
  }

  /**
   * Stops: no new events, retries waiting are abandoned, and deliveries in flight get up to
   * `graceMs` to finish. What was still queued is logged as lost.
   */
  async close(graceMs: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    for (const timer of this.timers) clearTimeout(timer);
    const lost = this.queue.length + this.timers.size;
    this.timers.clear();
    this.queue.length = 0;
    if (lost > 0) {
      for (let i = 0; i < lost; i++) this.o.count('dropped');
      this.o.logger?.warn({ lost }, 'webhooks: shutting down with deliveries not yet sent');
    }
    if (this.inflight === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private async route(event: EventEnvelope): Promise<void> {
    if (this.closed) return;
    let subscriptions: Subscription[];
    try {
      subscriptions = await this.o.subscriptions.current();
    } catch {
      this.o.logger?.warn({ type: event.type, event_id: event.id }, 'webhooks: event not routed');
      return;
    }
    for (const s of subscriptions) {
      if (s.tenant_id !== null && s.tenant_id !== event.tenant_id) continue;
      if (s.matches(event.type)) this.enqueue({ to: s, event, attempt: 1 });
    }
  }

  private enqueue(job: Job): void {
    if (this.closed) return;
    this.queue.push(job);
    if (this.queue.length > this.o.settings.queue_size) {
      const dropped = this.queue.shift()!;
      this.o.count('dropped');
      this.o.logger?.warn(
        { webhook_id: dropped.to.id, event_id: dropped.event.id },
        'webhooks: queue full, oldest delivery dropped',
      );
    }
    this.pump();
  }

  private pump(): void {
    while (this.inflight < this.o.settings.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.inflight++;
      void this.send(job).finally(() => {
        this.inflight--;
        if (this.inflight === 0) for (const done of this.idle.splice(0)) done();
        this.pump();
      });
    }
  }

  private async send(job: Job): Promise<void> {
    const { settings } = this.o;
    const result = await postEvent(job.to, job.event, {
      timeoutMs: settings.timeout_ms,
      clock: this.o.clock,
      transport: this.o.transport,
    });
    const retry = !result.delivered && result.retryable && job.attempt < settings.max_attempts;
    const outcome = result.delivered ? 'delivered' : retry ? 'retrying' : 'failed';
    this.record(job.to.id, job.event, job.attempt, result, outcome);
    this.o.count(outcome === 'retrying' ? 'retried' : outcome);
    if (!retry || this.closed) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        this.enqueue({ ...job, attempt: job.attempt + 1 });
      },
      this.delay(job.attempt, result.retry_after_ms),
    );
    timer.unref();
    this.timers.add(timer);
  }

  /** Retry-After when the receiver gave one, else base·2^(n-1) with equal jitter; capped. */
  private delay(attempt: number, retryAfterMs: number | null): number {
    const { retry_base_ms: base, retry_max_ms: max } = this.o.settings;
    if (retryAfterMs !== null) return Math.min(max, retryAfterMs);
    const backoff = Math.min(max, base * 2 ** (attempt - 1));
    return backoff / 2 + Math.random() * (backoff / 2);
  }

  private record(
    webhookId: string,
    event: EventEnvelope,
    attempt: number,
    result: AttemptResult,
    outcome: DeliveryAttemptView['result'],
  ): void {
    this.o.log.record(webhookId, {
      event_id: event.id,
      event_type: event.type,
      attempt,
      result: outcome,
      status_code: result.status_code,
      error: result.error,
      duration_ms: result.duration_ms,
      at: new Date(this.o.clock.now()).toISOString(),
    });
  }
}
