/**
 * The delivery worker: claims due deliveries of the channels that have providers, sends
 * each through its channel's providers in priority order, and settles it.
 *
 * - success: `sent` with the provider's message id, and `notification.delivered` at once
 *   unless the provider reports the outcome later (a status callback, or status polls the
 *   worker schedules through `poller`: `later-outcomes.ts` settles it then);
 * - `retryable` (a timeout or a throw too), or an open circuit: the next provider; when
 *   every one failed, back to the queue after an exponential backoff with full jitter (or
 *   the provider's Retry-After), dead-lettered (`failed`) after `delivery.max_attempts`;
 * - `permanent`: the next provider; when no provider took it and none failed retryably,
 *   dead-lettered at once;
 * - `invalid_recipient`: the delivery `bounced` (the port deactivates its device);
 * - a provider at its own `concurrency` or `rate_limit` (limits.ts) is passed over like one
 *   whose circuit is open; when no provider was tried because of that, the delivery goes back
 *   to the queue without its attempt counted (never dead-lettered for it), due when the
 *   limiter lets a send through again (at once for concurrency: the claim takes no more of a
 *   channel than its providers have free slots, and looks again when a send ends).
 *
 * A claim leases the delivery: if this node dies mid-send, another claims it once the lease
 * runs out (so a delivery may be sent twice within `lease_ms`, never lost). Settling takes
 * the claim's lease token: a send that outlived its lease, whose delivery another worker has
 * claimed since, settles nothing and emits nothing (that worker settles it); it is logged and
 * counted as `lease_lost`.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { maskText } from '../core/mask.js';
import type { EventSink } from '../events/catalogue.js';
import type {
  ClaimedDelivery,
  DeliveryLease,
  DeliveryPort,
} from '../notifications/delivery-port.js';
import type { DeliveryRecord } from '../notifications/records.js';
import { deliveryFields } from './events.js';
import type { ProviderMetrics } from './metrics.js';
import type { DeliveryOptions } from './options.js';
import type { FailureKind, SendResult } from './plugin.js';
import type { ProviderRegistry, RegisteredProvider } from './registry.js';

/** The events the worker emits. */
export type WorkerEvent =
  | 'notification.sent'
  | 'notification.delivered'
  | 'notification.failed'
  | 'delivery.retry_scheduled';

/** Calls `fn` after `ms`; answers a function that cancels it. */
export type Timer = (ms: number, fn: () => void) => () => void;

const realTimer: Timer = (ms, fn) => {
  const handle = setTimeout(fn, ms);
  return () => clearTimeout(handle);
};

export interface WorkerDeps {
  port: DeliveryPort;
  registry: ProviderRegistry;
  settings: DeliveryOptions;
  clock: Clock;
  logger: Logger;
  emit: EventSink<WorkerEvent>;
  metrics: ProviderMetrics;
  /** In [0, 1): the backoff's jitter. Default: Math.random. */
  random?: () => number;
  /** Send timeouts and the idle poll. Default: setTimeout. */
  timer?: Timer;
  /**
   * Asks a provider that answered `confirms_later: 'poll'` for the outcome later (the
   * status polls on the scheduler); absent: such a send counts as delivered at once.
   */
  poller?: {
    watch(
      delivery: { id: string; tenant_id: string; channel: string },
      provider: string,
      messageId: string,
    ): Promise<void>;
  };
}

/** A claimed delivery: its record and the lease that settles it. */
/** A claimed delivery, with its notification's category for the events about it. */
type Leased = DeliveryRecord & DeliveryLease & { category: string | null };

/** How one provider's send ended, for the settling. */
interface Failure {
  provider: string;
  kind: FailureKind;
  error: string;
  retryAfterMs?: number;
}

export class DeliveryWorker {
  private running = false;
  private readonly inFlight = new Set<Promise<void>>();
  private cancelWait: (() => void) | null = null;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private readonly random: () => number;
  private readonly timer: Timer;
  /** The last claim left a channel out for its providers' limits: a send's end looks again. */
  private gated = false;
  /** Ends the poll loop's wait for a free slot (set while it waits). */
  private slotFreed: (() => void) | null = null;

  constructor(private readonly deps: WorkerDeps) {
    this.random = deps.random ?? Math.random;
    this.timer = deps.timer ?? realTimer;
  }

  /** Deliveries being sent right now. */
  get busy(): number {
    return this.inFlight.size;
  }

