import type { PolicyData } from './schemas.js';
import type { LimitSpec } from './spec.js';

/** What an active adjustment puts in place of a rule's limits. */
export interface LimitOverride {
  max_requests: number;
  window_seconds: number | null;
}

/**
 * One limit of a policy as the limiter takes it. An adjustment replaces the count and, when
 * it names one, the window; a token bucket configured in numbers then gives way to the one
 * derived from the new limit, so that the adjusted limit is what is enforced.
 */
export function toLimitSpec(
  policy: PolicyData,
  limit: PolicyData['limits'][number],
  override?: LimitOverride,
): LimitSpec {
  const windowSeconds = override?.window_seconds ?? limit.window_seconds;
  const spec: LimitSpec = {
    algorithm: policy.algorithm,
    max_requests: override?.max_requests ?? limit.max_requests,
    window_seconds: windowSeconds,
  };
  if (policy.algorithm === 'token_bucket' && policy.token_bucket && !override) {
    const b = policy.token_bucket;
    spec.token_bucket = {
      refill_per_second: b.refill_rate,
      bucket_size: b.bucket_size,
      initial_tokens: b.initial_tokens ?? b.bucket_size,
    };
  }
  if (policy.burst) {
    spec.burst = {
      max_burst: policy.burst.max_burst,
      burst_window_seconds: policy.burst.burst_window_seconds ?? windowSeconds,
      cooldown_seconds: policy.burst.cooldown_seconds ?? 0,
    };
  }
  const t = policy.throttle;
  if (
    t.mode === 'penalty_box' &&
    t.penalty_max_requests !== undefined &&
    t.penalty_duration_seconds !== undefined
  ) {
    spec.penalty = {
      max_requests: t.penalty_max_requests,
      duration_seconds: t.penalty_duration_seconds,
    };
  }
  return spec;
}
