import { type CountingAlgorithm, windowStart } from './counting.js';
import { EPSILON, type LimiterState } from './state.js';

/**
 * Sliding window counter: fixed windows aligned to the epoch, and at any moment the count is
 * the current window's plus the previous window's weighted by how much of it the sliding
 * window still covers. Two numbers per key instead of a log of every request, and within a
 * fraction of a percent of the exact sliding log at steady load (test/ratelimit/accuracy).
 */
export const slidingWindow: CountingAlgorithm = {
  advance(state, quota, now) {
    const start = windowStart(now, quota.windowMs);
    // A caller whose clock is behind the one that wrote the state counts in its window.
    if (start <= state.window_start) return state;
    const previous = start === state.window_start + quota.windowMs ? state.current : 0;
    return { ...state, window_start: start, current: 0, previous };
  },

  usage(state, quota, now) {
    const estimate = estimateAt(state, quota.windowMs, now);
    const available = quota.limit - estimate;
    let reset_at = now;
    if (state.current > 0) reset_at = state.window_start + 2 * quota.windowMs;
    else if (state.previous > 0) reset_at = state.window_start + quota.windowMs;
    return {
      available,
      used: Math.max(0, Math.ceil(estimate - EPSILON)),
      remaining: Math.max(0, Math.floor(available + EPSILON)),
      reset_at,
    };
  },

  take(state, cost) {
    return { ...state, current: state.current + cost };
  },

  waitMs(state, quota, cost, now) {
    const { limit, windowMs } = quota;
    if (cost > limit + EPSILON) return Number.POSITIVE_INFINITY;
    const elapsed = clampElapsed(now - state.window_start, windowMs);
    const room = limit - cost - state.current;
    if (room >= -EPSILON) {
      // It fits in this window once the previous window's weight has fallen far enough.
      if (state.previous <= 0) return 0;
      const wait = windowMs - elapsed - (room * windowMs) / state.previous;
      return Math.max(0, Math.ceil(wait - EPSILON));
    }
    // Only in the next window, where this window's count becomes the weighted one.
    const untilNext = windowMs - elapsed;
    const intoNext = windowMs - ((limit - cost) * windowMs) / state.current;
    return untilNext + Math.max(0, Math.ceil(intoNext - EPSILON));
  },
};

/** The weighted count at `now` of a state already advanced to `now`. */
function estimateAt(state: LimiterState, windowMs: number, now: number): number {
  if (state.previous <= 0) return state.current;
  const elapsed = clampElapsed(now - state.window_start, windowMs);
  return (state.previous * (windowMs - elapsed)) / windowMs + state.current;
}

function clampElapsed(elapsed: number, windowMs: number): number {
  return elapsed < 0 ? 0 : elapsed > windowMs ? windowMs : elapsed;
}
