import { resolve } from 'node:path';
import { Registry } from 'prom-client';
import { FakeClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import type { EventType } from '../../src/events/catalogue.js';
import { loadProviders } from '../../src/providers/loader.js';
import { ProviderMetrics } from '../../src/providers/metrics.js';
import type { DeliveryOptions, ProviderEntry } from '../../src/providers/options.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { DeliveryWorker, type Timer, type WorkerDeps } from '../../src/providers/worker.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { MemoryPort } from './memory-port.js';

export const FIXTURES = resolve(import.meta.dirname, 'fixtures');
export const fixture = (name: string) => resolve(FIXTURES, `${name}.ts`);

export const SETTINGS: DeliveryOptions = {
  workers: {
    enabled: true,
    concurrency: 4,
    batch_size: 10,
    lease_ms: 60000,
    poll_interval_ms: 500,
  },
  console_fallback: false,
  providers_reload_ms: 5000,
  max_attempts: 3,
  backoff_base_ms: 1000,
  backoff_max_ms: 60000,
  timeout_ms: 5000,
  circuit: { failure_threshold: 3, reset_ms: 30000 },
  status_poll: { first_ms: 10000, max_ms: 600000, max_polls: 8 },
};

export interface Emitted {
  type: EventType;
  tenant: string | null;
  data: Record<string, unknown>;
}

/** A timer the test fires by hand (timeouts, the poll) instead of waiting. */
export class ManualTimer {
  readonly pending = new Set<{ ms: number; fn: () => void }>();
  readonly timer: Timer = (ms, fn) => {
    const entry = { ms, fn };
    this.pending.add(entry);
    return () => this.pending.delete(entry);
  };
  /** Fires every timer set for `ms` (or all). */
  fire(ms?: number): number {
    let n = 0;
    for (const e of [...this.pending]) {
      if (ms !== undefined && e.ms !== ms) continue;
      this.pending.delete(e);
      e.fn();
      n++;
    }
    return n;
  }
}

/** A worker over a memory port with the given providers, on a fake clock. */
export async function setup(
  providers: Partial<Record<'push' | 'sms' | 'email' | 'webhook' | 'custom', ProviderEntry[]>>,
  settings: Partial<DeliveryOptions> = {},
  /** The worker's status poller (providers answering `confirms_later: 'poll'`). */
  poller?: WorkerDeps['poller'],
) {
  const clock = new FakeClock();
  const logger = createLogger({ level: 'silent' });
  const all = { push: [], sms: [], email: [], webhook: [], custom: [], ...providers };
  const loaded = await loadProviders(all, {
    logger,
    clock,
    signal: new AbortController().signal,
    env: { SECRET_TOKEN: 's3cr3t' },
    builtinsDir: resolve(FIXTURES, 'builtins'),
  });
  const options = { ...SETTINGS, ...settings };
  const events: Emitted[] = [];
  const circuits: string[] = [];
  const registry = new ProviderRegistry(
    loaded,
    {
      ...options.circuit,
      timeout_ms: options.timeout_ms,
      limiter: createMemoryStore().ratelimit,
    },
    clock,
    (p, state) => circuits.push(`${p.name}:${state}`),
  );
  const port = new MemoryPort(clock);
  const metricsRegistry = new Registry();
  const timers = new ManualTimer();
  let jitter = 0.5;
  const worker = new DeliveryWorker({
    port,
    registry,
    settings: options,
    clock,
    logger,
    emit: (type, tenant, data) => {
      events.push({ type, tenant, data: data as Record<string, unknown> });
    },
    metrics: new ProviderMetrics(metricsRegistry),
    random: () => jitter,
    timer: timers.timer,
    ...(poller ? { poller } : {}),
  });
  return {
    clock,
    port,
    registry,
    worker,
    events,
    circuits,
    timers,
    metrics: metricsRegistry,
    setJitter: (j: number) => {
      jitter = j;
    },
  };
}

/** `${NAME}`: a reference to an environment variable in a provider's options. */
export const ref = (name: string) => `$\{${name}}`;
