import { Counter } from 'prom-client';
import type { Config } from '../config/options.js';
import type { ModuleContext, NotifydModule } from '../modules/contract.js';
import type { LiveMessages } from '../notifications/live.js';
import type { NotificationService } from '../notifications/service.js';
import { TriggerActions } from './actions.js';
import { RedisTriggers } from './redis.js';

/** `triggers.redis.*`, and the store's Redis (used when `triggers.redis.url` is empty). */
export type TriggersOptions = Config['triggers']['redis'] & { redis: Config['store']['redis'] };

/** The triggers module's options, from the configuration. */
export const triggersOptions = (c: Config): TriggersOptions => ({
  ...c.triggers.redis,
  redis: c.store.redis,
});

export interface TriggersNeeds {
  notifications: NotificationService;
  live: LiveMessages;
  /** In cluster mode, this node's id: one node at a time acts on triggers (a lease). */
  nodeId: string | null;
}

/** Redis pub/sub triggers in the Ara notification service's shape. */
export function createTriggersModule(
  ctx: ModuleContext<TriggersOptions, TriggersNeeds>,
): NotifydModule<{ triggers: RedisTriggers | null }> {
  const { options, services } = ctx;
  const counted = new Counter({
    name: 'notifyd_redis_triggers_total',
    help: 'Triggers taken from Redis pub/sub, by result: accepted, invalid (dropped), failed.',
    labelNames: ['result'] as const,
    registers: [ctx.metrics],
  });
  const triggers = options.enabled
    ? new RedisTriggers({
        url: options.url || options.redis.url,
        channels: options.channels,
        actions: new TriggerActions(services.notifications, services.live, ctx.ids),
        counted,
        logger: ctx.logger,
        clock: ctx.clock,
        lease: services.nodeId
          ? { prefix: options.redis.prefix, owner: services.nodeId, ttlMs: options.lease_ttl_ms }
          : null,
      })
    : null;
  return {
    name: 'triggers',
    services: { triggers },
    routes: [],
    start: () => triggers?.start(),
    // No new triggers once draining; the one being handled finishes while sessions are open.
    pause: () => triggers?.close(),
  };
}
