import type { TemplatedApp } from 'uWebSockets.js';
import type { Analytics } from '../../analytics/analytics.js';
import type { UserPrincipal } from '../../auth/principal.js';
import type { FeedService } from '../../notifications/feed-service.js';
import type { NotificationService } from '../../notifications/service.js';
import type { SessionInfo, UserChannel, UserMessage } from '../../notifications/user-channel.js';
import type { Admission } from './admission.js';
import { ShardedFanOut } from './fanout.js';
import type { GatewayOptions } from './gateway-options.js';
import { MetricStreams } from './metric-streams.js';
import type { Session } from './session.js';
import { channelTopic, HEARTBEAT_TOPIC, tenantTopic, topicOf } from './topics.js';
import { refuseWithoutUpgrade } from './upgrade-required.js';
import { WebSocketSessions } from './websocket-sessions.js';
import type { WireProtocol } from './wire.js';

/**
 * The WebSocket side of the in-app channel: publishes each message to the topics of the
 * sessions it is for and counts who a publish reaches; the sessions themselves (upgrade,
 * token, frames, close) are `WebSocketSessions`'. Sessions speak notifyd's protocol or a
 * compatibility door's (wire.ts); each protocol's sessions join topics of their own, so a
 * message is encoded once per protocol that has sessions there, never per session.
 */
export class RealtimeGateway implements UserChannel {
  private app: TemplatedApp | null = null;
  /** Tenant and channel topics, written a loop turn at a time when they are large. */
  private readonly fanOut = new ShardedFanOut(() => this.app);
  private service: NotificationService | null = null;
  /** The WebSocket sessions open on this node. */
  private readonly sockets: WebSocketSessions;
  private readonly heartbeats: NodeJS.Timeout[] = [];
  /** Every protocol served, notifyd's first. */
  private readonly wires: WireProtocol[];
  /** `metrics:<metric>` streams of this node's sessions (analytics set by `mount`). */
  readonly metrics: MetricStreams;
  /** Per user topic: the last message waiting for unread counts, which later ones follow. */
  private readonly countsFor = new Map<string, Promise<void>>();

  constructor(private readonly opts: GatewayOptions) {
    this.wires = [opts.wire];
    this.metrics = new MetricStreams({ analytics: null, clock: opts.clock, logger: opts.logger });
    this.sockets = new WebSocketSessions({
      opts,
      wires: this.wires,
      fanOut: this.fanOut,
      streams: this.metrics,
    });
  }

  /**
   * Sends to the user's sessions. A notification goes with the user's unread counts (read
   * from the store once it is there, only when the user has a session on this node that
   * shows them); whatever is published for the user meanwhile waits behind it, so order holds.
   */
  publish(tenantId: string, userId: string, message: UserMessage): void {
    const topic = topicOf(tenantId, userId);
    const waiting = this.countsFor.get(topic);
    const counted = message.type === 'notification' && this.countedSessions(topic) > 0;
    if (!waiting && !counted) {
      this.publishTopic(topic, message);
      return;
    }
    const send = async () => {
      if (!counted || !this.service) {
        this.publishTopic(topic, message);
        return;
      }
      const owner = { tenant_id: tenantId, user_id: userId } as UserPrincipal;
      const counts = await this.service.unread(owner).catch(() => null);
      this.publishTopic(topic, counts ? { ...message, ...counts } : message);
      if (counts) this.opts.sse?.publish(topic, { type: 'unread_count', data: counts });
    };
    const next = (waiting ?? Promise.resolve()).then(send, send);
    this.countsFor.set(topic, next);
    void next.finally(() => {
      if (this.countsFor.get(topic) === next) this.countsFor.delete(topic);
    });
  }

  publishTenant(tenantId: string, message: UserMessage): void {
    this.publishBroadcast(tenantTopic(tenantId), message);
  }

  publishChannel(tenantId: string, channel: string, message: UserMessage): void {
    this.publishBroadcast(channelTopic(tenantId, channel), message);
  }

  /** Sessions that show unread counts: notifyd's own WebSocket sessions and SSE streams. */
  private countedSessions(topic: string): number {
    return (this.app?.numSubscribers(topic) ?? 0) + (this.opts.sse?.count(topic) ?? 0);
  }

  private publishBroadcast(topic: string, message: UserMessage): void {
    if (!this.app) return;
    this.opts.sse?.publish(topic, message);
    for (const wire of this.wires) {
      const mine = wire.prefix + topic;
      if (this.fanOut.subscribers(mine) === 0) continue;
      const frame = wire.encode(message);
      if (frame === null) continue;
      this.fanOut.publish(mine, frame, () =>
        this.opts.metrics.wsMessagesOut.inc({ type: message.type }),
      );
    }
  }

