import { type CountingAlgorithm, windowStart } from './counting.js';
import { EPSILON } from './state.js';

/**
 * Fixed window: a count per window aligned to the epoch, starting again at 0 with each
 * window. The cheapest and the easiest to explain; a client may use up to twice the limit
 * across a window boundary, which the sliding window avoids.
 */
export const fixedWindow: CountingAlgorithm = {
  advance(state, quota, now) {
    const start = windowStart(now, quota.windowMs);
    if (start <= state.window_start) return;
    state.window_start = start;
    state.current = 0;
    state.previous = 0;
  },

  usage(state, quota, now) {
    const available = quota.limit - state.current;
    return {
      available,
      used: Math.ceil(state.current - EPSILON),
      remaining: Math.max(0, Math.floor(available + EPSILON)),
      reset_at: state.current > 0 ? state.window_start + quota.windowMs : now,
    };
  },

  take(state, cost) {
    state.current += cost;
  },

  waitMs(state, quota, cost, now) {
    if (cost > quota.limit + EPSILON) return Number.POSITIVE_INFINITY;
    if (state.current + cost <= quota.limit + EPSILON) return 0;
    return state.window_start + quota.windowMs - now;
  },

  reachMs(quota) {
    return quota.windowMs;
  },
};
