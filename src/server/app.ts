import uWS from 'uWebSockets.js';
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeyService } from '../auth/api-keys.js';
import { createJwtVerifier } from '../auth/jwt.js';
import { ClusterNode, defaultNodeId } from '../cluster/node.js';
import { standaloneView } from '../cluster/view.js';
import type { Config } from '../config/options.js';
import { type Clock, systemClock } from '../core/clock.js';
import { createIdGenerator } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { EventBus } from '../events/bus.js';
import type { AnyRoute } from '../http/route.js';
import { CursorCodec } from '../notifications/cursor.js';
import { LiveMessages } from '../notifications/live.js';
import { startMaintenance } from '../notifications/maintenance.js';
import { NotificationService } from '../notifications/service.js';
import { DeliveryTracker } from '../notifications/tracking.js';
import { RateLimitAdmin } from '../ratelimit/admin.js';
import { buildRateLimitEngine } from '../ratelimit/engine.js';
import type { RateLimitEventObserver } from '../ratelimit/objects.js';
import { rateLimitCheckRoutes } from '../ratelimit/routes/check.js';
import { rateLimitObjectRoutes } from '../ratelimit/routes/objects.js';
import type { Store } from '../store/types.js';
import { TriggerActions } from '../triggers/actions.js';
import { RedisTriggers } from '../triggers/redis.js';
import { VERSION } from '../version.js';
import { webhookRoutes } from '../webhooks/routes.js';
import { Webhooks } from '../webhooks/webhooks.js';
import { ClientAddresses } from './client-address.js';
import { Cors } from './cors.js';
import { Metrics } from './metrics.js';
import { buildOpenApi } from './openapi.js';
import { Admission } from './realtime/admission.js';
import { RealtimeGateway } from './realtime/gateway.js';
import { ConnectionLimits } from './realtime/limits.js';
import { Presence } from './realtime/presence.js';
import { SseHub } from './realtime/sse.js';
import { mountRoutes } from './router.js';
import { clusterRoutes } from './routes/cluster.js';
import { deliveryStateRoutes } from './routes/delivery-state.js';
import { feedRoutes } from './routes/feed.js';
import { keyRoutes } from './routes/keys.js';
import { liveRoutes } from './routes/live.js';
import { notificationRoutes } from './routes/notifications.js';
import { operationsRoutes } from './routes/operations.js';

/** What the server is built from; tests inject their own. */
export interface ServerDeps {
  store: Store;
  logger: Logger;
  clock?: Clock;
  /** Keys with every scope besides `auth.admin_key` (e.g. the bootstrap key file's). */
  adminKeys?: string[];
  /**
   * Told of every rate-limit configuration change (`ratelimit.policy_created`, …), besides
   * the event bus (which takes them to webhooks).
   */
  onRateLimitEvent?: RateLimitEventObserver;
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
}

function cursorKey(config: Config): Buffer {
  const seed = config.feed.cursor_secret || config.auth.jwt.secret;
  if (!seed) return randomBytes(32);
  return createHash('sha256').update(`notifyd-cursor:${seed}`).digest();
}

