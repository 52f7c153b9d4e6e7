import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CircuitState } from './health.js';
import type { FailureKind } from './plugin.js';

/** How one status poll ended, for `notifyd_provider_status_polls_total{result}`. */
export type StatusPollResult =
  | 'delivered'
  | 'failed'
  | 'pending'
  | 'error'
  | 'already_settled'
  | 'unknown'
  | 'gave_up'
  | 'no_provider';

const CIRCUIT: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };

/** Per provider: sends, failures by kind, latency, circuit state; per delivery: its outcome. */
export class ProviderMetrics {
  private readonly sent: Counter<'provider' | 'channel'>;
  private readonly failed: Counter<'provider' | 'channel' | 'kind'>;
  private readonly latency: Histogram<'provider' | 'channel'>;
  private readonly circuit: Gauge<'provider' | 'channel'>;
  private readonly outcomes: Counter<'channel' | 'outcome'>;
  private readonly polls: Counter<'provider' | 'channel' | 'result'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.sent = new Counter({
      name: 'notifyd_provider_sent_total',
      help: 'Messages a provider accepted.',
      labelNames: ['provider', 'channel'] as const,
      registers,
    });
    this.failed = new Counter({
      name: 'notifyd_provider_failed_total',
      help: 'Sends a provider failed, by kind: retryable (timeouts and throws included), permanent, invalid_recipient.',
      labelNames: ['provider', 'channel', 'kind'] as const,
      registers,
    });
    this.latency = new Histogram({
      name: 'notifyd_provider_send_seconds',
      help: 'How long a provider took to answer a send, whatever the answer.',
      labelNames: ['provider', 'channel'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.circuit = new Gauge({
      name: 'notifyd_provider_circuit_state',
      help: 'A provider’s circuit on this node: 0 closed, 1 half-open, 2 open.',
      labelNames: ['provider', 'channel'] as const,
      registers,
    });
    this.outcomes = new Counter({
      name: 'notifyd_deliveries_total',
      help: 'Delivery state changes, by outcome. By the workers: sent, retried, deferred (every provider at its concurrency or rate limit: back to the queue, no attempt counted), failed (dead-lettered), bounced (address gone), lease_lost (the lease ran out before settling and another claim holds the delivery). Delivered: notification.delivered was emitted, at once when accepting is all a provider can tell, or later from a status callback or poll. Undelivered: a provider that had accepted it reported it undelivered or failed later (the delivery is failed, a dead letter).',
      labelNames: ['channel', 'outcome'] as const,
      registers,
    });
    this.polls = new Counter({
      name: 'notifyd_provider_status_polls_total',
      help: 'Status polls of messages a provider accepted without a callback to come (delivery.status_poll), by result: delivered, failed (the poll settled the delivery), pending (asked again later), error (the provider could not answer; asked again), already_settled (a callback or another poll came first), unknown (no sent delivery has the message id), gave_up (still pending after the last poll: the delivery stays sent), no_provider (the provider is gone or cannot be asked).',
      labelNames: ['provider', 'channel', 'result'] as const,
      registers,
    });
  }

  /** One status poll's result. */
  polled(provider: string, channel: string, result: StatusPollResult): void {
    this.polls.inc({ provider, channel, result });
  }

  /** Makes the provider's series exist from the start (0 sent, circuit closed). */
  register(provider: string, channel: string): void {
    this.sent.inc({ provider, channel }, 0);
    this.circuit.set({ provider, channel }, 0);
  }

  succeeded(provider: string, channel: string, latencyMs: number): void {
    this.sent.inc({ provider, channel });
    this.latency.observe({ provider, channel }, latencyMs / 1000);
  }

  failedWith(provider: string, channel: string, kind: FailureKind, latencyMs: number): void {
    this.failed.inc({ provider, channel, kind });
    this.latency.observe({ provider, channel }, latencyMs / 1000);
  }

  circuitChanged(provider: string, channel: string, state: CircuitState): void {
    this.circuit.set({ provider, channel }, CIRCUIT[state]);
  }

  settled(
    channel: string,
    outcome:
      | 'sent'
      | 'retried'
      | 'deferred'
      | 'failed'
      | 'bounced'
      | 'lease_lost'
      | 'delivered'
      | 'undelivered',
  ): void {
    this.outcomes.inc({ channel, outcome });
  }
}
