import { performance } from 'node:perf_hooks';
import type { Counter } from 'prom-client';
import type { Config } from '../config/options.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { EventSink } from '../events/catalogue.js';
import { traitsOf } from '../store/backends.js';
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

/** What the engine reads of the configuration. */
type EngineOptions = Pick<Config, 'ratelimit' | 'store'>;

/** The rate-limit engine as the server uses it. */
export interface RateLimitEngine {
  enforcer: RateLimitEnforcer;
  /** For the router; null when `ratelimit.enabled` is off. */
  http: HttpRateLimiting | null;
  check: RateLimitCheck;
  stats: RateLimitStats;
  probe: StoreProbe;
  /** The limiter itself (guarded as configured), for other modules' own limits (providers). */
  limiter: RateLimitStore;
}

const PROBE_SPEC = { algorithm: 'fixed_window', max_requests: 1, window_seconds: 1 } as const;

/** Builds the engine: guarded store, enforcer, check API, analytics and events. */
export function buildRateLimitEngine(
  config: EngineOptions,
  deps: {
    store: Store;
    admin: RateLimitAdmin;
    clock: Clock;
    logger: Logger;
    /** Counts decisions the store could not make, by what was done instead. */
    storeErrors: Counter<'on_store_error'>;
    /** Limit events and the limiter store's health. */
    events: EventSink<LimitEventType | StoreHealthEventType>;
  },
): RateLimitEngine {
  const { store, admin, clock, logger, storeErrors, events } = deps;
  const state = store.ratelimit;
  const backend = store.backendOf('ratelimit');
  // State in this process cannot be unreachable: no guard (and no timer per decision).
  const guarded = traitsOf(backend).inProcess
    ? state
    : guardRateLimitStore(state, {
        onStoreError: config.ratelimit.on_store_error,
        timeoutMs: config.ratelimit.store_timeout_ms,
        clock,
        logger,
        errors: storeErrors,
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
    limiter: guarded,
    probe: {
      backend,
      onStoreError: config.ratelimit.on_store_error,
      async probe() {
        const started = performance.now();
        await state.consume('~probe', PROBE_SPEC, 0, clock.now(), { dryRun: true });
        return Math.round((performance.now() - started) * 1000) / 1000;
      },
    },
  };
}
