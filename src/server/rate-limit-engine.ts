import { performance } from 'node:perf_hooks';
import type { Config } from '../config/options.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { runPeriodically } from '../core/periodic.js';
import type { RateLimitAdmin } from '../ratelimit/admin.js';
import { RateLimitCheck } from '../ratelimit/check.js';
import { RateLimitEnforcer } from '../ratelimit/enforcer.js';
import { guardRateLimitStore } from '../ratelimit/guard.js';
import type { LimitEventSink } from '../ratelimit/limit-events.js';
import { RateLimitStats } from '../ratelimit/stats.js';
import type { Store } from '../store/types.js';
import type { Metrics } from './metrics.js';
import { HttpRateLimiting } from './rate-limiting.js';
import type { StoreProbe } from './routes/ratelimit-check.js';

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
    events: LimitEventSink;
  },
): RateLimitEngine {
  const { store, admin, clock, logger, metrics, events } = deps;
  const state = store.ratelimit;
  const backend = store.backendOf('ratelimit');
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
