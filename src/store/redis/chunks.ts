import type { LuaScript } from '../../redis/script.js';
import type { RedisHandle } from './handle.js';

/**
 * How many records one script call of a bulk change handles. Redis runs one script at a time,
 * so a bulk change (mark all read, purges) is done in chunks that let other calls in between.
 */
export const CHUNK = 500;

/** Runs a purge script (ARGV: now, chunk) until a chunk comes back short; sums the counts. */
export async function purgeInChunks(h: RedisHandle, script: LuaScript, now: number) {
  let purged = 0;
  for (;;) {
    const n = (await h.script(script, [now, CHUNK])) as number;
    purged += n;
    if (n < CHUNK) return purged;
  }
}
