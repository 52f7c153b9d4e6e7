import type { Analytics } from '../analytics/analytics.js';
import { analyticsOptions, createAnalyticsModule } from '../analytics/module.js';
import type { KeyService } from '../auth/api-keys.js';
import { createAuthModule } from '../auth/module.js';
import { clusterOptions, createClusterModule } from '../cluster/module.js';
import type { Config } from '../config/options.js';
import { type Clock, systemClock } from '../core/clock.js';
import { createIdGenerator } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { EventBus } from '../events/bus.js';
import { contextFor } from '../modules/contract.js';
import { ModuleRunner } from '../modules/lifecycle.js';
import type { DeliveryPort, ProviderChannels } from '../notifications/delivery-port.js';
import { createNotificationsModule, notificationsOptions } from '../notifications/module.js';
import type { SendRequests } from '../notifications/requests.js';
import type { Retention } from '../notifications/retention.js';
import type { RoutingNeeds } from '../notifications/sender.js';
import type { NotificationService } from '../notifications/service.js';
import type { DeliveryTracker } from '../notifications/tracking.js';
import {
  createProvidersModule,
  type Providers,
  type ProvidersNeeds,
  type ProvidersOptions,
  providersOptions,
} from '../providers/module.js';
import type { RateLimitAdmin } from '../ratelimit/admin.js';
import { createRateLimitModule } from '../ratelimit/module.js';
import type { RateLimitEventObserver } from '../ratelimit/objects.js';
import { createRecipientsModule } from '../recipients/module.js';
import { createSchedulerModule, schedulerOptions } from '../scheduler/module.js';
import type { SchedulerService } from '../scheduler/service.js';
import type { Store } from '../store/types.js';
import { createTemplatesModule, templatesOptions } from '../templates/module.js';
import type { TemplateService } from '../templates/service.js';
import { createTriggersModule, triggersOptions } from '../triggers/module.js';
import type { RedisTriggers } from '../triggers/redis.js';
import { createWebModule } from '../web/module.js';
import { createWebhooksModule, webhooksOptions } from '../webhooks/module.js';
import type { Webhooks } from '../webhooks/webhooks.js';
import { Listener } from './listener.js';
import { Metrics } from './metrics.js';
import { Realtime } from './realtime/index.js';
import { withOperations } from './routes/operations.js';

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

/** A built server: `listen` binds it, `close` drains it. */
export interface NotifydServer {
  /** Binds `server.host:server.port` (0 picks a port); resolves to the port. */
  listen(): Promise<number>;
  /**
   * Graceful stop: refuse new work, let in-flight requests finish (up to
   * `server.shutdown_timeout_ms`), send every socket a shutdown frame and close it.
   * The store is the caller's to close.
   */
  close(): Promise<void>;
  readonly metrics: Metrics;
  readonly notifications: NotificationService;
  /** The delivery queue as a provider worker uses it. */
  readonly deliveries: DeliveryPort;
  /** Topic sends and batches' records. */
  readonly requests: SendRequests;
  /** Deletes notifications past `notifications.retention_days` (its job runs it hourly). */
  readonly retention: Retention;
  readonly keys: KeyService;
  /** The offline queue and ack tracking (its `sweep` runs on a timer once listening). */
  readonly tracker: DeliveryTracker;
  /** The Redis trigger listener, when `triggers.redis.enabled`. */
  readonly triggers: RedisTriggers | null;
  /** Rate-limit policies, rules, plans…, and the configuration cache the resolver reads. */
  readonly ratelimit: RateLimitAdmin;
  /** The in-process event bus: whatever is emitted here reaches the subscribed webhooks. */
  readonly events: EventBus;
  /** Outgoing webhook subscriptions, their dispatcher and delivery log. */
  readonly webhooks: Webhooks;
  /** Analytics: ingestion, queries, reports; null when `analytics.enabled` is off. */
  readonly analytics: Analytics | null;
  /** Notification templates: their admin service and the renderer sends use. */
  readonly templates: TemplateService;
  /** The channel providers (loaded when the server starts) and their delivery workers. */
  readonly providers: Providers;
  /** Durable jobs: scheduled sends, recurring jobs. */
  readonly scheduler: SchedulerService;
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

