import type { CounterStore } from '../types.js';
import { purgeInChunks } from './chunks.js';
import type { RedisHandle } from './handle.js';
import { INCREMENT, PURGE_COUNTERS } from './lua/counters.js';

/**
 * Counters with expiry in Redis: a hash per counter holding its value and its expiry on the
 * caller's clock, with a TTL so Redis drops it by itself, and an expiry index for purging.
 */
export class RedisCounterStore implements CounterStore {
  constructor(private readonly h: RedisHandle) {}

  increment(key: string, by: number, ttlMs: number, now: number): Promise<number> {
    return this.h.run(async () => Number(await this.h.script(INCREMENT, [key, by, ttlMs, now])));
  }

  get(key: string, now: number): Promise<number> {
    return this.h.run(async (client) => {
      const [value, expiresAt] = await client.hmget(
        this.h.names.counter(key),
        'value',
        'expires_at',
      );
      return value !== null && Number(expiresAt) > now ? Number(value) : 0;
    });
  }

  purgeExpired(now: number): Promise<number> {
    return this.h.run(() => purgeInChunks(this.h, PURGE_COUNTERS, now));
  }
}
