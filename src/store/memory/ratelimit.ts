import { decide } from '../../ratelimit/algorithms/decide.js';
import type { LimiterState } from '../../ratelimit/algorithms/state.js';
import type { Decision, LimitSpec, RateLimitStore } from '../../ratelimit/spec.js';
import type { OpenState } from './open-state.js';

/**
 * Limiter state in this process. JavaScript runs one decision at a time, so each is atomic
 * without locks; the work is synchronous (`decideNow`) and the async interface only wraps it,
 * which keeps an in-process decision around a microsecond.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly states = new Map<string, LimiterState>();

  constructor(private readonly open: OpenState) {}

  /** The decision of consume(), made synchronously. */
  decideNow(
    key: string,
    spec: LimitSpec,
    cost: number,
    now: number,
    options?: { dryRun?: boolean },
  ): Decision {
    this.open.check();
    const { decision, state } = decide(
      this.states.get(key) ?? null,
      spec,
      cost,
      now,
      options?.dryRun,
    );
    if (state !== null) {
      if (state.expires_at > now) this.states.set(key, state);
      else this.states.delete(key);
    }
    return decision;
  }

  async consume(
    key: string,
    spec: LimitSpec,
    cost: number,
    now: number,
    options?: { dryRun?: boolean },
  ): Promise<Decision> {
    return this.decideNow(key, spec, cost, now, options);
  }

  async reset(key: string): Promise<void> {
    this.open.check();
    this.states.delete(key);
  }

  async purgeExpired(now: number): Promise<number> {
    this.open.check();
    let purged = 0;
    for (const [key, state] of this.states) {
      if (state.expires_at <= now) {
        this.states.delete(key);
        purged++;
      }
    }
    return purged;
  }
}
