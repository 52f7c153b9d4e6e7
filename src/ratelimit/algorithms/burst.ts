import type { LimitSpec } from '../spec.js';
import { EPSILON, type LimiterState } from './state.js';

/** A spec's burst allowance. */
export type Burst = NonNullable<LimitSpec['burst']>;

/**
 * Brings the burst state to `now`: a cooldown that ended gives the whole allowance back, and
 * so does the end of the burst window. Changes the working state it is given.
 */
export function advanceBurst(state: LimiterState, now: number, burst: Burst): void {
  if (state.cooldown_until > 0) {
    if (now < state.cooldown_until) return;
    state.cooldown_until = 0;
  } else if (
    state.burst_start <= 0 ||
    now < state.burst_start + burst.burst_window_seconds * 1000
  ) {
    return;
  }
  state.burst_start = 0;
  state.burst_used = 0;
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
export function takeBurst(state: LimiterState, cost: number, now: number, burst: Burst): void {
  if (state.burst_start <= 0) state.burst_start = now;
  state.burst_used += cost;
  if (state.burst_used >= burst.max_burst - EPSILON) {
    state.cooldown_until = Math.max(
      now + burst.cooldown_seconds * 1000,
      state.burst_start + burst.burst_window_seconds * 1000,
    );
  }
}

/** When the burst state says nothing a fresh one would not; 0 when already. */
export function burstExpiry(state: LimiterState, burst: Burst): number {
  if (state.cooldown_until > 0) return state.cooldown_until;
  if (state.burst_start > 0) return state.burst_start + burst.burst_window_seconds * 1000;
  return 0;
}
