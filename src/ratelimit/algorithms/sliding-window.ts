import { type CountingAlgorithm, windowStart } from './counting.js';
import type { Quota } from './quota.js';
import { EPSILON, type LimiterState } from './state.js';

/**
 * Sliding window counter: fixed windows aligned to the epoch, and at any moment the count is
 * the current window's plus the previous window's weighted by how much of it the sliding
 * window still covers, rounded down to whole units. Two numbers per key instead of a log of
 * every request, and within a fraction of a percent of the exact sliding log at steady load
 * (test/ratelimit/accuracy.test.ts). Rounding down matters: with the fraction kept, the
 * previous window never quite stops weighing, and a busy key gets one unit less than its
 * limit per window (1% of a limit of 100).
 */
export const slidingWindow: CountingAlgorithm = {
  advance(state, quota, now) {
    const start = windowStart(now, quota.windowMs);
    // A caller whose clock is behind the one that wrote the state counts in its window.
    if (start <= state.window_start) return;
    state.previous = start === state.window_start + quota.windowMs ? state.current : 0;
    state.current = 0;
    state.window_start = start;
  },

  usage(state, quota, now) {
    const counted = countAt(state, quota.windowMs, now);
    const available = quota.limit - counted;
    let reset_at = now;
    if (state.current > 0) reset_at = state.window_start + 2 * quota.windowMs;
    else if (state.previous > 0) reset_at = state.window_start + quota.windowMs;
    return {
      available,
      used: Math.ceil(counted - EPSILON),
      remaining: Math.max(0, Math.floor(available + EPSILON)),
      reset_at,
    };
  },

  take(state, cost) {
    state.current += cost;
  },

  waitMs(state, quota, cost, now) {
    const { limit, windowMs } = quota;
    if (cost > limit + EPSILON) return Number.POSITIVE_INFINITY;
    const elapsed = clampElapsed(now - state.window_start, windowMs);
    const room = limit - cost - state.current;
    let wait: number;
    if (room >= -EPSILON) {
      // It fits in this window once the previous window's weighted count is down to `room`.
      wait = state.previous > 0 ? fallsTo(state.previous, room, windowMs) - elapsed : 0;
    } else {
      // Only in the next window, where this window's count becomes the weighted one.
      wait = windowMs - elapsed + fallsTo(state.current, limit - cost, windowMs);
    }
    // The formula is exact; floating point may be a millisecond off either way, which the
    // same arithmetic that decides corrects.
    wait = Math.max(0, wait);
    while (!fitsAt(state, quota, cost, now + wait)) wait++;
    while (wait > 0 && fitsAt(state, quota, cost, now + wait - 1)) wait--;
    return wait;
  },

  reachMs(quota) {
    return 2 * quota.windowMs;
  },
};

/**
 * How far into a window (ms) a previous count of `previous` has weighed down to at most
 * `room` whole units: the first moment `floor(previous × (W − e) / W) ≤ floor(room)`.
 */
function fallsTo(previous: number, room: number, windowMs: number): number {
  const most = Math.floor(room + EPSILON) + 1;
  return Math.max(0, Math.floor(windowMs - (most * windowMs) / previous) + 1);
}

function fitsAt(state: LimiterState, quota: Quota, cost: number, at: number): boolean {
  const later = { ...state };
  slidingWindow.advance(later, quota, at);
  return countAt(later, quota.windowMs, at) + cost <= quota.limit + EPSILON;
}

/** The count at `now` of a state already advanced to `now`. */
function countAt(state: LimiterState, windowMs: number, now: number): number {
  if (state.previous <= 0) return state.current;
  const elapsed = clampElapsed(now - state.window_start, windowMs);
  const weighted = (state.previous * (windowMs - elapsed)) / windowMs;
  return Math.floor(weighted + EPSILON) + state.current;
}

function clampElapsed(elapsed: number, windowMs: number): number {
  return elapsed < 0 ? 0 : elapsed > windowMs ? windowMs : elapsed;
}
