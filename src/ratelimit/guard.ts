import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Decision, LimitSpec, RateLimitStore } from './spec.js';

/** What to do when the store cannot decide: allow the request, or refuse it with 503. */
export type StoreErrorChoice = 'open' | 'closed';

/** Counts decisions the store could not make, by what was done instead. */
export interface StoreErrorCounter {
  inc(labels: { on_store_error: StoreErrorChoice }): void;
}

export interface GuardOptions {
  /** `ratelimit.on_store_error`. */
  onStoreError: StoreErrorChoice;
  /** `ratelimit.store_timeout_ms`: a decision slower than this counts as a store error. */
  timeoutMs: number;
  clock: Clock;
  logger: Logger;
  /** notifyd_ratelimit_store_errors_total, when metrics are on. */
  errors?: StoreErrorCounter;
  /** Least time between two warnings about store errors, in ms (default 10 s). */
  warnEveryMs?: number;
  /** Told when the store stops deciding (false) and when it decides again (true). */
  onHealthChange?: (healthy: boolean) => void;
}

/**
 * A rate-limit store that survives its backend: a decision the store cannot make in time
 * (STORE_UNAVAILABLE, or no answer within the timeout) is allowed (fail open) or refused with
 * STORE_UNAVAILABLE (fail closed), as configured. An outage would otherwise log once per
 * request: warnings come at most every `warnEveryMs`, with how many failed since the last.
 * Other errors are bugs and pass through. reset() and purgeExpired() are admin and
 * maintenance calls and fail as the store does.
 */
export function guardRateLimitStore(store: RateLimitStore, options: GuardOptions): RateLimitStore {
  const { onStoreError, timeoutMs, clock, logger, errors } = options;
  const warnEveryMs = options.warnEveryMs ?? 10_000;
  let lastWarning = Number.NEGATIVE_INFINITY;
  let unreported = 0;
  let healthy = true;
  const health = (now: boolean) => {
    if (now === healthy) return;
    healthy = now;
    options.onHealthChange?.(now);
  };

  const failed = (err: NotifydError): void => {
    health(false);
    errors?.inc({ on_store_error: onStoreError });
    unreported++;
    const now = clock.now();
    if (now - lastWarning < warnEveryMs) return;
    lastWarning = now;
    logger.warn(
      { err, failed: unreported, on_store_error: onStoreError },
      onStoreError === 'open'
        ? 'The rate-limit store cannot decide; requests are allowed without a limit.'
        : 'The rate-limit store cannot decide; requests are refused with 503.',
    );
    unreported = 0;
  };

  /** The store's answer in time; on STORE_UNAVAILABLE, `open()` or the error, as configured. */
  const decide = async <T>(ask: () => Promise<T>, open: () => T): Promise<T> => {
    try {
      const answer = await withTimeout(ask(), timeoutMs);
      health(true);
      return answer;
    } catch (err) {
      if (!(err instanceof NotifydError && err.code === 'STORE_UNAVAILABLE')) throw err;
      failed(err);
      if (onStoreError === 'closed') throw err;
      return open();
    }
  };

  return {
    consume: (key, spec, cost, now, opts) =>
      decide(
        () => store.consume(key, spec, cost, now, opts),
        () => unlimited(spec, now),
      ),
    consumeMany: (requests) =>
      decide(
        () => store.consumeMany(requests),
        () => requests.map((r) => unlimited(r.spec, r.now)),
      ),
    reset: (key) => store.reset(key),
    purgeExpired: (now) => store.purgeExpired(now),
  };
}

/** The decision of a request let through unchecked: allowed, nothing counted. */
function unlimited(spec: LimitSpec, now: number): Decision {
  const limit = spec.token_bucket?.bucket_size ?? spec.max_requests;
  return { allowed: true, limit, remaining: limit, used: 0, reset_at: now, retry_after_ms: 0 };
}

/** The store's answer, or STORE_UNAVAILABLE once `ms` have passed without one. */
function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new NotifydError(
          'STORE_UNAVAILABLE',
          `The rate-limit store did not answer within ${ms} ms.`,
        ),
      );
    }, ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