  private publishTopic(topic: string, message: UserMessage): void {
    const app = this.app;
    if (!app) return;
    this.opts.sse?.publish(topic, message);
    for (const wire of this.wires) {
      const mine = wire.prefix + topic;
      // Most recipients are offline: skip serialising for nobody.
      if (app.numSubscribers(mine) === 0) continue;
      const frame = wire.encode(message);
      if (frame !== null && app.publish(mine, frame)) {
        this.opts.metrics.wsMessagesOut.inc({ type: message.type });
      }
    }
  }

  /** Open sessions now, WebSocket and SSE. */
  get size(): number {
    return this.sockets.size + (this.opts.sse?.size ?? 0);
  }

  /** WebSocket sessions of every protocol on `topic` (unsharded). */
  private subscribers(topic: string): number {
    const app = this.app;
    if (!app) return 0;
    let n = 0;
    for (const wire of this.wires) n += app.numSubscribers(wire.prefix + topic);
    return n;
  }

  /** WebSocket sessions of every protocol on a sharded broadcast topic. */
  private broadcastSubscribers(topic: string): number {
    let n = 0;
    for (const wire of this.wires) n += this.fanOut.subscribers(wire.prefix + topic);
    return n;
  }

  /** Open, authenticated sessions (WebSocket and SSE) of one user on this node. */
  sessionsOf(tenantId: string, userId: string): number {
    const topic = topicOf(tenantId, userId);
    return this.subscribers(topic) + (this.opts.sse?.count(topic) ?? 0);
  }

  /** Sessions on this node (WebSocket and SSE) a broadcast to the tenant reaches. */
  reachTenant(tenantId: string): number {
    const topic = tenantTopic(tenantId);
    return this.broadcastSubscribers(topic) + (this.opts.sse?.count(topic) ?? 0);
  }

  /** Sessions on this node (WebSocket and SSE) subscribed to the tenant's channel. */
  reachChannel(tenantId: string, channel: string): number {
    const topic = channelTopic(tenantId, channel);
    return this.broadcastSubscribers(topic) + (this.opts.sse?.count(topic) ?? 0);
  }

  /** Every open authenticated session on this node: who, over what, which channels. */
  describe(): SessionInfo[] {
    return [...this.sockets.describe(), ...(this.opts.sse?.describe() ?? [])];
  }

  /** Tells every session the server is going away, in its protocol, then closes it. */
  closeAll(reconnectAfterS: number): void {
    for (const timer of this.heartbeats) clearInterval(timer);
    this.fanOut.clear();
    this.metrics.clear();
    this.sockets.closeAll(new Map(this.wires.map((w) => [w, w.shutdown(reconnectAfterS)])));
  }

  /** Takes what every path needs; `serve` then opens each path. */
  mount(
    app: TemplatedApp,
    service: NotificationService,
    feed: FeedService,
    lifecycle: { draining: boolean },
    admission: Admission,
    analytics: Analytics | null,
  ): void {
    this.app = app;
    this.metrics.useAnalytics(analytics);
    this.service = service;
    this.sockets.mount(service, feed, lifecycle, admission);
  }

  /**
   * Serves WebSocket upgrades at `path`, sessions speaking `wire` (notifyd's when not
   * given); refuses them with 503 while draining, and a plain GET with 426.
   */
  serve(path: string, wire: WireProtocol = this.opts.wire): void {
    const app = this.app;
    if (!app) throw new Error('mount the gateway before serving a path');
    if (!this.wires.includes(wire)) {
      this.wires.push(wire);
      if (wire.heartbeat) this.beat(wire, wire.heartbeat);
    }
    app.ws<Session>(path, this.sockets.behavior(path, wire));
    refuseWithoutUpgrade(app, path, this.opts.ids);
  }

  /** Sends `wire`'s heartbeat frame to all its sessions every so often: one publish each time. */
  private beat(wire: WireProtocol, heartbeat: { everyMs: number; frame: string }): void {
    const timer = setInterval(() => {
      const topic = wire.prefix + HEARTBEAT_TOPIC;
      if (this.fanOut.subscribers(topic) > 0) this.fanOut.publish(topic, heartbeat.frame, () => {});
    }, heartbeat.everyMs);
    timer.unref();
    this.heartbeats.push(timer);
  }
}
