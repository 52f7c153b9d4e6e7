/**
 * The Ara notification service's door (compat.ara.enabled): its HTTP routes, health and
 * stats, and its WebSocket and SSE protocol (frames.ts) at /ws and /sse, which the gateway
 * serves beside its own. Everything goes through notifyd's own engine, feed and gateway.
 */
import type { Config } from '../../config/options.js';
import { defineRoute } from '../../http/route.js';
import type { ModuleContext, NotifydModule } from '../../modules/contract.js';
import type { LiveMessages } from '../../notifications/live.js';
import type { PresenceProbe } from '../../notifications/presence.js';
import type { NotificationService } from '../../notifications/service.js';
import type { RealtimeDoor } from '../../server/realtime/wire.js';
import type { TemplateService } from '../../templates/service.js';
import type { TemplateShape } from '../../templates/shapes.js';
import { VERSION } from '../../version.js';
import { DailyCounters } from './counters.js';
import { araWire } from './frames.js';
import type { AraOptions } from './options.js';
import type { GatewaySessions } from './ports.js';
import { araRoutes } from './routes.js';
import { HealthReply } from './schemas.js';
import { ARA_TEMPLATE_SHAPE, araTemplateRefusal, araTemplateRoutes } from './templates.js';

export interface AraModuleOptions extends AraOptions {
  /** The offline queue is on: an offline user's notification is `queued`. */
  queueEnabled: boolean;
  /** Something runs on Redis (store, queues, limits, cluster, triggers): health checks it. */
  redisRequired: boolean;
}

/** The Ara door's options, from the configuration. */
export const araOptions = (c: Config): AraModuleOptions => ({
  ...c.compat.ara,
  queueEnabled: c.realtime.queue.enabled,
  redisRequired:
    c.store.backend === 'redis' ||
    c.store.queues === 'redis' ||
    c.store.ratelimit === 'redis' ||
    c.cluster.enabled ||
    c.triggers.redis.enabled,
});

/** The template shapes the templates module serves for this door: Ara's, when it is on. */
export const araTemplateShapes = (c: Config): TemplateShape[] =>
  c.compat.ara.enabled ? [ARA_TEMPLATE_SHAPE] : [];

export interface AraNeeds {
  notifications: NotificationService;
  templates: TemplateService;
  live: LiveMessages;
  presence: PresenceProbe;
  sessions: GatewaySessions;
}

/** What the Ara door offers the server: its real-time paths, when on. */
export interface AraServices {
  doors: RealtimeDoor[];
}

export function createAraModule(
  ctx: ModuleContext<AraModuleOptions, AraNeeds>,
): NotifydModule<AraServices> {
  const { options, services, clock, store } = ctx;
  if (!options.enabled) {
    // Ara's template body would meet notifyd's at the same path: refused, saying why.
    return { name: 'ara', routes: [araTemplateRefusal()], services: { doors: [] } };
  }
  const started = clock.now();
  const health = defineRoute({
    method: 'GET',
    path: '/health',
    summary: "Ara's health: healthy, or degraded when a required dependency is not",
    tag: 'ara',
    auth: { kind: 'none' },
    responses: { 200: { description: 'The status.', schema: HealthReply } },
    async handler() {
      // The store's ping reaches every backend it placed on Redis.
      const up = await store.ping().then(
        () => true,
        () => false,
      );
      const redis = options.redisRequired
        ? { status: up ? 'healthy' : 'unhealthy', connected: up }
        : { status: 'disabled', connected: false };
      return {
        status: 200,
        body: {
          status: up ? 'healthy' : 'degraded',
          version: VERSION,
          uptime_seconds: Math.floor((clock.now() - started) / 1000),
          redis,
        },
      };
    },
  });
  const routes = araRoutes({
    ...services,
    counters: new DailyCounters(clock),
    queueEnabled: options.queueEnabled,
  });
  const wire = araWire({
    heartbeatMs: options.heartbeat_s * 1000,
    openChannels: options.open_channels,
  });
  const doors = [{ ws: '/ws', sse: '/sse', wire }];
  const templates = araTemplateRoutes(services.templates);
  return { name: 'ara', routes: [...routes, ...templates, health], services: { doors } };
}
