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
 * One way of counting (sliding window, fixed window, token bucket). `advance` and `take`
 * change the working state they are given (decide() hands them its own copy, and the memory
 * store its own record: a new object per step would cost the in-process limiter half its
 * speed); the others only read it. Time comes only from the `now` given.
 */
export interface CountingAlgorithm {
  /** Brings the state to `now`: windows rolled over, the bucket refilled. */
  advance(state: LimiterState, quota: Quota, now: number): void;
  /** Usage of an advanced state at `now`. */
  usage(state: LimiterState, quota: Quota, now: number): Usage;
  /** Counts `cost` units in an advanced state. */
  take(state: LimiterState, cost: number): void;
  /**
   * Milliseconds from `now` until `cost` units fit if nothing else is counted meanwhile;
   * Infinity when they never will (a cost above the limit).
   */
  waitMs(state: LimiterState, quota: Quota, cost: number, now: number): number;
  /**
   * The furthest a reported reset may lie after `now`: a fixed window ends within one
   * window, a sliding window's count stops weighing within two; Infinity for no bound (a
   * bucket's is its size over its rate, which usage() already keeps to). A state written by
   * a node whose clock is ahead is counted in that node's window, whose end may lie further
   * by the clocks' difference: decide() reports no more than this.
   */
  reachMs(quota: Quota): number;
}

/** The start of the window of length `windowMs` that holds `now` (windows align to the epoch). */
export function windowStart(now: number, windowMs: number): number {
  return now - (now % windowMs);
}
