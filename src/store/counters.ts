/**
 * Atomic counters with expiry: rate-limit windows, quotas, sequence numbers. A counter that
 * does not exist or expired starts at 0 and expires `ttlMs` after the increment that starts
 * it; later increments keep that expiry.
 */
export interface CounterStore {
  /** Adds `by` to the counter, atomically, and resolves to its new value. */
  increment(key: string, by: number, ttlMs: number, now: number): Promise<number>;
  /** The counter's value at `now`; 0 if absent or expired. */
  get(key: string, now: number): Promise<number>;
  /** Forgets counters that expired at or before `now`; resolves to how many. */
  purgeExpired(now: number): Promise<number>;
}