  const scheduler = createSchedulerModule(ctx(schedulerOptions(config), {}));
  const auth = createAuthModule(ctx(config.auth, { adminKeys: deps.adminKeys ?? [] }));
  const { keys, jwt } = auth.services;
  const realtime = new Realtime(config.realtime, {
    jwt,
    metrics,
    logger,
    ids,
    cors: listener.cors,
    clock,
  });
  const cluster = createClusterModule(ctx(clusterOptions(config), { local: realtime.gateway }));
  const { node, users } = cluster.services;
  const presence = realtime.presence(node, users, clock);
  // The notifications module (after this one) keeps a recipient's notifications: asked when used.
  const recipients = createRecipientsModule(
    ctx({}, { history: () => notifications.services.records }),
  );
  const templates = createTemplatesModule(ctx(templatesOptions(config), {}));
  // Routing asks the providers module (built after, as it works the delivery queue this
  // module offers) which channels have a provider: asked when used.
  const channels: ProviderChannels = { serves: (ch) => providers.services.channels.serves(ch) };
  const notifications = createNotificationsModule(
    ctx(notificationsOptions(config), {
      users,
      presence,
      directory: recipients.services.directory,
      preferences: recipients.services.preferences,
      templates: templates.services.renderer,
      providers: channels,
      ...deps.routing,
    }),
  );
  const { notifications: service, tracker, live } = notifications.services;
  const nodeId = node?.nodeId ?? null;
  const triggers = createTriggersModule(
    ctx(triggersOptions(config), { notifications: service, live, nodeId }),
  );
  const webhooks = createWebhooksModule(ctx(webhooksOptions(config), {}));
  const onEvent = deps.onRateLimitEvent;
  const ratelimit = createRateLimitModule(ctx(config, onEvent ? { onEvent } : {}));
  const analytics = createAnalyticsModule(ctx(analyticsOptions(config), {}));
  const web = createWebModule(ctx(config.web, {}));
  const { deliveries, random, timer, ...where } = deps.providers ?? {};
  // The notification engine's delivery port, once it offers one (else the workers stay idle).
  const port = deliveries ?? (notifications.services as { deliveries?: DeliveryPort }).deliveries;
  const providers = createProvidersModule(
    ctx(
      { ...providersOptions(config), ...where },
      {
        ...(port ? { deliveries: port } : {}),
        ...(random ? { random } : {}),
        ...(timer ? { timer } : {}),
      },
    ),
  );
  const modules = new ModuleRunner(
    [
      auth,
      cluster,
      realtime,
      recipients,
      templates,
      notifications,
      triggers,
      webhooks,
      ratelimit,
      analytics,
      web,
      providers,
      scheduler,
    ],
    logger,
  );

  const limiting = ratelimit.services.engine.http;
  const { lifecycle, addresses } = listener;
  const on = config.metrics.enabled ? metrics : null;
  const routes = withOperations(modules.routes, { store, metrics: on, lifecycle });
  realtime.mount(listener.app, {
    notifications: service,
    tracker,
    presence,
    addresses,
    limiting,
    lifecycle,
  });
  listener.mount(routes, { keys, jwt, ...(limiting ? { rateLimiting: limiting } : {}) });

  return {
    metrics,
    notifications: service,
    deliveries: notifications.services.deliveries,
    requests: notifications.services.requests,
    retention: notifications.services.retention,
    keys,
    tracker,
    triggers: triggers.services.triggers,
    ratelimit: ratelimit.services.admin,
    events: bus,
    webhooks: webhooks.services.webhooks,
    analytics: analytics.services.analytics,
    templates: templates.services.templates,
    providers: providers.services.providers,
    scheduler: scheduler.services.scheduler,
    async listen() {
      await modules.start();
      const port = await listener.listen();
      modules.startJobs();
      return port;
    },
    async close() {
      if (!listener.stopListening()) return;
      await modules.pause();
      await listener.drain();
      await modules.stop();
    },
  };
}
