/**
 * What `GET /providers` shows of a provider's health, as plain types with no imports: the
 * console (web/src/admin) reads them too, and its compile sees no server code.
 */

export type CircuitState = 'closed' | 'open' | 'half_open';

/** What `GET /providers` shows of a provider's health. */
export interface HealthView {
  state: CircuitState;
  consecutive_failures: number;
  sent: number;
  failed: number;
  last_error: string | null;
  last_error_at: string | null;
  /** Median of the last sends' latencies; null before the first. */
  p50_latency_ms: number | null;
}
