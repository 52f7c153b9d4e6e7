import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { runPeriodically } from '../core/periodic.js';
import type { Store } from '../store/types.js';

/**
 * Forgets expired idempotency keys, counters and rate-limit state on a timer, so they do not pile up. The
 * timer does not keep the process alive; `stop` ends it.
 */
export function startMaintenance(
  store: Store,
  clock: Clock,
  logger: Logger,
  everyMs: number,
): () => void {
  return runPeriodically(
    async () => {
      const now = clock.now();
      const keys = await store.notifications.purgeExpiredIdempotency(now);
      const counters = await store.counters.purgeExpired(now);
      const limits = await store.ratelimit.purgeExpired(now);
      if (keys + counters + limits > 0) {
        logger.debug({ keys, counters, limits }, 'purged expired entries');
      }
    },
    everyMs,
    logger,
    'maintenance failed; will retry',
  );
}