/** Builds the HTTP + WebSocket server without listening. */
export function createServer(config: Config, deps: ServerDeps): NotifydServer {
  const clock = deps.clock ?? systemClock;
  const ids = createIdGenerator(clock);
  const { store, logger } = deps;
  const metrics = new Metrics();
  const lifecycle = { inflight: 0, draining: false };
  const jwt = createJwtVerifier(config.auth.jwt);
  const keys = new KeyService(store.keys, clock, ids, config.auth.key_cache_ms, [
    config.auth.admin_key,
    ...(deps.adminKeys ?? []),
  ]);
  const cluster = config.cluster.enabled
    ? new ClusterNode({
        redisUrl: config.store.redis.url,
        prefix: config.store.redis.prefix,
        nodeId: config.cluster.node_id,
        heartbeatMs: config.cluster.heartbeat_interval_ms,
        nodeTtlMs: config.cluster.node_ttl_ms,
        version: VERSION,
        clock,
        logger,
      })
    : null;
  const cors = new Cors(config.server.cors_origins);
  const addresses = new ClientAddresses(config.server.trust_proxy, config.server.trusted_proxies);
  const sse = new SseHub({
    jwt,
    metrics,
    logger,
    ids,
    cors,
    heartbeatMs: config.realtime.sse_heartbeat_s * 1000,
    maxBackpressureBytes: config.realtime.max_backpressure_bytes,
  });
  const gateway = new RealtimeGateway({
    sse,
    jwt,
    metrics,
    logger,
    ids,
    maxPayloadBytes: config.realtime.max_payload_bytes,
    idleTimeoutS: config.realtime.idle_timeout_s,
    authTimeoutMs: config.realtime.auth_timeout_ms,
    maxBackpressureBytes: config.realtime.max_backpressure_bytes,
  });
  const presence = new Presence(gateway, cluster, cluster ?? gateway, clock);
  const tracker = new DeliveryTracker({
    store,
    clock,
    ids,
    logger,
    presence,
    settings: config.realtime,
  });
  const admission = new Admission(
    {
      maxConnections: config.realtime.max_connections,
      addresses,
      limits: new ConnectionLimits({
        perUser: config.realtime.max_connections_per_user,
        perTenant: config.realtime.max_connections_per_tenant,
        ratePerIp: config.realtime.connect_rate_per_ip,
        burstPerIp: 2 * config.realtime.connect_rate_per_ip,
      }),
      presence,
      tracker,
    },
    () => gateway.size,
  );
  const notifications = new NotificationService({
    store,
    clock,
    ids,
    cursors: new CursorCodec(cursorKey(config)),
    users: cluster ?? gateway,
    idempotencyTtlMs: config.notifications.idempotency_ttl_s * 1000,
    tracker,
  });

  const live = new LiveMessages(cluster ?? gateway, ids, clock);
  const triggerConfig = config.triggers.redis;
  const triggers = triggerConfig.enabled
    ? new RedisTriggers({
        url: triggerConfig.url || config.store.redis.url,
        channels: triggerConfig.channels,
        actions: new TriggerActions(notifications, live, ids),
        metrics,
        logger,
        clock,
        lease: cluster
          ? {
              prefix: config.store.redis.prefix,
              owner: cluster.nodeId,
              ttlMs: triggerConfig.lease_ttl_ms,
            }
          : null,
      })
    : null;
  const events = new EventBus(clock, ids, logger);
  const webhooks = new Webhooks({
    store: store.objects,
    bus: events,
    clock,
    ids,
    settings: config.webhooks,
    count: (result) => metrics.webhookDeliveries.inc({ result }),
    logger,
  });
  webhooks.dispatcher.start();
  const onRateLimitEvent = deps.onRateLimitEvent;
  const ratelimit = new RateLimitAdmin({
    store: store.objects,
    clock,
    ids,
    cacheMs: config.ratelimit.config_cache_ms,
    logger,
    // Every configuration change is an event of the object's tenant (null: a global object).
    onEvent: (type, data) => {
      const tenant = typeof data.tenant_id === 'string' ? data.tenant_id : null;
      events.emit(type, tenant, data);
      onRateLimitEvent?.(type, data);
    },
  });
  const limiting = buildRateLimitEngine(config, {
    store,
    admin: ratelimit,
    clock,
    logger,
    metrics,
    // Limit events go out like configuration changes: on the bus, to the webhooks.
    events: (type, tenantId, data) => {
      events.emit(type, tenantId, data);
      onRateLimitEvent?.(type, { ...data, tenant_id: tenantId });
    },
  });

  admission.useEngine(limiting.http);

  let openapi = '';
  const routes: AnyRoute[] = [
    ...notificationRoutes(notifications, metrics),
    ...feedRoutes(notifications, config.feed),
    ...liveRoutes(live),
    ...keyRoutes(keys),
    ...deliveryStateRoutes(tracker, presence),
    ...rateLimitObjectRoutes(ratelimit, clock),
    ...rateLimitCheckRoutes({
      check: limiting.check,
      stats: limiting.stats,
      config: ratelimit.config,
      store: limiting.probe,
      now: () => clock.now(),
    }),
    ...webhookRoutes(webhooks),
    ...clusterRoutes(
      cluster ??
        standaloneView(
          gateway,
          { id: defaultNodeId(), version: VERSION, startedAt: clock.now() },
          clock,
        ),
    ),
    ...operationsRoutes({
      store,
      metrics: config.metrics.enabled ? metrics : null,
      lifecycle,
      openapi: () => openapi,
    }),
  ];
  openapi = JSON.stringify(buildOpenApi(routes, VERSION));

  const app = uWS.App();
  cors.mount(app);
  gateway.mount(app, '/api/v1/ws', notifications, lifecycle, admission);
  sse.mount(app, '/api/v1/sse', notifications, lifecycle, admission);
  mountRoutes(app, routes, {
    keys,
    jwt,
    metrics,
    logger,
    ids,
    bodyLimit: config.server.body_limit,
    addresses,
    accessLog: config.log.access,
    cors,
    lifecycle,
    ...(limiting.http ? { rateLimiting: limiting.http } : {}),
  });

  let listenSocket: uWS.us_listen_socket | null = null;
  let stopMaintenance = () => {};
  let stopSweeper = () => {};
  let stopStats = async () => {};
  return {
    metrics,
    notifications,
    keys,
    tracker,
    triggers,
    ratelimit,
    events,
    webhooks,
    async listen() {
      await cluster?.start(gateway);
      triggers?.start();
      return new Promise((resolve, reject) => {
        app.listen(config.server.host, config.server.port, (socket) => {
          if (!socket) {
            reject(new Error(`cannot listen on ${config.server.host}:${config.server.port}`));
            return;
          }
          listenSocket = socket;
          stopMaintenance = startMaintenance(store, clock, logger, 60_000);
          stopSweeper = tracker.start();
          stopStats = limiting.start();
          resolve(uWS.us_socket_local_port(socket));
        });
      });
    },
    async close() {
      if (lifecycle.draining) return;
      lifecycle.draining = true;
      stopMaintenance();
      stopSweeper();
      await stopStats();
      if (listenSocket) uWS.us_listen_socket_close(listenSocket);
      listenSocket = null;
      // No new triggers either; the one being handled finishes while sessions are open.
      await triggers?.close();
      const deadline = Date.now() + config.server.shutdown_timeout_ms;
      while (lifecycle.inflight > 0 && Date.now() < deadline) await sleep(10);
      if (lifecycle.inflight > 0) {
        logger.warn(
          { inflight: lifecycle.inflight },
          'shutdown timeout: closing with requests in flight',
        );
      }
      // Requests are done, so no more events; deliveries in flight get a moment to finish.
      await webhooks.dispatcher.close(
        Math.min(config.webhooks.timeout_ms, config.server.shutdown_timeout_ms),
      );
      gateway.closeAll(config.realtime.reconnect_after_s);
      sse.closeAll(config.realtime.reconnect_after_s);
      await cluster?.close();
    },
  };
}
