/**
 * What the limiter remembers about one key: a flat record of numbers, so that every backend
 * keeps it the same way (a Redis hash, a SQL row, an object in memory). All algorithms share
 * it: a key whose limit changes algorithm simply reads the fields of the new one. Times are
 * epoch milliseconds; 0 means "none".
 */
export interface LimiterState {
  /** Window algorithms: the start of the current window (a multiple of the window length). */
  window_start: number;
  /** Window algorithms: units counted in the current window. */
  current: number;
  /** Sliding window: units counted in the window before it. */
  previous: number;
  /** Token bucket: tokens in the bucket at `refilled_at`. */
  tokens: number;
  /** Token bucket: when `tokens` was last brought up to date. */
  refilled_at: number;
  /** Burst: when the current burst window started. */
  burst_start: number;
  /** Burst: units of burst allowance used in the current burst window. */
  burst_used: number;
  /** Burst: the allowance is unavailable until this time. */
  cooldown_until: number;
  /** Penalty box: the key is held to the penalty limit until this time. */
  penalty_until: number;
  /** From this time on the record says nothing a fresh one would not: it may be forgotten. */
  expires_at: number;
}

/** The fields of a state, in the order every backend stores and passes them. */
export const STATE_FIELDS = [
  'window_start',
  'current',
  'previous',
  'tokens',
  'refilled_at',
  'burst_start',
  'burst_used',
  'cooldown_until',
  'penalty_until',
  'expires_at',
] as const satisfies readonly (keyof LimiterState)[];

/** The state of a key seen for the first time: empty windows, a bucket with its initial tokens. */
export function freshState(initialTokens: number, now: number): LimiterState {
  return {
    window_start: 0,
    current: 0,
    previous: 0,
    tokens: initialTokens,
    refilled_at: now,
    burst_start: 0,
    burst_used: 0,
    cooldown_until: 0,
    penalty_until: 0,
    expires_at: 0,
  };
}

/**
 * Slack for comparisons of fractional units: a sliding-window estimate or a refilled bucket
 * that should be exactly 3 may come out as 2.9999999999999996.
 */
export const EPSILON = 1e-9;
