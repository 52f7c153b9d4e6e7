import type { LimitSpec } from '../spec.js';
import { EPSILON, type LimiterState } from './state.js';

/** A spec's burst allowance. */
export type Burst = NonNullable<LimitSpec['burst']>;

/**
 * The burst state brought to `now`: a cooldown that ended gives the whole allowance back,
 * and so does the end of the burst window.
 */
export function advanceBurst(state: LimiterState, now: number, burst: Burst): LimiterState {
  if (state.cooldown_until > 0) {
    if (now < state.cooldown_until) return state;
    return { ...state, burst_start: 0, burst_used: 0, cooldown_until: 0 };
  }
  if (state.burst_start > 0 && now >= state.burst_start + burst.burst_window_seconds * 1000) {
    return { ...state, burst_start: 0, burst_used: 0 };
  }
  return state;
}

/** Burst units available now (0 during a cooldown) of an advanced state. */
export function burstAvailable(state: LimiterState, now: number, burst: Burst): number {
  if (state.cooldown_until > now) return 0;
  return Math.max(0, burst.max_burst - state.burst_used);
}

/**
 * Counts `cost` units against the burst allowance. Using it up starts the cooldown: no
 * burst until `cooldown_seconds` from now, nor before the burst window ends (so that a
 * cooldown of 0 cannot turn the allowance into an unlimited one).
 */
export function takeBurst(
  state: LimiterState,
  cost: number,
  now: number,
  burst: Burst,
): LimiterState {
  const burst_start = state.burst_start > 0 ? state.burst_start : now;
  const burst_used = state.burst_used + cost;
  let cooldown_until = 0;
  if (burst_used >= burst.max_burst - EPSILON) {
    cooldown_until = Math.max(
      now + burst.cooldown_seconds * 1000,
      burst_start + burst.burst_window_seconds * 1000,
    );
  }
  return { ...state, burst_start, burst_used, cooldown_until };
}

/** When the burst state says nothing a fresh one would not; 0 when already. */
export function burstExpiry(state: LimiterState, burst: Burst): number {
  if (state.cooldown_until > 0) return state.cooldown_until;
  if (state.burst_start > 0) return state.burst_start + burst.burst_window_seconds * 1000;
  return 0;
}
