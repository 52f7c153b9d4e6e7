/**
 * The seam between sending and the providers' delivery worker. Routing writes one delivery
 * row per channel (per active device for push) with status `pending` and the rendered
 * content of every channel on its notification; the worker (providers module) claims due
 * deliveries through this port, gets each one as the `ProviderMessage` its plugin takes,
 * and settles it. The notifications module offers it as the `deliveries` service; the
 * providers module offers `ProviderChannels` back so that routing skips channels nobody
 * serves. Types only: no module imports another's implementation.
 */
import type { ProviderMessage } from '../providers/plugin.js';
import type { DeliveryRecord } from './records.js';

/**
 * What settles a claimed delivery: its id and the token of the claim that leased it. Once
 * the lease has run out and another claim holds the delivery, the token settles nothing.
 */
export interface DeliveryLease {
  id: string;
  lease_token: string;
}

/** One claimed delivery, leased to the caller, with the message its provider gets. */
export interface ClaimedDelivery {
  /** The delivery as claimed: `attempts` already counts this attempt; it is its own lease. */
  delivery: DeliveryRecord & DeliveryLease;
  /**
   * Recipient (the subscriber, or a bare `{id}` one when the directory does not know them),
   * device (push), the channel's rendered content, priority and TTL.
   */
  message: ProviderMessage;
}

/**
 * The delivery queue as the providers' worker uses it. Times come from the daemon's clock.
 * Each settling call takes the claimed delivery's lease and answers whether it settled: false
 * means the lease ran out and another claim holds the delivery (nothing was changed).
 */
export interface DeliveryPort {
  /**
   * Claims up to `limit` pending deliveries of these channels that are due, oldest due
   * first, leased for `leaseMs` (a worker that dies leaves them claimable again once the
   * lease runs out). Deliveries that can no longer go are settled here and not returned:
   * their notification expired (`expired`), was cancelled or retracted (`cancelled`), has
   * no content for the channel, or their device is no longer active (`failed`).
   */
  claim(channels: readonly string[], limit: number, leaseMs: number): Promise<ClaimedDelivery[]>;
  /** The provider accepted the message: `sent`, with its message id when it gave one. */
  complete(lease: DeliveryLease, providerMessageId: string | null): Promise<boolean>;
  /** Back to the queue, due again at `nextAttemptAt` (epoch ms), with what went wrong. */
  retry(lease: DeliveryLease, nextAttemptAt: number, error: string): Promise<boolean>;
  /**
   * Back to the queue, due again at `dueAt`, with this attempt not counted: no provider
   * could take it now (each at its concurrency or rate limit), so it was not tried.
   */
  defer(lease: DeliveryLease, dueAt: number): Promise<boolean>;
  /** Gave up (last try, or a permanent failure on every provider): `failed`, the dead letter. */
  dead(lease: DeliveryLease, error: string): Promise<boolean>;
  /**
   * The address is gone (web push 404/410, unregistered token, invalid number): `bounced`,
   * and a push delivery's device is deactivated in the recipient directory.
   */
  bounced(lease: DeliveryLease, error: string): Promise<boolean>;
  /**
   * Called (in this process) after deliveries of these channels were queued, so that a
   * worker can claim at once instead of waiting for its next poll. Returns the unsubscriber.
   */
  onQueued(listener: (channels: readonly string[]) => void): () => void;
}

/**
 * A provider's later word on a delivery it accepted (a status callback, e.g. Twilio's): the
 * notification engine's service for the providers module.
 */
export interface DeliveryReports {
  /** The delivery of `channel` (any tenant) the provider's message id names; null when none. */
  byProviderMessageId(channel: string, providerMessageId: string): Promise<DeliveryRecord | null>;
  /**
   * Moves a `sent` delivery to `delivered`, or to `failed` with `error` (a dead letter);
   * resolves to the delivery after, or null (nothing changed) when it is not `sent`.
   */
  confirmSent(
    id: string,
    status: 'delivered' | 'failed',
    error?: string,
  ): Promise<DeliveryRecord | null>;
  /** The category of the delivery's notification; null when the notification is gone. */
  categoryOf(delivery: DeliveryRecord): Promise<string | null>;
}

/** Which channels have a provider: the providers module's service for routing. */
export interface ProviderChannels {
  /** True when at least one provider (or the built-in console one) serves the channel. */
  serves(channel: string): boolean;
}
