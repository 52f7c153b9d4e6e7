/**
 * A provider's health on this node: a circuit breaker (closed → open after
 * `failure_threshold` retryable failures in a row → half-open after `reset_ms`, one trial
 * send → closed on success, open again on failure), counts, the last error and a running
 * p50 of send latencies. Only retryable failures and timeouts count against the circuit: a
 * permanent failure or a dead address is about the message, not the provider.
 */
import type { Clock } from '../core/clock.js';
import type { CircuitState, HealthView } from './health-view.js';
import type { FailureKind } from './plugin.js';

export type { CircuitState, HealthView };

export interface CircuitSettings {
  failure_threshold: number;
  reset_ms: number;
}

const SAMPLES = 128;

export class ProviderHealth {
  private state: CircuitState = 'closed';
  private openedAt = 0;
  private failuresInRow = 0;
  private trialInFlight = false;
  private sent = 0;
  private failed = 0;
  private lastError: string | null = null;
  private lastErrorAt: number | null = null;
  private readonly latencies: number[] = [];
  private next = 0;

  constructor(
    private readonly settings: CircuitSettings,
    private readonly clock: Clock,
    /** Told when the circuit changes state. */
    private readonly onChange: (state: CircuitState, lastError: string | null) => void = () => {},
  ) {}

  /** Whether a send may go through now; in half-open, only one trial at a time. */
  allow(): boolean {
    if (this.state === 'open') {
      if (this.clock.now() - this.openedAt < this.settings.reset_ms) return false;
      this.set('half_open');
    }
    if (this.state === 'half_open') {
      if (this.trialInFlight) return false;
      this.trialInFlight = true;
    }
    return true;
  }

  /** A send `allow` let through did not happen (the provider was at its limit): no trial taken. */
  skipped(): void {
    this.trialInFlight = false;
  }

  /** When an open circuit lets a trial through; null when it is not open. */
  reopensAt(): number | null {
    return this.state === 'open' ? this.openedAt + this.settings.reset_ms : null;
  }

  succeeded(latencyMs: number): void {
    this.sent++;
    this.sample(latencyMs);
    this.failuresInRow = 0;
    this.trialInFlight = false;
    if (this.state !== 'closed') this.set('closed');
  }

  failedWith(kind: FailureKind, error: string, latencyMs: number): void {
    this.failed++;
    this.sample(latencyMs);
    this.lastError = error;
    this.lastErrorAt = this.clock.now();
    const wasTrial = this.trialInFlight;
    this.trialInFlight = false;
    if (kind !== 'retryable') {
      if (wasTrial) this.set('closed');
      return;
    }
    this.failuresInRow++;
    if (wasTrial || this.failuresInRow >= this.settings.failure_threshold) {
      this.openedAt = this.clock.now();
      this.set('open');
    }
  }

  view(): HealthView {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      state: this.state,
      consecutive_failures: this.failuresInRow,
      sent: this.sent,
      failed: this.failed,
      last_error: this.lastError,
      last_error_at: this.lastErrorAt === null ? null : new Date(this.lastErrorAt).toISOString(),
      p50_latency_ms: sorted.length === 0 ? null : sorted[Math.floor((sorted.length - 1) / 2)],
    };
  }

  get circuit(): CircuitState {
    return this.state;
  }

  private sample(ms: number): void {
    this.latencies[this.next] = ms;
    this.next = (this.next + 1) % SAMPLES;
  }

  private set(state: CircuitState): void {
    if (state === this.state) return;
    this.state = state;
    this.onChange(state, this.lastError);
  }
}
