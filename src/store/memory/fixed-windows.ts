import { EPSILON, type LimiterState } from '../../ratelimit/algorithms/state.js';
import type { Decision, LimitSpec } from '../../ratelimit/spec.js';

/**
 * Whether a spec counts a plain fixed window (no burst allowance, no penalty box): the limit
 * per-user caps use (notifications.caps, one key per user, channel and window). A key counted
 * that way needs only five numbers, which the memory store keeps in `FixedWindowSlab`.
 */
export const isPlainFixedWindow = (spec: LimitSpec) =>
  spec.algorithm === 'fixed_window' && spec.burst === undefined && spec.penalty === undefined;

// A record's fields in the slab, in this order. `tokens` and `refilled_at` are what a
// LimiterState of the same key would hold (set when the record starts, never changed by a
// fixed window), kept so that a key whose limit changes algorithm reads what it would have.
const WINDOW_START = 0;
const CURRENT = 1;
const TOKENS = 2;
const REFILLED_AT = 3;
const EXPIRES_AT = 4;
const STRIDE = 5;
const FIRST_CAPACITY = 64;

/**
 * Plain fixed-window records, five numbers each in one Float64Array, addressed by slot: a
 * key costs the memory store its map entry and 40 bytes, where a LimiterState object with its
 * boxed numbers costs about 150. A topic send of 100,000 members counts ~250,000 cap keys that
 * live for an hour (a day for email). Slot 0 is scratch, for dry runs and keys not yet stored.
 */
export class FixedWindowSlab {
  private data = new Float64Array(FIRST_CAPACITY * STRIDE);
  private free: number[] = [];
  private next = 1;
  private live = 0;

  /** A slot for a new record, holding a copy of the scratch slot. */
  keep(): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.next++;
      if (slot * STRIDE >= this.data.length) {
        const grown = new Float64Array(this.data.length * 2);
        grown.set(this.data);
        this.data = grown;
      }
    }
    this.data.copyWithin(slot * STRIDE, 0, STRIDE);
    this.live++;
    return slot;
  }

  /** Gives a slot back; with no record left, the slab starts small again. */
  release(slot: number): void {
    this.live--;
    if (this.live === 0) {
      this.data = new Float64Array(FIRST_CAPACITY * STRIDE);
      this.free = [];
      this.next = 1;
      return;
    }
    this.free.push(slot);
  }

  /** Copies a slot into the scratch slot (0) and returns 0. */
  scratchOf(slot: number): number {
    this.data.copyWithin(0, slot * STRIDE, slot * STRIDE + STRIDE);
    return 0;
  }

  expiresAt(slot: number): number {
    return this.data[slot * STRIDE + EXPIRES_AT] as number;
  }

  /** The record as the LimiterState a generic decision would have left for the key. */
  toState(slot: number): LimiterState {
    const d = this.data;
    const at = slot * STRIDE;
    return {
      window_start: d[at + WINDOW_START] as number,
      current: d[at + CURRENT] as number,
      previous: 0,
      tokens: d[at + TOKENS] as number,
      refilled_at: d[at + REFILLED_AT] as number,
      burst_start: 0,
      burst_used: 0,
      cooldown_until: 0,
      penalty_until: 0,
      expires_at: d[at + EXPIRES_AT] as number,
    };
  }

  /**
   * decideInPlace() (ratelimit/algorithms/decide.ts) for a plain fixed window, on the record
   * in `slot`: the same decision and the same record afterwards (test/store/
   * memory-fixed-windows.test.ts replays sequences against decide()). `absent`: the slot is
   * only space to fill in.
   */
  decide(
    slot: number,
    absent: boolean,
    spec: LimitSpec,
    cost: number,
    now: number,
    dryRun: boolean,
  ): Decision {
    const d = this.data;
    const at = slot * STRIDE;
    const limit = spec.max_requests;
    const windowMs = spec.window_seconds * 1000;
    if (absent || (d[at + EXPIRES_AT] as number) <= now) {
      d[at + WINDOW_START] = 0;
      d[at + CURRENT] = 0;
      d[at + TOKENS] = limit;
      d[at + REFILLED_AT] = now;
      d[at + EXPIRES_AT] = 0;
    }
    const start = now - (now % windowMs);
    if (start > (d[at + WINDOW_START] as number)) {
      d[at + WINDOW_START] = start;
      d[at + CURRENT] = 0;
    }
    const windowStart = d[at + WINDOW_START] as number;
    let current = d[at + CURRENT] as number;
    const allowed = cost <= limit - current + EPSILON;
    let retryAfter = 0;
    if (allowed) {
      current += cost;
      d[at + CURRENT] = current;
    } else if (cost > limit + EPSILON) {
      retryAfter = windowMs;
    } else if (current + cost > limit + EPSILON) {
      retryAfter = windowStart + windowMs - now;
    }
    const resetAt = current > 0 ? windowStart + windowMs : now;
    if (!dryRun) d[at + EXPIRES_AT] = resetAt > now ? Math.max(0, resetAt) : 0;
    return {
      allowed,
      limit,
      remaining: Math.max(0, Math.floor(limit - current + EPSILON)),
      used: Math.ceil(current - EPSILON),
      // As far as decide() reports (fixedWindow.reachMs): a state from a clock ahead.
      reset_at: Math.min(resetAt, now + windowMs),
      retry_after_ms: retryAfter,
    };
  }
}
