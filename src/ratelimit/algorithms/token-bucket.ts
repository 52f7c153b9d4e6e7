import type { CountingAlgorithm } from './counting.js';
import { EPSILON } from './state.js';

/**
 * Token bucket: a request takes `cost` tokens; tokens come back continuously at the refill
 * rate up to the bucket's size. The bucket size is the burst a quiet client may spend at
 * once; the refill rate is the sustained rate.
 */
export const tokenBucket: CountingAlgorithm = {
  advance(state, quota, now) {
    const elapsed = now > state.refilled_at ? now - state.refilled_at : 0;
    state.tokens = Math.min(quota.limit, state.tokens + elapsed * quota.refillPerMs);
    if (elapsed > 0) state.refilled_at = now;
  },

  usage(state, quota, now) {
    const remaining = Math.max(0, Math.floor(state.tokens + EPSILON));
    const missing = quota.limit - state.tokens;
    return {
      available: state.tokens,
      used: Math.max(0, quota.limit - remaining),
      remaining,
      reset_at:
        missing <= EPSILON || quota.refillPerMs <= 0
          ? now
          : now + Math.ceil(missing / quota.refillPerMs - EPSILON),
    };
  },

  take(state, cost) {
    state.tokens -= cost;
  },

  waitMs(state, quota, cost) {
    if (cost > quota.limit + EPSILON) return Number.POSITIVE_INFINITY;
    const missing = cost - state.tokens;
    if (missing <= EPSILON) return 0;
    if (quota.refillPerMs <= 0) return Number.POSITIVE_INFINITY;
    return Math.ceil(missing / quota.refillPerMs - EPSILON);
  },

  reachMs() {
    return Number.POSITIVE_INFINITY;
  },
};
