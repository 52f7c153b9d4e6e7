import { performance } from 'node:perf_hooks';
import type { Config } from '../config/options.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { runPeriodically } from '../core/periodic.js';
import type { EventSink } from '../events/catalogue.js';
import type { Metrics } from '../server/metrics.js';
import { OpenState } from '../store/memory/open-state.js';
import { MemoryRateLimitStore } from '../store/memory/ratelimit.js';
import type { Store } from '../store/types.js';
import type { RateLimitAdmin } from './admin.js';
import { RateLimitCheck } from './check.js';
import { RateLimitEnforcer } from './enforcer.js';
import type { LimitEventType, StoreHealthEventType } from './events.js';
import { guardRateLimitStore } from './guard.js';
import { HttpRateLimiting } from './http-limiting.js';
import type { StoreProbe } from './routes/check.js';
import type { RateLimitStore } from './spec.js';
import { RateLimitStats } from './stats.js';

/** The rate-limit engine as the server uses it. */
export interface RateLimitEngine {
  enforcer: RateLimitEnforcer;
  /** For the router; null when `ratelimit.enabled` is off. */
  http: HttpRateLimiting | null;
  check: RateLimitCheck;
  stats: RateLimitStats;
  probe: StoreProbe;
  /** Starts writing analytics out; resolves the stop function (which flushes). */
  start(): () => Promise<void>;
}

const PROBE_SPEC = { algorithm: 'fixed_window', max_requests: 1, window_seconds: 1 } as const;

/**
 * Where limiter state lives: `store.ratelimit` when set; else the main backend, except that
 * on SQLite it stays in this process. A SQLite node is one node (nobody to share a limit
 * with), and a write transaction per request would cost more than the rest of the request.
 */
function limiterState(config: Config, store: Store): { state: RateLimitStore; backend: string } {
  if (config.store.ratelimit || config.store.backend !== 'sqlite') {
    return { state: store.ratelimit, backend: config.store.ratelimit || config.store.backend };
  }
  return { state: new MemoryRateLimitStore(new OpenState()), backend: 'memory' };
}

/** How often each node looks for adjustments that ran out, to announce them. */
const ADJUSTMENT_SWEEP_MS = 5000;

/** Builds the engine: guarded store, enforcer, check API, analytics and events. */
export function buildRateLimitEngine(
  config: Config,
  deps: {
    store: Store;
    admin: RateLimitAdmin;
    clock: Clock;
    logger: Logger;
    metrics: Metrics;
    /** Limit events and the limiter store's health. */
    events: EventSink<LimitEventType | StoreHealthEventType>;
  },
): RateLimitEngine {
  const { store, admin, clock, logger, metrics, events } = deps;
  const { state, backend } = limiterState(config, store);
  // State in this process cannot be unreachable: no guard (and no timer per decision).
  const guarded =
    backend === 'memory'
      ? state
      : guardRateLimitStore(state, {
          onStoreError: config.ratelimit.on_store_error,
          timeoutMs: config.ratelimit.store_timeout_ms,
          clock,
          logger,
          errors: metrics.ratelimitStoreErrors,
          onHealthChange: (healthy) =>
            events(healthy ? 'ratelimit.store_connected' : 'ratelimit.store_disconnected', null, {
              backend,
            }),
        });
  const stats = new RateLimitStats(store.counters, clock, logger);
  const enforcer = new RateLimitEnforcer({
    config: admin.config,
    store: guarded,
    clock,
    defaultPerKeyPerMinute: config.ratelimit.default_per_key_per_minute,
    events,
    approachShare: config.ratelimit.approach_percent / 100,
    stats,
  });
  return {
    enforcer,
    http: config.ratelimit.enabled
      ? new HttpRateLimiting(
          enforcer,
          () => clock.now(),
          config.ratelimit.on_store_error === 'open',
        )
      : null,
    check: new RateLimitCheck(enforcer, admin.config, clock),
    stats,
    probe: {
      backend,
      onStoreError: config.ratelimit.on_store_error,
      async probe() {
        const started = performance.now();
        await state.consume('~probe', PROBE_SPEC, 0, clock.now(), { dryRun: true });
        return Math.round((performance.now() - started) * 1000) / 1000;
      },
    },
    start: () => {
      const stopStats = stats.start(5000);
      const stopSweep = runPeriodically(
        async () => {
          await admin.adjustments.expireDue();
        },
        ADJUSTMENT_SWEEP_MS,
        logger,
        'could not announce expired rate-limit adjustments; will retry',
      );
      return async () => {
        stopSweep();
        await stopStats();
      };
    },
  };
}
