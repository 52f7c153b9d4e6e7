import { decide, decideInPlace } from '../../ratelimit/algorithms/decide.js';
import type { LimiterState } from '../../ratelimit/algorithms/state.js';
import type { Decision, LimitSpec, RateLimitStore } from '../../ratelimit/spec.js';
import { FixedWindowSlab, isPlainFixedWindow } from './fixed-windows.js';
import type { OpenState } from './open-state.js';

/** consume()'s options. */
type Options = Parameters<RateLimitStore['consume']>[4];
const DRY: Options = { dryRun: true };

/**
 * Limiter state in this process. JavaScript runs one decision at a time, so each is atomic
 * without locks; the work is synchronous (`decideNow`) and the async interface only wraps it,
 * which keeps an in-process decision around a microsecond.
 *
 * A key holds a LimiterState object, or, while only plain fixed windows count it (per-user
 * caps), the number of its slot in `windows`: five numbers instead of an object of ten. A
 * key counted under another spec becomes an object then, with the same fields.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly states = new Map<string, LimiterState | number>();
  private readonly windows = new FixedWindowSlab();

  constructor(private readonly open: OpenState) {}

  /** The decision of consume(), made synchronously. */
  decideNow(key: string, spec: LimitSpec, cost: number, now: number, options?: Options): Decision {
    this.open.check();
    let stored = this.states.get(key);
    const dryRun = options?.dryRun === true;
    if (isPlainFixedWindow(spec) && typeof stored !== 'object') {
      return this.decideWindow(key, stored, spec, cost, now, dryRun);
    }
    if (typeof stored === 'number') {
      const slot = stored;
      stored = this.windows.toState(slot);
      this.windows.release(slot);
      this.states.set(key, stored);
    }
    if (dryRun) return decide(stored ?? null, spec, cost, now, true).decision;
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

  /** decideNow() for a plain fixed window on a key without a LimiterState object. */
  private decideWindow(
    key: string,
    slot: number | undefined,
    spec: LimitSpec,
    cost: number,
    now: number,
    dryRun: boolean,
  ): Decision {
    const { windows } = this;
    if (slot === undefined || dryRun) {
      const scratch = slot === undefined ? 0 : windows.scratchOf(slot);
      const decision = windows.decide(scratch, slot === undefined, spec, cost, now, dryRun);
      if (!dryRun && windows.expiresAt(0) > now) this.states.set(key, windows.keep());
      return decision;
    }
    const decision = windows.decide(slot, false, spec, cost, now, false);
    if (windows.expiresAt(slot) <= now) {
      this.states.delete(key);
      windows.release(slot);
    }
    return decision;
  }

  /** The state stored for `key` (a copy), or null: for tests that check a decision against it. */
  stateOf(key: string): LimiterState | null {
    const stored = this.states.get(key);
    if (stored === undefined) return null;
    return typeof stored === 'number' ? this.windows.toState(stored) : { ...stored };
  }

  consume: RateLimitStore['consume'] = async (key, spec, cost, now, options) =>
    this.decideNow(key, spec, cost, now, options);

  consumeMany: RateLimitStore['consumeMany'] = async (requests) =>
    requests.map((r) => this.decideNow(r.key, r.spec, r.cost, r.now, r.dryRun ? DRY : undefined));

  async reset(key: string): Promise<void> {
    this.open.check();
    const stored = this.states.get(key);
    if (typeof stored === 'number') this.windows.release(stored);
    this.states.delete(key);
  }

  async purgeExpired(now: number): Promise<number> {
    this.open.check();
    let deleted = 0;
    for (const [key, stored] of this.states) {
      const expiresAt =
        typeof stored === 'number' ? this.windows.expiresAt(stored) : stored.expires_at;
      if (expiresAt > now) continue;
      if (typeof stored === 'number') this.windows.release(stored);
      this.states.delete(key);
      deleted++;
    }
    return deleted;
  }
}
