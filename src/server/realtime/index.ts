import type { TemplatedApp } from 'uWebSockets.js';
import type { Analytics } from '../../analytics/analytics.js';
import type { ClusterNode } from '../../cluster/node.js';
import type { Config } from '../../config/options.js';
import type { Clock } from '../../core/clock.js';
import type { NotifydModule } from '../../modules/contract.js';
import type { FeedService } from '../../notifications/feed-service.js';
import type { NotificationService } from '../../notifications/service.js';
import type { DeliveryTracker } from '../../notifications/tracking.js';
import type { UserChannel } from '../../notifications/user-channel.js';
import type { HttpRateLimiting } from '../../ratelimit/http-limiting.js';
import type { ClientAddresses } from '../client-address.js';
import { Admission } from './admission.js';
import { RealtimeGateway } from './gateway.js';
import { ConnectionLimits } from './limits.js';
import { notifydWire } from './notifyd-wire.js';
import { Presence } from './presence.js';
import type { RealtimeDeps } from './realtime-deps.js';
import { SseHub } from './sse.js';
import type { RealtimeDoor, WireProtocol } from './wire.js';

/** What the gateway needs once the modules are built. */
export interface MountDeps {
  notifications: NotificationService;
  /** Dismissing from a session, as REST dismiss does it. */
  feed: FeedService;
  tracker: DeliveryTracker;
  presence: Presence;
  addresses: ClientAddresses;
  /** Every authenticated connection goes through the rate-limit engine too, when on. */
  limiting: HttpRateLimiting | null;
  lifecycle: { draining: boolean };
  /** The analytics module's services, which `metrics:*` streams query; null when disabled. */
  analytics: Analytics | null;
  /** Other protocols at paths of their own (a compatibility door's), beside notifyd's. */
  doors: RealtimeDoor[];
}

/**
 * The real-time side of the server: WebSocket sessions at `/api/v1/ws` and SSE streams at
 * `/api/v1/sse`, which get the same messages, and the same again in a compatibility door's
 * protocol at its paths. Built before the modules (the cluster needs its sessions), mounted
 * after them (sessions need the feed).
 */
export class Realtime implements NotifydModule<Record<string, never>> {
  readonly name = 'realtime';
  readonly routes = [];
  readonly services = {};
  readonly sse: SseHub;
  readonly gateway: RealtimeGateway;
  /** notifyd's own protocol. */
  readonly wire: WireProtocol;

  constructor(
    private readonly settings: Config['realtime'],
    deps: RealtimeDeps,
  ) {
    const { jwt, metrics, logger, ids, cors, clock } = deps;
    this.wire = notifydWire(settings.sse_heartbeat_s * 1000);
    this.sse = new SseHub({
      jwt,
      metrics,
      logger,
      ids,
      cors,
      clock,
      maxChannelsPerSession: settings.max_channels_per_session,
      maxBackpressureBytes: settings.max_backpressure_bytes,
    });
    this.gateway = new RealtimeGateway({
      wire: this.wire,
      sse: this.sse,
      jwt,
      clock,
      metrics,
      logger,
      ids,
      maxPayloadBytes: settings.max_payload_bytes,
      maxChannelsPerSession: settings.max_channels_per_session,
      idleTimeoutS: settings.idle_timeout_s,
      authTimeoutMs: settings.auth_timeout_ms,
      maxBackpressureBytes: settings.max_backpressure_bytes,
    });
  }

  /** Who is connected, on this node or (with a cluster node) on every node. */
  presence(cluster: ClusterNode | null, users: UserChannel, clock: Clock): Presence {
    return new Presence(this.gateway, cluster, users, clock);
  }

  mount(app: TemplatedApp, m: MountDeps): void {
    const { settings } = this;
    const admission = new Admission(
      {
        maxConnections: settings.max_connections,
        addresses: m.addresses,
        limits: new ConnectionLimits({
          perUser: settings.max_connections_per_user,
          perTenant: settings.max_connections_per_tenant,
          ratePerIp: settings.connect_rate_per_ip,
          burstPerIp: 2 * settings.connect_rate_per_ip,
        }),
        presence: m.presence,
        tracker: m.tracker,
      },
      () => this.gateway.size,
    );
    admission.useEngine(m.limiting);
    this.gateway.mount(app, m.notifications, m.feed, m.lifecycle, admission, m.analytics);
    this.sse.mount(m.notifications, m.lifecycle, admission);
    for (const { ws, sse, wire } of this.doors(m.doors)) {
      this.gateway.serve(ws, wire);
      this.sse.serve(app, sse, wire);
    }
  }

  /** Every door sessions come in by: notifyd's own, then the compatibility doors given. */
  doors(others: readonly RealtimeDoor[]): RealtimeDoor[] {
    return [{ ws: '/api/v1/ws', sse: '/api/v1/sse', wire: this.wire }, ...others];
  }

  /** Once requests are done: every session gets a shutdown frame and is closed. */
  stop(): void {
    this.gateway.closeAll(this.settings.reconnect_after_s);
    this.sse.closeAll(this.settings.reconnect_after_s);
  }
}
