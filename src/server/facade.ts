import type { Analytics } from '../analytics/analytics.js';
import type { createAnalyticsModule } from '../analytics/module.js';
import type { KeyService } from '../auth/api-keys.js';
import type { createDigestsModule } from '../digests/module.js';
import type { Digests } from '../digests/service.js';
import type { EventBus } from '../events/bus.js';
import type { ModuleRunner } from '../modules/lifecycle.js';
import type { DeliveryPort } from '../notifications/delivery-port.js';
import type { createNotificationsModule } from '../notifications/module.js';
import type { SendRequests } from '../notifications/requests.js';
import type { Retention } from '../notifications/retention.js';
import type { NotificationService } from '../notifications/service.js';
import type { DeliveryTracker } from '../notifications/tracking.js';
import type { createProvidersModule } from '../providers/module.js';
import type { Providers } from '../providers/providers.js';
import type { RateLimitAdmin } from '../ratelimit/admin.js';
import type { createRateLimitModule } from '../ratelimit/module.js';
import type { createSchedulerModule } from '../scheduler/module.js';
import type { SchedulerService } from '../scheduler/service.js';
import type { createTemplatesModule } from '../templates/module.js';
import type { TemplateService } from '../templates/service.js';
import type { createTriggersModule } from '../triggers/module.js';
import type { RedisTriggers } from '../triggers/redis.js';
import type { createWebhooksModule } from '../webhooks/module.js';
import type { Webhooks } from '../webhooks/webhooks.js';
import type { createWorkflowsModule, WorkflowsServices } from '../workflows/module.js';
import type { Listener } from './listener.js';
import type { Metrics } from './metrics.js';
import type { Realtime } from './realtime/index.js';
import type { MetricStreams } from './realtime/metric-streams.js';

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
  /** Digests (null when `digests.enabled` is off). */
  readonly digests: Digests | null;
  /** Workflows and their runs. */
  readonly workflows: WorkflowsServices;
  /** The WebSocket's `metrics:*` streams (`tick` sends what is due by the clock). */
  readonly metricStreams: MetricStreams;
}

/** The modules whose services a built server hands out. */
export interface ExposedModules {
  notifications: ReturnType<typeof createNotificationsModule>;
  triggers: ReturnType<typeof createTriggersModule>;
  ratelimit: ReturnType<typeof createRateLimitModule>;
  webhooks: ReturnType<typeof createWebhooksModule>;
  analytics: ReturnType<typeof createAnalyticsModule>;
  templates: ReturnType<typeof createTemplatesModule>;
  providers: ReturnType<typeof createProvidersModule>;
  scheduler: ReturnType<typeof createSchedulerModule>;
  digests: ReturnType<typeof createDigestsModule>;
  workflows: ReturnType<typeof createWorkflowsModule>;
  realtime: Realtime;
}

/** The server-wide pieces besides the modules: what listens, what runs the modules. */
export interface ServerParts {
  metrics: Metrics;
  bus: EventBus;
  keys: KeyService;
  listener: Listener;
  runner: ModuleRunner;
}

/**
 * The face of a built server: the services of its modules by name, `listen` (modules start,
 * then the port binds, then background jobs run) and `close` (stop listening, pause the
 * modules, drain requests in flight, stop the modules in reverse).
 */
export function serverFacade(parts: ServerParts, m: ExposedModules): NotifydServer {
  const { metrics, bus, keys, listener, runner } = parts;
  const engine = m.notifications.services;
  return {
    metrics,
    notifications: engine.notifications,
    deliveries: engine.deliveries,
    requests: engine.requests,
    retention: engine.retention,
    keys,
    tracker: engine.tracker,
    triggers: m.triggers.services.triggers,
    ratelimit: m.ratelimit.services.admin,
    events: bus,
    webhooks: m.webhooks.services.webhooks,
    analytics: m.analytics.services.analytics,
    templates: m.templates.services.templates,
    providers: m.providers.services.providers,
    scheduler: m.scheduler.services.scheduler,
    digests: m.digests.services.digests,
    workflows: m.workflows.services,
    metricStreams: m.realtime.gateway.metrics,
    async listen() {
      await runner.start();
      const port = await listener.listen();
      runner.startJobs();
      return port;
    },
    async close() {
      if (!listener.stopListening()) return;
      await runner.pause();
      await listener.drain();
      await runner.stop();
    },
  };
}
