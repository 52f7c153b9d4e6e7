import { analyticsOptions, createAnalyticsModule } from '../analytics/module.js';
import { createAuthModule } from '../auth/module.js';
import { clusterOptions, createClusterModule } from '../cluster/module.js';
import { araOptions, araTemplateShapes, createAraModule } from '../compat/ara/module.js';
import type { Config } from '../config/options.js';
import { type Clock, systemClock } from '../core/clock.js';
import { createIdGenerator } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { createDigestsModule, digestsNeeds, digestsOptions } from '../digests/module.js';
import { EventBus } from '../events/bus.js';
import { contextFor } from '../modules/contract.js';
import { ModuleRunner } from '../modules/lifecycle.js';
import { inAppDeliveries } from '../notifications/in-app-events.js';
import { createNotificationsModule, notificationsOptions } from '../notifications/module.js';
import type { RoutingNeeds } from '../notifications/sender.js';
import { createProvidersModule, providersOptions } from '../providers/module.js';
import type { ProvidersNeeds, ProvidersOptions } from '../providers/providers.js';
import { createRateLimitModule } from '../ratelimit/module.js';
import type { RateLimitEventObserver } from '../ratelimit/objects.js';
import { createRecipientsModule } from '../recipients/module.js';
import { createSchedulerModule, schedulerOptions } from '../scheduler/module.js';
import type { Store } from '../store/types.js';
import { createTemplatesModule, templatesOptions } from '../templates/module.js';
import { createTriggersModule, triggersOptions } from '../triggers/module.js';
import { createWebModule } from '../web/module.js';
import { createWebhooksModule, webhooksOptions } from '../webhooks/module.js';
import { createWorkflowsModule, workflowsNeeds, workflowsOptions } from '../workflows/module.js';
import { type NotifydServer, serverFacade } from './facade.js';
import { Listener } from './listener.js';
import { Metrics } from './metrics.js';
import {
  analyticsNeeds,
  araNeeds,
  built,
  type LaterModules,
  notificationsNeeds,
  providersNeeds,
  tallyOf,
} from './needs.js';
import { countDeliveries } from './realtime/counted-deliveries.js';
import { Realtime } from './realtime/index.js';
import { withOperations } from './routes/operations.js';

export type { NotifydServer } from './facade.js';

/** What the server is built from; tests inject their own. */
export interface ServerDeps {
  store: Store;
  logger: Logger;
  clock?: Clock;
  /** Keys with every scope besides `auth.admin_key` (e.g. the bootstrap key file's). */
  adminKeys?: string[];
  /**
   * Told of every rate-limit event (configuration changes, limit events, the limiter store's
   * health) as it happens, besides the event bus (which takes them to webhooks).
   */
  onRateLimitEvent?: RateLimitEventObserver;
  /**
   * The providers module's extras: where plugins resolve from, the environment `${NAME}`
   * references read, and (tests) a delivery port, jitter and timers of their own.
   */
  providers?: Partial<Pick<ProvidersOptions, 'cwd' | 'env' | 'builtinsDir'>> & ProvidersNeeds;
  /**
   * Services routing consults, given by the caller (tests' in-process ones); they win over
   * the modules' own.
   */
  routing?: RoutingNeeds;
}

/**
 * Builds the HTTP + WebSocket server without listening: the modules in the order they
 * start (each given its own options and the services of those before it), the real-time
 * gateway, and the routes of all of them. Modules stop in the reverse order.
 */
