import { Counter } from 'prom-client';
import type { Config } from '../config/options.js';
import type { ModuleContext, NotifydModule } from '../modules/contract.js';
import { RateLimitAdmin } from './admin.js';
import { buildRateLimitEngine, type RateLimitEngine } from './engine.js';
import type { RateLimitEventObserver } from './objects.js';
import { rateLimitCheckRoutes } from './routes/check.js';
import { rateLimitObjectRoutes } from './routes/objects.js';

/** The options the rate-limit module reads: its own, and where the store keeps limiter state. */
export type RateLimitOptions = Pick<Config, 'ratelimit' | 'store'>;

export interface RateLimitNeeds {
  /**
   * Told of every rate-limit event (configuration changes and limit events) at once, besides
   * the event bus; for tests and embedders.
   */
  onEvent?: RateLimitEventObserver;
}

export interface RateLimitServices {
  /** Policies, rules, plans…, and the configuration cache the resolver reads. */
  admin: RateLimitAdmin;
  /** Enforcement, the check API, analytics; `engine.http` is null when `ratelimit.enabled` is off. */
  engine: RateLimitEngine;
}

/** How often expired counters and limiter state are forgotten. */
const PURGE_MS = 60_000;
/** How often each node looks for adjustments that ran out, to announce them. */
const ADJUSTMENT_SWEEP_MS = 5000;
/** How often counted decisions are written to the analytics counters. */
const STATS_FLUSH_MS = 5000;

/** Rate limiting: the admin objects, enforcement on notifyd's own API, and the check API. */
export function createRateLimitModule(
  ctx: ModuleContext<RateLimitOptions, RateLimitNeeds>,
): NotifydModule<RateLimitServices> {
  const { options, store, bus, clock, ids, logger } = ctx;
  const { onEvent } = ctx.services;
  const admin = new RateLimitAdmin({
    store: store.objects,
    clock,
    ids,
    cacheMs: options.ratelimit.config_cache_ms,
    logger,
    // Every configuration change is an event of the object's tenant (null: a global object).
    onEvent: (type, data) => {
      const tenant = typeof data.tenant_id === 'string' ? data.tenant_id : null;
      bus.emit(type, tenant, data);
      onEvent?.(type, data);
    },
  });
  const engine = buildRateLimitEngine(options, {
    store,
    admin,
    clock,
    logger,
    storeErrors: new Counter({
      name: 'notifyd_ratelimit_store_errors_total',
      help: 'Rate-limit decisions the store could not make, by what was done instead (open: allowed, closed: refused with 503).',
      labelNames: ['on_store_error'] as const,
      registers: [ctx.metrics],
    }),
    // Limit events go out like configuration changes: on the bus, to the webhooks.
    events: (type, tenantId, data) => {
      bus.emit(type, tenantId, data);
      onEvent?.(type, { ...data, tenant_id: tenantId });
    },
  });
  let stopStats = async () => {};
  return {
    name: 'ratelimit',
    services: { admin, engine },
    routes: [
      ...rateLimitObjectRoutes(admin, clock),
      ...rateLimitCheckRoutes({
        check: engine.check,
        stats: engine.stats,
        config: admin.config,
        store: engine.probe,
        now: () => clock.now(),
      }),
    ],
    jobs: [
      {
        name: 'announcing expired adjustments',
        everyMs: ADJUSTMENT_SWEEP_MS,
        async run() {
          await admin.adjustments.expireDue();
        },
      },
      {
        name: 'forgetting expired counters and limiter state',
        everyMs: PURGE_MS,
        async run() {
          const now = clock.now();
          const counters = await store.counters.purgeExpired(now);
          const limits = await store.ratelimit.purgeExpired(now);
          if (counters + limits > 0) logger.debug({ counters, limits }, 'purged expired entries');
        },
      },
    ],
    start() {
      stopStats = engine.stats.start(STATS_FLUSH_MS);
    },
    async stop() {
      await stopStats();
    },
  };
}