  /**
   * Claims one batch (as many as free slots allow) and sends it; resolves once every
   * delivery claimed is settled, to how many were claimed.
   */
  async runOnce(): Promise<number> {
    const claimed = await this.claim();
    await Promise.all(claimed.map((c) => this.track(c)));
    return claimed.length;
  }

  /** Starts polling: claims whenever a slot is free, waits `poll_interval_ms` when idle. */
  start(): void {
    if (this.running || this.deps.registry.channels().length === 0) return;
    this.running = true;
    this.loop = this.poll();
  }

  /** Stops claiming, then waits for the sends in flight (each bounded by its timeout). */
  async stop(): Promise<void> {
    this.running = false;
    this.nudge();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Ends an idle wait at once: deliveries were queued, or the worker is stopping. */
  nudge(): void {
    this.cancelWait?.();
    this.wake?.();
  }

  private async poll(): Promise<void> {
    const { concurrency, poll_interval_ms } = this.deps.settings.workers;
    while (this.running) {
      let claimed: ClaimedDelivery[] = [];
      try {
        claimed = await this.claim();
      } catch (err) {
        this.deps.logger.error({ err }, 'delivery worker: cannot claim deliveries');
      }
      for (const c of claimed) void this.track(c);
      if (!this.running) break;
      if (this.inFlight.size >= concurrency) {
        // Woken by the first send to end. (Not Promise.race over the sends in flight: that
        // added a reaction to every one of them per freed slot, O(concurrency) per delivery.)
        await new Promise<void>((resolve) => {
          this.slotFreed = resolve;
        });
        this.slotFreed = null;
        // Sends that end in the same turn of the event loop free their slots too: one claim
        // (one store transaction) takes them all, instead of one claim per freed slot.
        await new Promise<void>((resolve) => setImmediate(resolve));
      } else if (claimed.length === 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.cancelWait = this.timer(poll_interval_ms, resolve);
        });
        this.wake = null;
        this.cancelWait = null;
      }
    }
  }

  private claim(): Promise<ClaimedDelivery[]> {
    const { batch_size, concurrency, lease_ms } = this.deps.settings.workers;
    let free = Math.min(batch_size, concurrency - this.inFlight.size);
    const { registry, clock } = this.deps;
    const now = clock.now();
    // No more of a channel than its providers can take now (as this node knows).
    let room = 0;
    const channels = registry.channels().filter((channel) => {
      let slots = 0;
      for (const p of registry.forChannel(channel)) {
        if (!p.limits.free(now)) continue;
        const c = p.limits.concurrency;
        slots += c === null ? Number.POSITIVE_INFINITY : c - p.limits.busy;
      }
      room += slots;
      return slots > 0;
    });
    this.gated = channels.length < registry.channels().length || room < free;
    free = Math.min(free, room);
    if (free <= 0 || channels.length === 0) return Promise.resolve([]);
    return this.deps.port.claim(channels, free, lease_ms);
  }

  private track(claimed: ClaimedDelivery): Promise<void> {
    const done = this.deliver(claimed).catch((err: unknown) => {
      // The store failed while settling: the lease runs out and another claim retries it.
      this.deps.logger.error(
        { err, delivery_id: claimed.delivery.id },
        'delivery worker: cannot settle a delivery; it is tried again when its lease runs out',
      );
    });
    const tracked = done.finally(() => {
      this.inFlight.delete(tracked);
      this.slotFreed?.();
      // A provider's slot may have come free: claim what its limit held back.
      if (this.gated && this.running) this.nudge();
    });
    this.inFlight.add(tracked);
    return tracked;
  }

  /** Sends one delivery through its channel's providers and settles it. */
  private async deliver({ delivery, message }: ClaimedDelivery): Promise<void> {
    const record: Leased = { ...delivery, category: message.category ?? null };
    const { registry, port, clock, settings, metrics } = this.deps;
    const attempt = record.attempts;
    const candidates = registry.forChannel(record.channel, message.device?.kind ?? null);
    const failures: Failure[] = [];
    let reopensAt: number | null = null;
    /** The earliest a provider passed over for its limits takes a send again; null: none was. */
    let limitedUntil: number | null = null;
    for (const provider of candidates) {
      if (!provider.health.allow()) {
        const at = provider.health.reopensAt();
        if (at !== null) reopensAt = reopensAt === null ? at : Math.min(reopensAt, at);
        continue;
      }
      const admission = await provider.limits.admit();
      if (!admission.ok) {
        provider.health.skipped();
        const at = admission.retryAt ?? clock.now();
        limitedUntil = limitedUntil === null ? at : Math.min(limitedUntil, at);
        continue;
      }
      let result: SendResult;
      try {
        result = await this.send(provider, { ...message, attempt });
      } finally {
        admission.release();
      }
      const now = clock.now();
      if (result.ok) {
        if (!(await port.complete(record, result.provider_message_id))) {
          this.leaseLost(record, 'sent');
          return;
        }
        metrics.settled(record.channel, 'sent');
        const handed = {
          ...deliveryFields(record, record.category),
          provider: provider.name,
          provider_message_id: result.provider_message_id,
        };
        const at = new Date(now).toISOString();
        this.deps.emit('notification.sent', record.tenant_id, { ...handed, sent_at: at });
        const id = result.provider_message_id;
        const poller = this.deps.poller;
        const polled = result.confirms_later === 'poll' && id !== null && poller !== undefined;
        if (polled && provider.instance.status) {
          await poller
            .watch(record, provider.name, id)
            .catch((err: unknown) =>
              this.deps.logger.error(
                { err, delivery_id: record.id, provider: provider.name },
                'delivery worker: cannot schedule the status polls of a sent delivery; it stays sent',
              ),
            );
        } else if (result.confirms_later !== true) {
          metrics.settled(record.channel, 'delivered');
          this.deps.emit('notification.delivered', record.tenant_id, {
            ...handed,
            delivered_at: at,
          });
        }
        return;
      }
      const failure: Failure = {
        provider: provider.name,
        kind: result.kind,
        // The provider's message may quote the address (a phone number, an email): masked.
        error: `${provider.name}: ${maskText(result.message)}${result.code ? ` (${result.code})` : ''}`,
        ...(result.retry_after_ms === undefined ? {} : { retryAfterMs: result.retry_after_ms }),
      };
      if (result.kind === 'invalid_recipient') {
        await this.settleFailed(record, 'bounced', failure);
        return;
      }
      failures.push(failure);
    }
    if (limitedUntil !== null && failures.length === 0) {
      // Nobody tried it: no attempt is counted, and its wait is the limit's, not a backoff.
      await this.defer(record, Math.max(limitedUntil, clock.now()));
      return;
    }
    const retryable = failures.filter((f) => f.kind === 'retryable');
    const last = failures[failures.length - 1];
    if (candidates.length === 0) {
      const kind = message.device?.kind;
      const error = `no provider of the ${record.channel} channel reaches ${kind ?? 'this'} devices`;
      await this.giveUp(record, { provider: '', kind: 'permanent', error });
      return;
    }
    if (last && retryable.length === 0 && reopensAt === null && limitedUntil === null) {
      await this.giveUp(record, last);
      return;
    }
    const cause = retryable[retryable.length - 1] ??
      last ?? {
        provider: '',
        kind: 'retryable' as const,
        error: 'every provider’s circuit is open',
      };
    // A provider held back by its limits may still take it: not a dead letter yet.
    if (attempt >= settings.max_attempts && limitedUntil === null) {
      await this.giveUp(record, cause);
      return;
    }
    const now = clock.now();
    let next = now + this.backoff(attempt, retryable);
    if (failures.length === 0 && reopensAt !== null) next = Math.max(reopensAt, now);
    if (limitedUntil !== null) {
      // Only the limited provider may take it (the others refused it outright): its time.
      next = Math.max(now, retryable.length === 0 ? limitedUntil : Math.min(next, limitedUntil));
    }
    if (!(await port.retry(record, next, cause.error))) {
      this.leaseLost(record, 'retried');
      return;
    }
    metrics.settled(record.channel, 'retried');
    this.deps.emit('delivery.retry_scheduled', record.tenant_id, {
      ...deliveryFields(record, record.category),
      provider: cause.provider || null,
      error: cause.error,
      next_attempt_at: new Date(next).toISOString(),
    });
  }

  /** Back to the queue, due at `dueAt`, this claim's attempt not counted. */
  private async defer(record: Leased, dueAt: number): Promise<void> {
    if (!(await this.deps.port.defer(record, dueAt))) {
      this.leaseLost(record, 'deferred');
      return;
    }
    this.deps.metrics.settled(record.channel, 'deferred');
  }

  /**
   * The wait before the next attempt: a provider's Retry-After when one gave it, else a
   * random wait up to base·2^(attempt-1) (full jitter); never past `backoff_max_ms`.
   */
  private backoff(attempt: number, failures: Failure[]): number {
    const { backoff_base_ms, backoff_max_ms } = this.deps.settings;
    const asked = failures
      .map((f) => f.retryAfterMs)
      .filter((ms): ms is number => ms !== undefined && ms >= 0);
    if (asked.length > 0) return Math.min(Math.max(...asked), backoff_max_ms);
    const ceiling = Math.min(backoff_max_ms, backoff_base_ms * 2 ** Math.min(attempt - 1, 40));
    return Math.floor(this.random() * ceiling);
  }

  /** One send, bounded by the provider's timeout; a throw or a malformed answer is retryable. */
  private async send(
    provider: RegisteredProvider,
    message: Parameters<RegisteredProvider['instance']['send']>[0],
  ): Promise<SendResult> {
    const { clock, metrics, registry } = this.deps;
    const started = clock.now();
    const timeoutMs = registry.timeoutOf(provider);
    let cancel = () => {};
    const timedOut = new Promise<SendResult>((resolve) => {
      cancel = this.timer(timeoutMs, () =>
        resolve({ ok: false, kind: 'retryable', message: `timed out after ${timeoutMs} ms` }),
      );
    });
    let result: SendResult;
    try {
      result = checked(await Promise.race([provider.instance.send(message), timedOut]));
    } catch (err) {
      result = {
        ok: false,
        kind: 'retryable',
        message: `threw: ${err instanceof Error ? err.message : String(err)}`,
      };
    } finally {
      cancel();
    }
    const latency = Math.max(0, clock.now() - started);
    if (result.ok) {
      provider.health.succeeded(latency);
      metrics.succeeded(provider.name, provider.channel, latency);
    } else {
      provider.health.failedWith(result.kind, maskText(result.message), latency);
      metrics.failedWith(provider.name, provider.channel, result.kind, latency);
    }
    return result;
  }

  /** Dead-letters the delivery (status `failed`, listed at GET /deliveries/dead). */
  private giveUp(record: Leased, failure: Failure): Promise<void> {
    return this.settleFailed(record, 'failed', failure);
  }

  /** `failed` (the dead letter) or `bounced` (the address is gone; the port deactivates it). */
  private async settleFailed(
    record: Leased,
    status: 'failed' | 'bounced',
    failure: Failure,
  ): Promise<void> {
    const now = this.deps.clock.now();
    const { port } = this.deps;
    const settled =
      status === 'bounced'
        ? await port.bounced(record, failure.error)
        : await port.dead(record, failure.error);
    if (!settled) {
      this.leaseLost(record, status);
      return;
    }
    this.deps.metrics.settled(record.channel, status);
    this.deps.emit('notification.failed', record.tenant_id, {
      ...deliveryFields(record, record.category),
      status,
      kind: failure.kind,
      provider: failure.provider || null,
      error: failure.error,
      failed_at: new Date(now).toISOString(),
    });
  }

  /**
   * The lease ran out before this worker settled, and another claim holds the delivery now:
   * that claim settles it, so this outcome is dropped (no event, no status change).
   */
  private leaseLost(record: DeliveryRecord, outcome: string): void {
    this.deps.metrics.settled(record.channel, 'lease_lost');
    this.deps.logger.warn(
      { delivery_id: record.id, channel: record.channel, attempt: record.attempts, outcome },
      'delivery worker: the lease ran out before settling and another claim holds the delivery; this outcome is dropped',
    );
  }
}

const KINDS: readonly string[] = ['retryable', 'permanent', 'invalid_recipient'];

/** A plugin's answer as the worker trusts it: anything malformed counts as retryable. */
function checked(result: unknown): SendResult {
  if (typeof result === 'object' && result !== null) {
    const r = result as Record<string, unknown>;
    if (r.ok === true) {
      const id = r.provider_message_id;
      const later = r.confirms_later;
      return {
        ok: true,
        provider_message_id: typeof id === 'string' ? id : null,
        // Only a message id can be confirmed later: without one, accepted is delivered.
        ...((later === true || later === 'poll') && typeof id === 'string'
          ? { confirms_later: later }
          : {}),
      };
    }
    if (r.ok === false && typeof r.kind === 'string' && KINDS.includes(r.kind)) {
      return {
        ok: false,
        kind: r.kind as FailureKind,
        message: typeof r.message === 'string' ? r.message : 'failed',
        ...(typeof r.code === 'string' ? { code: r.code } : {}),
        ...(typeof r.retry_after_ms === 'number' ? { retry_after_ms: r.retry_after_ms } : {}),
      };
    }
  }
  return {
    ok: false,
    kind: 'retryable',
    message: 'the plugin answered something that is not a send result',
  };
}
