import type { Quota } from './quota.js';
import type { LimiterState } from './state.js';

/** How much of a quota a key has used at one moment. */
export interface Usage {
  /** Units that may still be counted now, exactly (a sliding window makes fractions). */
  available: number;
  /** Units counted, rounded up; for a bucket, the limit minus the whole tokens left. */
  used: number;
  /** Whole units that may still be counted now, never below 0. */
  remaining: number;
  /** When nothing is counted any more (the window empty, the bucket full); `now` if already. */
  reset_at: number;
}

/**
 * One way of counting (sliding window, fixed window, token bucket). Every function is pure:
 * it reads a state and returns a new one, never changing its argument, and depends on time
 * only through the `now` it is given.
 */
export interface CountingAlgorithm {
  /** The state brought to `now`: windows rolled over, the bucket refilled. */
  advance(state: LimiterState, quota: Quota, now: number): LimiterState;
  /** Usage of an advanced state at `now`. */
  usage(state: LimiterState, quota: Quota, now: number): Usage;
  /** An advanced state with `cost` units counted. */
  take(state: LimiterState, cost: number): LimiterState;
  /**
   * Milliseconds from `now` until `cost` units fit if nothing else is counted meanwhile;
   * Infinity when they never will (a cost above the limit).
   */
  waitMs(state: LimiterState, quota: Quota, cost: number, now: number): number;
}

/** The start of the window of length `windowMs` that holds `now` (windows align to the epoch). */
export function windowStart(now: number, windowMs: number): number {
  return now - (now % windowMs);
}
