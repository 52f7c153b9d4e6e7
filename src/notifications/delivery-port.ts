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

/** One claimed delivery, leased to the caller, with the message its provider gets. */
export interface ClaimedDelivery {
  /** The delivery as claimed: `attempts` already counts this attempt. */
  delivery: DeliveryRecord;
  /**
   * Recipient (the subscriber, or a bare `{id}` one when the directory does not know them),
   * device (push), the channel's rendered content, priority and TTL.
   */
  message: ProviderMessage;
}

/** The delivery queue as the providers' worker uses it. Times come from the daemon's clock. */
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
  complete(deliveryId: string, providerMessageId: string | null): Promise<void>;
  /** Back to the queue, due again at `nextAttemptAt` (epoch ms), with what went wrong. */
  retry(deliveryId: string, nextAttemptAt: number, error: string): Promise<void>;
  /** Gave up (last try, or a permanent failure on every provider): `failed`, the dead letter. */
  dead(deliveryId: string, error: string): Promise<void>;
  /**
   * The address is gone (web push 404/410, unregistered token, invalid number): `bounced`,
   * and a push delivery's device is deactivated in the recipient directory.
   */
  bounced(deliveryId: string, error: string): Promise<void>;
  /**
   * Called (in this process) after deliveries of these channels were queued, so that a
   * worker can claim at once instead of waiting for its next poll. Returns the unsubscriber.
   */
  onQueued(listener: (channels: readonly string[]) => void): () => void;
}

/** Which channels have a provider: the providers module's service for routing. */
export interface ProviderChannels {
  /** True when at least one provider (or the built-in console one) serves the channel. */
  serves(channel: string): boolean;
}
