/**
 * A provider's own limits: `concurrency`, the sends in flight to it from this node, and
 * `rate_limit`, its sends per window, counted by the rate-limit engine's store (the same
 * limiter and algorithms as rate-limit policies) so that every node sharing that store
 * counts together. The worker asks `admit` before each send: a provider at either limit is
 * passed over for that delivery like one whose circuit is open.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { LimitSpec, RateLimitStore } from '../ratelimit/spec.js';
import type { ProviderRateLimit } from './options.js';

/** Why a provider could not take a send now. */
export type LimitReason = 'concurrency' | 'rate_limit';

/** What `admit` answers: a slot to release when the send is over, or why not and until when. */
export type Admission =
  | { ok: true; release: () => void }
  | {
      ok: false;
      reason: LimitReason;
      /** When the rate limit lets a send through again (epoch ms); null: when a send ends. */
      retryAt: number | null;
    };

/** What `GET /providers` shows of a provider's limits. */
export interface LimitsView {
  concurrency: number | null;
  rate_limit: Required<ProviderRateLimit> | null;
  /** Sends to it in flight on this node now. */
  in_flight: number;
  /** Until when this node last found it at its rate limit (ISO); null when it is not. */
  rate_limited_until: string | null;
}

/** How long a rate limit the store cannot decide (it fails closed) keeps a provider aside. */
const STORE_DOWN_RETRY_MS = 1000;

/** The limiter's key of a provider's sends. */
export const rateKey = (provider: string) => `provider:${provider}`;

export class ProviderLimits {
  private inFlight = 0;
  /** A refusal's retry time: until then this node does not ask the store again. */
  private limitedUntil = 0;
  private readonly spec: LimitSpec | null;

  constructor(
    private readonly name: string,
    readonly concurrency: number | null,
    rate: ProviderRateLimit | null,
    private readonly limiter: RateLimitStore | null,
    private readonly clock: Clock,
    private readonly logger?: Logger,
  ) {
    this.spec = rate
      ? {
          algorithm: rate.algorithm ?? 'fixed_window',
          max_requests: rate.max_requests,
          window_seconds: rate.window_seconds,
        }
      : null;
  }

  /** Sends in flight on this node. */
  get busy(): number {
    return this.inFlight;
  }

  /** Whether, as far as this node knows without asking the store, it could take a send now. */
  free(now: number): boolean {
    if (this.concurrency !== null && this.inFlight >= this.concurrency) return false;
    return this.spec === null || this.limitedUntil <= now;
  }

  /**
   * Takes a slot for one send and counts it against the rate limit; `release` gives the slot
   * back once the send is over. A refusal counts nothing.
   */
  async admit(): Promise<Admission> {
    if (this.concurrency !== null && this.inFlight >= this.concurrency) {
      return { ok: false, reason: 'concurrency', retryAt: null };
    }
    // Taken before the store is asked, so that sends admitted meanwhile see it.
    this.inFlight++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.inFlight--;
    };
    if (!this.spec) return { ok: true, release };
    const now = this.clock.now();
    if (this.limitedUntil > now) {
      release();
      return { ok: false, reason: 'rate_limit', retryAt: this.limitedUntil };
    }
    let retryAt: number;
    try {
      const decision = await this.limiter!.consume(rateKey(this.name), this.spec, 1, now);
      if (decision.allowed) return { ok: true, release };
      retryAt = now + Math.max(1, decision.retry_after_ms);
    } catch (err) {
      // The store cannot decide and fails closed: the provider waits like a limited one.
      this.logger?.warn(
        { err, provider: this.name },
        `provider ${this.name}: the rate-limit store cannot decide; its sends wait`,
      );
      retryAt = now + STORE_DOWN_RETRY_MS;
    }
    release();
    this.limitedUntil = retryAt;
    return { ok: false, reason: 'rate_limit', retryAt };
  }

  view(): LimitsView {
    const now = this.clock.now();
    return {
      concurrency: this.concurrency,
      rate_limit: this.spec
        ? {
            max_requests: this.spec.max_requests,
            window_seconds: this.spec.window_seconds,
            algorithm: this.spec.algorithm,
          }
        : null,
      in_flight: this.inFlight,
      rate_limited_until:
        this.limitedUntil > now ? new Date(this.limitedUntil).toISOString() : null,
    };
  }
}
