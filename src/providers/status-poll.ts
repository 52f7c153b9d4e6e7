/**
 * Status polls: a provider that accepted a message with `confirms_later: 'poll'` (Twilio
 * without a status callback to notifyd: an API key, or `status_callback_url` elsewhere) is
 * asked for its outcome by the plugin's `status`, on a durable scheduler job
 * (`delivery.status_poll`), so that a node that restarts or dies leaves the polls to another.
 * The first poll is due `delivery.status_poll.first_ms` after the send; each one still
 * pending schedules the next after twice the last wait (at most `max_ms`), up to
 * `max_polls` in all, after which the delivery stays `sent` (accepted is all that is known).
 * A final answer settles the delivery through `LaterOutcomes`, as a status callback does:
 * whichever comes first confirms it, once.
 *
 * One job per poll, keyed `status-poll:{delivery}:{n}`: a run repeated after a crash
 * schedules its successor once (the key dedups), and asking the provider twice is harmless.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { maskText } from '../core/mask.js';
import { type JobRecord, PermanentJobError } from '../scheduler/jobs.js';
import type { SchedulerService } from '../scheduler/service.js';
import type { LaterOutcomes } from './later-outcomes.js';
import type { ProviderMetrics } from './metrics.js';
import type { MessageStatus } from './plugin.js';
import type { RegisteredProvider } from './registry.js';

/** The job kind of a status poll. */
export const STATUS_POLL = 'delivery.status_poll';

/** `delivery.status_poll.*`. */
export interface StatusPollSettings {
  first_ms: number;
  max_ms: number;
  max_polls: number;
}

/** What a poll job carries. */
interface PollPayload {
  delivery_id: string;
  provider: string;
  channel: string;
  provider_message_id: string;
  /** 1 for the first poll. */
  poll: number;
}

export interface StatusPollerDeps {
  scheduler: SchedulerService;
  /** The provider of that name running on this node now, or undefined. */
  provider(name: string): RegisteredProvider | undefined;
  outcomes: LaterOutcomes;
  settings: StatusPollSettings;
  clock: Clock;
  logger: Logger;
  metrics: ProviderMetrics;
}

export class StatusPoller {
  constructor(private readonly deps: StatusPollerDeps) {
    deps.scheduler.register(STATUS_POLL, (job) => this.run(job));
  }

  /** The wait before poll `n` (1 for the first), counted from the send or the poll before. */
  waitBefore(n: number): number {
    const { first_ms, max_ms } = this.deps.settings;
    return Math.min(max_ms, first_ms * 2 ** Math.min(n - 1, 40));
  }

  /** Starts polling a message `provider` accepted for the delivery, sent just now. */
  async watch(
    delivery: { id: string; tenant_id: string; channel: string },
    provider: string,
    messageId: string,
  ): Promise<void> {
    await this.schedule(delivery.tenant_id, {
      delivery_id: delivery.id,
      provider,
      channel: delivery.channel,
      provider_message_id: messageId,
      poll: 1,
    });
  }

  private async schedule(tenantId: string, payload: PollPayload): Promise<void> {
    const at = this.deps.clock.now() + this.waitBefore(payload.poll);
    await this.deps.scheduler.schedule(
      tenantId,
      STATUS_POLL,
      at,
      { ...payload },
      {
        key: `status-poll:${payload.delivery_id}:${payload.poll}`,
      },
    );
  }

  private async run(job: JobRecord): Promise<undefined> {
    const payload = job.payload as unknown as PollPayload;
    const { provider: name, channel, provider_message_id: messageId, poll } = payload;
    if (typeof messageId !== 'string' || typeof name !== 'string' || !Number.isInteger(poll)) {
      throw new PermanentJobError('a status poll job without its message id, provider or count');
    }
    const { metrics, logger } = this.deps;
    const provider = this.deps.provider(name);
    if (!provider?.instance.status) {
      // Removed or replaced by one that cannot be asked: nobody can tell any more.
      metrics.polled(name, channel, 'no_provider');
      logger.warn(
        { provider: name, delivery_id: payload.delivery_id },
        `status poll: provider ${name} is gone or cannot be asked; the delivery stays sent`,
      );
      return undefined;
    }
    // A status callback (or a retry's new send) may have settled it: no need to ask.
    const state = await this.deps.outcomes.stateOf(channel, messageId);
    if (state !== 'sent') {
      metrics.polled(name, channel, state === 'unknown' ? 'unknown' : 'already_settled');
      return undefined;
    }
    let status: MessageStatus | null;
    try {
      status = await provider.instance.status(messageId);
    } catch (err) {
      logger.warn(
        { provider: name, delivery_id: payload.delivery_id, err: maskText(String(err)) },
        'status poll: the provider could not answer; asked again later',
      );
      status = null;
    }
    if (status?.state === 'delivered' || status?.state === 'failed') {
      const code = status.state === 'failed' && status.code ? ` (${status.code})` : '';
      const outcome = await this.deps.outcomes.settle(
        provider,
        messageId,
        status.state === 'delivered'
          ? { state: 'delivered' }
          : { state: 'failed', error: `${name}: ${maskText(status.message)}${code}` },
      );
      metrics.polled(name, channel, outcome);
      return undefined;
    }
    if (poll >= this.deps.settings.max_polls) {
      metrics.polled(name, channel, 'gave_up');
      logger.info(
        { provider: name, delivery_id: payload.delivery_id, polls: poll },
        'status poll: no final status after the last poll; the delivery stays sent',
      );
      return undefined;
    }
    metrics.polled(name, channel, status ? 'pending' : 'error');
    await this.schedule(job.tenant_id, { ...payload, poll: poll + 1 });
    return undefined;
  }
}