export function createServer(config: Config, deps: ServerDeps): NotifydServer {
  const clock = deps.clock ?? systemClock;
  const ids = createIdGenerator(clock);
  const { store, logger } = deps;
  const metrics = new Metrics();
  const bus = new EventBus(clock, ids, logger);
  const shared = { store, bus, clock, ids, logger, metrics: metrics.registry };
  const ctx = <O, N>(options: O, needs: N) => contextFor(shared, options, needs);
  const listener = new Listener(config, { metrics, logger, ids });
  const later: LaterModules = {};

  const scheduler = createSchedulerModule(ctx(schedulerOptions(config), {}));
  const auth = createAuthModule(ctx(config.auth, { adminKeys: deps.adminKeys ?? [] }));
  const { keys, jwt } = auth.services;
  const gateway = { jwt, metrics, logger, ids, clock, cors: listener.cors };
  const realtime = new Realtime(config.realtime, gateway);
  // In-app deliveries are counted as notifications reach this node's sessions, in analytics'
  // tally, and emitted for the webhooks that want them.
  const inApp = inAppDeliveries(bus, clock, tallyOf(later));
  const delivered = () => inApp;
  const local = countDeliveries(realtime.gateway, delivered);
  const cluster = createClusterModule(ctx(clusterOptions(config), { local }));
  const presence = realtime.presence(cluster.services.node, cluster.services.users, clock);
  const history = () => built(later, 'notifications').services.records;
  const recipients = createRecipientsModule(ctx({}, { history }));
  const shapes = araTemplateShapes(config);
  const templates = createTemplatesModule(ctx(templatesOptions(config), { shapes }));
  const sources = { scheduler, cluster, recipients, templates };
  const routing = notificationsNeeds(sources, { presence, delivered }, later, deps.routing);
  const notifications = createNotificationsModule(ctx(notificationsOptions(config), routing));
  const engine = { scheduler, recipients, templates, notifications };
  const digests = createDigestsModule(ctx(digestsOptions(config), digestsNeeds(engine)));
  const workflows = createWorkflowsModule(ctx(workflowsOptions(config), workflowsNeeds(engine)));
  const { notifications: service, tracker, live, feed } = notifications.services;
  const nodeId = cluster.services.node?.nodeId ?? null;
  const triggers = createTriggersModule(
    ctx(triggersOptions(config), { notifications: service, live, nodeId }),
  );
  const ara = createAraModule(ctx(araOptions(config), araNeeds(engine, presence, realtime)));
  const webhooks = createWebhooksModule(ctx(webhooksOptions(config), {}));
  const onEvent = deps.onRateLimitEvent;
  const ratelimit = createRateLimitModule(ctx(config, onEvent ? { onEvent } : {}));
  const analytics = createAnalyticsModule(ctx(analyticsOptions(config), analyticsNeeds(engine)));
  const web = createWebModule(ctx(config.web, {}));
  const { deliveries, random, timer, ...where } = deps.providers ?? {};
  const given = { deliveries, random, timer };
  const providers = createProvidersModule(
    ctx({ ...providersOptions(config), ...where }, providersNeeds({ ...engine, ratelimit }, given)),
  );
  Object.assign(later, { notifications, digests, workflows, analytics, providers });
  // The start order; pausing and stopping go in reverse.
  const engineModules = [auth, cluster, realtime, recipients, templates, notifications];
  const outer = [digests, workflows, triggers, ara, webhooks, ratelimit, analytics, web];
  const modules = new ModuleRunner([...engineModules, ...outer, providers, scheduler], logger);

  const limiting = ratelimit.services.engine.http;
  const { lifecycle, addresses } = listener;
  const { doors } = ara.services;
  const operations = { store, metrics: config.metrics.enabled ? metrics : null, lifecycle };
  const realtimeDoors = realtime.doors(doors);
  const routes = withOperations(modules.routes, { ...operations, realtime: realtimeDoors });
  const sessions = { notifications: service, feed, tracker, presence, addresses, limiting };
  const streams = { analytics: analytics.services.analytics };
  realtime.mount(listener.app, { ...sessions, ...streams, lifecycle, doors });
  const realtimePaths = realtimeDoors.flatMap((d) => [d.ws, d.sse]);
  const others = realtimePaths.map((path) => ({ path, methods: ['GET' as const] }));
  listener.mount(routes, { keys, jwt, ...(limiting ? { rateLimiting: limiting } : {}) }, others);
  const exposed = { notifications, triggers, ratelimit, webhooks, analytics, templates };
  const parts = { metrics, bus, keys, listener, runner: modules };
  return serverFacade(parts, { ...exposed, providers, scheduler, digests, workflows, realtime });
}
