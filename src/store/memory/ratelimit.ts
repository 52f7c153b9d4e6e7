import { decide, decideInPlace } from '../../ratelimit/algorithms/decide.js';
import type { LimiterState } from '../../ratelimit/algorithms/state.js';
import type { Decision, LimitSpec, RateLimitStore } from '../../ratelimit/spec.js';
import { deleteExpired } from './maps.js';
import type { OpenState } from './open-state.js';

/** consume()'s options. */
type Options = Parameters<RateLimitStore['consume']>[4];

/**
 * Limiter state in this process. JavaScript runs one decision at a time, so each is atomic
 * without locks; the work is synchronous (`decideNow`) and the async interface only wraps it,
 * which keeps an in-process decision around a microsecond.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly states = new Map<string, LimiterState>();

  constructor(private readonly open: OpenState) {}

  /** The decision of consume(), made synchronously. */
  decideNow(key: string, spec: LimitSpec, cost: number, now: number, options?: Options): Decision {
    this.open.check();
    const stored = this.states.get(key);
    if (options?.dryRun) return decide(stored ?? null, spec, cost, now, true).decision;
    if (stored) {
      // Decided in the record the map holds rather than in a new one: a new record per
      // decision would keep tens of thousands of young objects alive in a busy map, and the
      // garbage collector would copy them all at every scavenge (half the throughput).
      const decision = decideInPlace(stored, false, spec, cost, now);
      if (stored.expires_at <= now) this.states.delete(key);
      return decision;
    }
    const { decision, state } = decide(null, spec, cost, now);
    if (state && state.expires_at > now) this.states.set(key, state);
    return decision;
  }

  consume: RateLimitStore['consume'] = async (key, spec, cost, now, options) =>
    this.decideNow(key, spec, cost, now, options);

  async reset(key: string): Promise<void> {
    this.open.check();
    this.states.delete(key);
  }

  async purgeExpired(now: number): Promise<number> {
    this.open.check();
    return deleteExpired(this.states, now);
  }
}
