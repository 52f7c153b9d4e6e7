import type { Clock } from '../core/clock.js';
import { idAt } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/types.js';

const DAY_MS = 86_400_000;
/** Notifications deleted per store call, and calls per run: a run stays short. */
const CHUNK = 1000;
const CHUNKS_PER_RUN = 50;

/**
 * Retention: notifications older than `notifications.retention_days` are deleted for good,
 * with their deliveries (and send requests that old), by a periodic job (0 days: kept forever). Age is the id's time,
 * which is the creation time, so the store finds them by its primary key.
 */
export class Retention {
  constructor(
    private readonly deps: { store: Store; clock: Clock; logger: Logger; days: number },
  ) {}

  /** Deletes what is past retention now, at most CHUNK × CHUNKS_PER_RUN; resolves to how many. */
  async run(): Promise<number> {
    const { store, clock, days, logger } = this.deps;
    if (days <= 0) return 0;
    const before = idAt('ntf', clock.now() - days * DAY_MS);
    let deleted = 0;
    for (let i = 0; i < CHUNKS_PER_RUN; i++) {
      const n = await store.notifications.purgeBefore(before, CHUNK);
      deleted += n;
      if (n < CHUNK) break;
    }
    if (deleted > 0) logger.info({ deleted, days }, 'deleted notifications past retention');
    // Send requests (GET /requests) go with the notifications they sent.
    let requests = 0;
    for (let i = 0; i < CHUNKS_PER_RUN; i++) {
      const n = await store.requests.purgeBefore(clock.now() - days * DAY_MS, CHUNK);
      requests += n;
      if (n < CHUNK) break;
    }
    if (requests > 0) logger.info({ requests, days }, 'deleted send requests past retention');
    return deleted;
  }
}
