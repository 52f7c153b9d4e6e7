import type { LimitSpec } from '../spec.js';

/**
 * A limit as an algorithm counts it, in milliseconds: the spec's own limit, or the lower one
 * of its penalty box while the key is in it.
 */
export interface Quota {
  /** Units per window; for a bucket, the most tokens it holds. */
  limit: number;
  windowMs: number;
  /** Token bucket: tokens added per millisecond. */
  refillPerMs: number;
  /** Token bucket: tokens of a new bucket. */
  initialTokens: number;
}

/** The quota of a spec when the key is not penalised. */
export function normalQuota(spec: LimitSpec): Quota {
  const windowMs = spec.window_seconds * 1000;
  const bucket = spec.algorithm === 'token_bucket' ? spec.token_bucket : undefined;
  if (bucket) {
    return {
      limit: bucket.bucket_size,
      windowMs,
      refillPerMs: bucket.refill_per_second / 1000,
      initialTokens: bucket.initial_tokens,
    };
  }
  return {
    limit: spec.max_requests,
    windowMs,
    refillPerMs: spec.max_requests / windowMs,
    initialTokens: spec.max_requests,
  };
}

/**
 * The quota while in the penalty box: `penalty.max_requests` per window; a bucket holds at
 * most that many tokens and refills that many per window.
 */
export function penaltyQuota(spec: LimitSpec, normal: Quota): Quota {
  const limit = spec.penalty?.max_requests ?? normal.limit;
  return {
    limit,
    windowMs: normal.windowMs,
    refillPerMs: limit / normal.windowMs,
    initialTokens: Math.min(limit, normal.initialTokens),
  };
}
