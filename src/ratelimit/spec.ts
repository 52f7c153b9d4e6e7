/**
 * The contract between the policy model (what admins configure) and the limiter (what
 * decides one request). The model resolves a request to one or more `LimitSpec`s, each with
 * the key it counts under; the limiter decides each against the rate-limit store. Times are
 * epoch milliseconds, like every store in notifyd.
 */

export const ALGORITHMS = ['sliding_window', 'token_bucket', 'fixed_window'] as const;
/** How a limit counts: a weighted sliding window (the default), a token bucket, or fixed windows. */
export type Algorithm = (typeof ALGORITHMS)[number];

export const LIMIT_SCOPES = ['endpoint', 'user', 'tenant', 'ip', 'api_key'] as const;
/** What a limit is counted per. */
export type LimitScope = (typeof LIMIT_SCOPES)[number];

/** One limit, resolved: everything the limiter needs to decide one request against it. */
export interface LimitSpec {
  algorithm: Algorithm;
  /** Requests (or cost units, for a cost-based limit) allowed per window. */
  max_requests: number;
  window_seconds: number;
  /** Token bucket only; without it the bucket holds `max_requests` and refills them per window. */
  token_bucket?: {
    /** Tokens added per second. */
    refill_per_second: number;
    /** Most tokens the bucket holds. */
    bucket_size: number;
    /** Tokens a new bucket starts with. */
    initial_tokens: number;
  };
  /**
   * Up to `max_burst` units beyond the limit, counted over `burst_window_seconds`; once the
   * burst allowance is used up it is not available again for `cooldown_seconds`.
   */
  burst?: { max_burst: number; burst_window_seconds: number; cooldown_seconds: number };
  /**
   * Penalty box: a key that exceeds the limit is held to `max_requests` per window for
   * `duration_seconds` from that moment.
   */
  penalty?: { max_requests: number; duration_seconds: number };
}

/** What the limiter decided for one key against one limit. */
export interface Decision {
  allowed: boolean;
  /** The limit in force (the penalty limit while in the penalty box). */
  limit: number;
  /** Units still allowed now, never below 0. */
  remaining: number;
  /** Units counted in the current window (for a bucket: limit minus tokens left). */
  used: number;
  /**
   * When nothing is counted any more (the whole limit back), epoch ms: a fixed window's end, a
   * full bucket, and for a sliding window the end of the next window, where this one's count
   * stops weighing. Not when the next unit fits (that is `retry_after_ms`).
   */
  reset_at: number;
  /** When refused, how long until `cost` units would be allowed; 0 when allowed. */
  retry_after_ms: number;
  /** Present when the limit has a burst allowance. */
  burst?: {
    remaining: number;
    total: number;
    /** This request used burst allowance. */
    used_now: boolean;
    /** Burst is unavailable until this time (cooldown), epoch ms; null when available. */
    cooldown_until: number | null;
  };
  /** Present when the limit has a penalty box. */
  penalty?: {
    /** Penalised until this time, epoch ms; null when not penalised. */
    until: number | null;
    /** This decision put the key into the penalty box. */
    entered: boolean;
  };
}

/** One decision asked of consumeMany(): consume()'s arguments. */
export interface ConsumeRequest {
  key: string;
  spec: LimitSpec;
  cost: number;
  now: number;
  dryRun?: boolean;
}

/**
 * Where limiter state lives. Every backend makes each call one atomic step (on Redis one
 * call of a Lua function, one round trip), so that several nodes sharing it enforce one limit.
 */
export interface RateLimitStore {
  /**
   * Decides whether `cost` units are allowed under `spec` for `key` at `now` and, when they
   * are and `dryRun` is not set, counts them. A refused request counts nothing (but may put
   * the key into the penalty box).
   */
  consume(
    key: string,
    spec: LimitSpec,
    cost: number,
    now: number,
    options?: { dryRun?: boolean },
  ): Promise<Decision>;
  /**
   * Decides several requests with one call (one transaction, on Redis one call of a Lua
   * function): the per-user caps of a page of a topic send. The answers, in order, are those
   * consume() would give called for each in turn; a key named twice sees the first request's
   * count. Each key is decided atomically as consume() decides it, so a batch and concurrent
   * consume() or consumeMany() calls on the same keys admit one limit's worth between them.
   */
  consumeMany(requests: readonly ConsumeRequest[]): Promise<Decision[]>;
  /** Forgets everything counted for `key` (admin reset). */
  reset(key: string): Promise<void>;
  /**
   * Forgets state that expired at or before `now`; resolves to how many entries. A store
   * whose entries expire by themselves (Redis, by TTL) has nothing to forget: 0.
   */
  purgeExpired(now: number): Promise<number>;
}
