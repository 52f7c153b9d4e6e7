/** How the client waits between reconnection attempts. */
export interface ReconnectOptions {
  /** The ceiling of the first wait, in ms (default 500). */
  initialDelayMs: number;
  /** The ceiling never grows past this, in ms (default 30 000). */
  maxDelayMs: number;
  /**
   * Full jitter (default true): wait a random time between 0 and the ceiling, so that the
   * sessions a restarting server dropped do not all come back at the same instant.
   * False waits the ceiling itself, which only tests want.
   */
  jitter: boolean;
  /**
   * How many times in a row a refused token (AUTH_FAILED) is retried with a fresh one from
   * the token provider before the client gives up and closes (default 3).
   */
  maxAuthRetries: number;
}

export const DEFAULT_RECONNECT: ReconnectOptions = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  jitter: true,
  maxAuthRetries: 3,
};

/**
 * The wait before reconnection attempt `attempt` (0 for the first): exponential, capped,
 * with full jitter ("Exponential Backoff and Jitter", AWS Architecture Blog).
 */
export function backoffDelay(
  attempt: number,
  opts: Pick<ReconnectOptions, 'initialDelayMs' | 'maxDelayMs' | 'jitter'>,
  random: () => number = Math.random,
): number {
  // 2 ** attempt overflows to Infinity after ~1000 attempts; Math.min keeps it finite.
  const ceiling = Math.min(opts.maxDelayMs, opts.initialDelayMs * 2 ** attempt);
  return Math.round(opts.jitter ? random() * ceiling : ceiling);
}
