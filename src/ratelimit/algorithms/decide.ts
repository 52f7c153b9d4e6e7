import type { Algorithm, Decision, LimitSpec } from '../spec.js';
import { advanceBurst, burstAvailable, burstExpiry, takeBurst } from './burst.js';
import type { CountingAlgorithm } from './counting.js';
import { fixedWindow } from './fixed-window.js';
import { normalQuota, penaltyQuota, type Quota } from './quota.js';
import { slidingWindow } from './sliding-window.js';
import { EPSILON, freshState, type LimiterState } from './state.js';
import { tokenBucket } from './token-bucket.js';

/** Each algorithm of a spec. */
export const ALGORITHM_IMPLS: Readonly<Record<Algorithm, CountingAlgorithm>> = {
  sliding_window: slidingWindow,
  token_bucket: tokenBucket,
  fixed_window: fixedWindow,
};

/** One decision and what to remember afterwards. */
export interface Outcome {
  decision: Decision;
  /**
   * The key's new state, or null when nothing is to be written (a dry run). A state whose
   * `expires_at` is not after `now` may be deleted instead of written.
   */
  state: LimiterState | null;
}

/**
 * Decides whether `cost` units are allowed under `spec` for a key whose stored state is
 * `stored` (null when it has none), at `now`. Pure: `stored` is left as it was. Every
 * backend runs this (Redis runs its Lua twin, lua/ratelimit.ts) inside one atomic step and
 * stores the state it returns.
 */
export function decide(
  stored: LimiterState | null,
  spec: LimitSpec,
  cost: number,
  now: number,
  dryRun = false,
): Outcome {
  const state = stored === null ? freshState(0, now) : { ...stored };
  const decision = decideInPlace(state, stored === null, spec, cost, now, dryRun);
  return { decision, state: dryRun ? null : state };
}

/**
 * decide() on a working state it changes into the new one (the memory store passes the
 * record it holds, sparing an object per decision). `absent`: the key has no stored state,
 * and `state` is only a record to fill in. For a dry run, pass a copy: it is changed too.
 *
 * In order: a penalised key counts against the penalty limit; a request that does not fit
 * may use the burst allowance (not while penalised); a request refused after that counts
 * nothing and puts the key into the penalty box, if the spec has one and it is not in it.
 */
export function decideInPlace(
  state: LimiterState,
  absent: boolean,
  spec: LimitSpec,
  cost: number,
  now: number,
  dryRun = false,
): Decision {
  const algorithm = ALGORITHM_IMPLS[spec.algorithm];
  const normal = normalQuota(spec);
  const { burst, penalty } = spec;
  if (absent || state.expires_at <= now) resetState(state, normal.initialTokens, now);

  let penalised = penalty !== undefined && state.penalty_until > now;
  if (!penalised) state.penalty_until = 0;
  let quota = penalised ? penaltyQuota(spec, normal) : normal;
  algorithm.advance(state, quota, now);
  if (burst) advanceBurst(state, now, burst);

  let usage = algorithm.usage(state, quota, now);
  let allowed = cost <= usage.available + EPSILON;
  let burstUsedNow = false;
  let entered = false;
  if (allowed) {
    algorithm.take(state, cost);
    usage = algorithm.usage(state, quota, now);
  } else if (burst && !penalised && cost <= burstAvailable(state, now, burst) + EPSILON) {
    allowed = burstUsedNow = true;
    takeBurst(state, cost, now, burst);
  } else if (penalty && !penalised && !dryRun) {
    penalised = entered = true;
    quota = penaltyQuota(spec, normal);
    state.penalty_until = now + penalty.duration_seconds * 1000;
    algorithm.advance(state, quota, now);
    usage = algorithm.usage(state, quota, now);
  }

  const decision: Decision = {
    allowed,
    limit: quota.limit,
    remaining: usage.remaining,
    used: usage.used,
    reset_at: Math.min(usage.reset_at, now + algorithm.reachMs(quota)),
    retry_after_ms: allowed ? 0 : retryAfter(algorithm, state, spec, normal, quota, cost, now),
  };
  if (burst) {
    decision.burst = {
      remaining: burstAvailable(state, now, burst),
      total: burst.max_burst,
      used_now: burstUsedNow,
      cooldown_until: state.cooldown_until > now ? state.cooldown_until : null,
    };
  }
  if (penalty) decision.penalty = { until: penalised ? state.penalty_until : null, entered };
  if (!dryRun) state.expires_at = expiry(algorithm, state, spec, normal, quota, now);
  return decision;
}

/** Makes `state` the state of a key seen for the first time. */
function resetState(state: LimiterState, initialTokens: number, now: number): void {
  state.window_start = 0;
  state.current = 0;
  state.previous = 0;
  state.tokens = initialTokens;
  state.refilled_at = now;
  state.burst_start = 0;
  state.burst_used = 0;
  state.cooldown_until = 0;
  state.penalty_until = 0;
  state.expires_at = 0;
}

/**
 * How long until `cost` fits: under the quota in force, or, for a penalised key, under the
 * normal quota once the penalty ends, whichever comes first. A cost that never fits (above
 * every limit) gets one window, so that a client told to wait does not retry at once.
 */
function retryAfter(
  algorithm: CountingAlgorithm,
  state: LimiterState,
  spec: LimitSpec,
  normal: Quota,
  quota: Quota,
  cost: number,
  now: number,
): number {
  let wait = algorithm.waitMs(state, quota, cost, now);
  const until = state.penalty_until;
  if (spec.penalty && until > now && now + wait > until) {
    const after = { ...state };
    algorithm.advance(after, normal, until);
    wait = Math.min(wait, until - now + algorithm.waitMs(after, normal, cost, until));
  }
  return Number.isFinite(wait) ? wait : normal.windowMs;
}

/**
 * When the state may be forgotten: once the counting algorithm is back to empty (under the
 * normal quota, which applies after a penalty), the burst window and cooldown are over, and
 * the penalty has ended.
 */
function expiry(
  algorithm: CountingAlgorithm,
  state: LimiterState,
  spec: LimitSpec,
  normal: Quota,
  quota: Quota,
  now: number,
): number {
  let at = state.penalty_until;
  let counted: number;
  if (at <= now && quota === normal) {
    // The common case: the state is already at `now` under the normal quota.
    counted = algorithm.usage(state, normal, now).reset_at;
  } else {
    const from = Math.max(now, at);
    const later = { ...state };
    algorithm.advance(later, normal, from);
    counted = algorithm.usage(later, normal, from).reset_at;
  }
  if (counted > now) at = Math.max(at, counted);
  if (spec.burst) at = Math.max(at, burstExpiry(state, spec.burst));
  return at;
}
