import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import type { Analytics } from '../../analytics/analytics.js';
import type { JwtVerifier } from '../../auth/jwt.js';
import type { UserPrincipal } from '../../auth/principal.js';
import { hasScope } from '../../auth/scopes.js';
import type { Clock } from '../../core/clock.js';
import { NotifydError, toNotifydError } from '../../core/errors.js';
import type { IdGenerator } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { NotificationService } from '../../notifications/service.js';
import {
  CHANNEL_PATTERN,
  type SessionInfo,
  type UnreadSummary,
  type UserChannel,
  type UserMessage,
} from '../../notifications/user-channel.js';
import { screen } from '../framing.js';
import { writeError } from '../http.js';
import type { Metrics } from '../metrics.js';
import type { Admission } from './admission.js';
import { ShardedFanOut, shardTopic } from './fanout.js';
import {
  METRICS_PREFIX,
  METRICS_SCOPE,
  type MetricStreamRequest,
  MetricStreams,
} from './metric-streams.js';
import { BEARER_PROTOCOL_PREFIX, CLOSE, SUBPROTOCOL } from './protocol.js';
import { validLastId } from './resume.js';
import type { SseHub } from './sse.js';
import {
  channelAllowed,
  channelTopic,
  HEARTBEAT_TOPIC,
  presenceChannel,
  tenantTopic,
  topicOf,
} from './topics.js';
import type { Command, Outcome, WireProtocol } from './wire.js';

/** What uWS keeps for each socket. */
interface Session {
  id: string;
  user: UserPrincipal | null;
  /** The `?token=` given at upgrade, checked once the socket is open. */
  token: string | null;
  /** The `?last_id=` given at upgrade: the session resumes after it. */
  lastId: string | null;
  /** The client's address, for the rate-limit engine once the user is known. */
  address: string;
  /** `?presence=true` or the authenticate frame's `presence`: send this session presence frames. */
  presence: boolean;
  /**
   * While that token is being checked, frames wait on this so that they run after it, in
   * the order they came; null once the session is settled.
   */
  pending: Promise<void> | null;
  authTimer: NodeJS.Timeout | null;
  /** Whether `limits` counted this session (and must forget it on close). */
  counted: boolean;
  /** Closes the session when its token expires, unless a `refresh` frame replaces it. */
  expiryTimer: NodeJS.Timeout | null;
  /** Named channels the session subscribed to (with when, ms), bounded by `maxChannelsPerSession`. */
  channels: Map<string, number>;
  closed: boolean;
  /** Which shard of each broadcast topic (tenant, channels) this session joins. */
  shard: number;
  /** The protocol it speaks: its path's, or the one its first frame was in. */
  wire: WireProtocol;
  /** Where it connected: the path rate-limit rules see. */
  path: string;
  /** Frames it sent so far (the first may choose its protocol). */
  framesIn: number;
}

export interface GatewayOptions {
  jwt: JwtVerifier;
  /** The clock tokens are checked by (the JWT verifier's). */
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  ids: IdGenerator;
  /** Largest frame a client may send; a larger one closes the socket with 1009. */
  maxPayloadBytes: number;
  /** Named channels one session may subscribe to at once. */
  maxChannelsPerSession: number;
  idleTimeoutS: number;
  authTimeoutMs: number;
  /**
   * Bytes that may wait for a client that does not read; past it the session is closed with
   * 4008 SLOW_CONSUMER (checked every second); past four times it uWS drops the socket at once.
   */
  maxBackpressureBytes: number;
  /** Event streams that get the same messages (SSE). */
  sse?: SseHub;
  /** notifyd's own protocol: its topics carry no prefix. */
  wire: WireProtocol;
}

const CHANNEL_RE = new RegExp(CHANNEL_PATTERN);

/**
 * The WebSocket side of the in-app channel: authenticates sessions, subscribes each to its
 * user's topic, and carries client actions (ack, mark_read, ping) to the service. Sessions
 * speak notifyd's protocol or a compatibility door's (wire.ts); each protocol's sessions
 * join topics of their own, so a message is encoded once per protocol that has sessions
 * there, never per session.
 */
export class RealtimeGateway implements UserChannel {
  private app: TemplatedApp | null = null;
  /** Tenant and channel topics, written a loop turn at a time when they are large. */
  private readonly fanOut = new ShardedFanOut(() => this.app);
  private service: NotificationService | null = null;
  private readonly sessions = new Set<WebSocket<Session>>();
  private slowCheck: NodeJS.Timeout | null = null;
  private readonly heartbeats: NodeJS.Timeout[] = [];
  private lifecycle: { draining: boolean } = { draining: false };
  /** Node and user limits, presence, and what a starting session is sent; set by `mount`. */
  private admission!: Admission;
  /** Every protocol served, notifyd's first. */
  private readonly wires: WireProtocol[];
  /** `metrics:<metric>` streams of this node's sessions (analytics set by `mount`). */
  readonly metrics: MetricStreams;
  /** Per user topic: the last message waiting for unread counts, which later ones follow. */
  private readonly countsFor = new Map<string, Promise<void>>();

  constructor(private readonly opts: GatewayOptions) {
    this.wires = [opts.wire];
    this.metrics = new MetricStreams({ analytics: null, clock: opts.clock, logger: opts.logger });
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
    return this.sessions.size + (this.opts.sse?.size ?? 0);
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
    const out: SessionInfo[] = [];
    for (const ws of this.sessions) {
      const { user, channels, closed } = ws.getUserData();
      if (!user || closed) continue;
      const { tenant_id, user_id } = user;
      out.push({ tenant_id, user_id, transport: 'websocket', channels });
    }
    return [...out, ...(this.opts.sse?.describe() ?? [])];
  }

  /** Tells every session the server is going away, in its protocol, then closes it. */
  closeAll(reconnectAfterS: number): void {
    if (this.slowCheck) clearInterval(this.slowCheck);
    for (const timer of this.heartbeats) clearInterval(timer);
    this.fanOut.clear();
    this.metrics.clear();
    const frames = new Map(this.wires.map((w) => [w, w.shutdown(reconnectAfterS)]));
    for (const ws of [...this.sessions]) {
      const frame = frames.get(ws.getUserData().wire) as string;
      ws.cork(() => {
        ws.send(frame);
        ws.end(CLOSE.GOING_AWAY, 'server shutting down');
      });
    }
  }

  /** Takes what every path needs; `serve` then opens each path. */
  mount(
    app: TemplatedApp,
    service: NotificationService,
    lifecycle: { draining: boolean },
    admission: Admission,
    analytics: Analytics | null,
  ): void {
    this.app = app;
    this.admission = admission;
    this.metrics.useAnalytics(analytics);
    this.service = service;
    this.lifecycle = lifecycle;
    this.slowCheck = setInterval(() => this.closeSlow(), 1000);
    this.slowCheck.unref();
  }

  /**
   * Serves WebSocket upgrades at `path`, sessions speaking `wire` (notifyd's when not
   * given); refuses them with 503 while draining.
   */
  serve(path: string, wire: WireProtocol = this.opts.wire): void {
    const app = this.app;
    if (!app) throw new Error('mount the gateway before serving a path');
    const { opts } = this;
    if (!this.wires.includes(wire)) {
      this.wires.push(wire);
      if (wire.heartbeat) this.beat(wire, wire.heartbeat);
    }
    app.ws<Session>(path, {
      // uWS drops a frame over its limit without a close frame (1006): it is given room for
      // frames up to four times the limit, which are read and closed with 1009 below.
      maxPayloadLength: 4 * opts.maxPayloadBytes,
      idleTimeout: opts.idleTimeoutS,
      // The every-second check closes a slow client with a code it can act on; this bound
      // catches a burst that outruns the check, closing without one (1006).
      maxBackpressure: 4 * opts.maxBackpressureBytes,
      closeOnBackpressureLimit: 1, // uWS types this flag as a number
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => {
        const malformed = screen(res, req);
        if (malformed === 'dropped') return;
        if (malformed) {
          const state = { aborted: false, done: false };
          return writeError(res, state, malformed, opts.ids('req'), {}, true);
        }
        const address = this.admission.address(res, req);
        const refusal = this.admission.refuse(address, this.lifecycle.draining);
        if (refusal) {
          const { err, retryAfter } = refusal;
          const state = { aborted: false, done: false };
          writeError(res, state, err, opts.ids('req'), { 'retry-after': String(retryAfter) });
          return;
        }
        // The upgrade is answered at once and the token is checked when the socket is open:
        // answering an upgrade after an await dropped about one socket in a few hundred
        // (close 1006 right after the 101) when many connect together.
        const query = new URLSearchParams(req.getQuery() ?? '');
        const offered = req
          .getHeader('sec-websocket-protocol')
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean);
        const bearer = offered.find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX));
        const header = /^Bearer\s+(.+)$/i.exec(req.getHeader('authorization'))?.[1];
        const token =
          query.get('token') ?? bearer?.slice(BEARER_PROTOCOL_PREFIX.length) ?? header ?? null;
        if (!token && wire.tokenAtUpgrade) {
          const state = { aborted: false, done: false };
          const err = new NotifydError('AUTH_FAILED', 'A token is required.');
          return writeError(res, state, err, opts.ids('req'));
        }
        const session: Session = {
          id: opts.ids('ses'),
          user: null,
          token,
          lastId: validLastId(query.get('last_id')),
          address,
          presence: query.get('presence') === 'true',
          pending: null,
          authTimer: null,
          counted: false,
          expiryTimer: null,
          channels: new Map(),
          closed: false,
          shard: this.fanOut.nextShard(),
          wire,
          path,
          framesIn: 0,
        };
        res.upgrade(
          session,
          req.getHeader('sec-websocket-key'),
          // A browser that offered subprotocols fails the connection unless one is chosen.
          offered.includes(SUBPROTOCOL) ? SUBPROTOCOL : (offered[0] ?? ''),
          req.getHeader('sec-websocket-extensions'),
          context,
        );
      },
      open: (ws) => {
        const session = ws.getUserData();
        this.sessions.add(ws);
        opts.metrics.wsConnections.inc();
        if (session.token) {
          session.pending = this.authenticate(ws, session, session.token, session.lastId);
          session.pending = session.pending.finally(() => {
            session.pending = null;
          });
          session.token = null;
          return;
        }
        session.authTimer = setTimeout(() => {
          if (!session.closed && !session.user) {
            this.refuse(
              ws,
              session,
              new NotifydError('AUTH_FAILED', 'No authenticate frame in time.'),
            );
          }
        }, opts.authTimeoutMs);
      },
      message: (ws, message) => {
        const session = ws.getUserData();
        if (message.byteLength > opts.maxPayloadBytes) {
          ws.end(CLOSE.MESSAGE_TOO_BIG, 'message too big');
          return;
        }
        const text = Buffer.from(message).toString('utf8');
        if (session.framesIn++ === 0) this.chooseWire(ws, session, text);
        const decoded = session.wire.decode(text);
        if ('error' in decoded) return this.sendError(ws, session, decoded.error, decoded.id);
        const { command, id } = decoded;
        opts.metrics.wsMessagesIn.inc({ type: command.type });
        const run = () => this.handle(ws, session, command);
        const done = session.pending ? session.pending.then(run) : run();
        if (session.pending)
          session.pending = done.then(
            () => {},
            () => {},
          );
        done.then(
          (outcome) => {
            if (!outcome || session.closed) return;
            for (const frame of session.wire.answer(command, outcome, id)) ws.send(frame);
          },
          (err: unknown) => {
            const e = toNotifydError(err);
            if (e.status >= 500) opts.logger.error({ err }, 'websocket action failed');
            this.sendError(ws, session, e, id);
          },
        );
      },
      close: (ws) => {
        const session = ws.getUserData();
        session.closed = true;
        if (session.authTimer) clearTimeout(session.authTimer);
        if (session.expiryTimer) clearTimeout(session.expiryTimer);
        if (session.counted && session.user) this.admission.release(session.user);
        this.metrics.remove(session.id);
        this.sessions.delete(ws);
        opts.metrics.wsConnections.dec();
      },
    });
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

  /**
   * A session's first frame in another protocol than its path's (a client of a
   * compatibility door that reached notifyd's path) switches it to that protocol: from then
   * on it is spoken to in it, its topics moved to that protocol's.
   */
  private chooseWire(ws: WebSocket<Session>, session: Session, text: string): void {
    const wire = this.wires.find((w) => w !== session.wire && w.opensWith(text));
    if (!wire) return;
    const old = session.wire;
    session.wire = wire;
    if (!session.user) return;
    for (const topic of ws.getTopics()) {
      if (!topic.startsWith(old.prefix)) continue;
      ws.unsubscribe(topic);
      ws.subscribe(wire.prefix + topic.slice(old.prefix.length));
    }
    if (wire.heartbeat) ws.subscribe(shardTopic(wire.prefix + HEARTBEAT_TOPIC, session.shard));
  }

  /**
   * Closes sessions whose client has not read `maxBackpressureBytes`: 4008 SLOW_CONSUMER
   * rather than memory without bound. What it missed is in the feed (resume with `last_id`),
   * its unacked notifications are redelivered, and new ones wait in the offline queue.
   */
  private closeSlow(): void {
    for (const ws of this.sessions) {
      if (ws.getBufferedAmount() <= this.opts.maxBackpressureBytes) continue;
      const session = ws.getUserData();
      if (session.closed) continue;
      this.opts.logger.info({ session: session.id }, 'closing a slow consumer');
      ws.end(CLOSE.SLOW_CONSUMER, 'slow consumer');
    }
  }

  /** Carries out one command; resolves to what the protocol answers, null when answered. */
  private async handle(
    ws: WebSocket<Session>,
    session: Session,
    command: Command,
  ): Promise<Outcome | null> {
    if (command.type === 'authenticate') {
      if (session.user) throw new NotifydError('VALIDATION_ERROR', 'Already authenticated.');
      if (command.presence !== undefined) session.presence = command.presence;
      await this.authenticate(ws, session, command.token, command.last_id ?? session.lastId);
      return null;
    }
    const user = session.user;
    if (!user) {
      this.refuse(ws, session, new NotifydError('AUTH_FAILED', 'Authenticate first.'));
      return null;
    }
    const service = this.service!;
    switch (command.type) {
      case 'ping':
        return { type: 'pong' };
      case 'ack':
        if (command.ids.length > 0) await service.ack(user, command.ids);
        return { type: 'done' };
      case 'mark_read':
        await service.markRead(user, command.ids, true);
        return { type: 'done' };
      case 'mark_all_read':
        await service.markAllRead(user, command.category);
        return { type: 'done' };
      case 'dismiss':
        for (const id of command.ids) await service.remove(user, id);
        return { type: 'done' };
      case 'refresh': {
        const fresh = await this.opts.jwt.verify(command.token);
        if (fresh.user_id !== user.user_id || fresh.tenant_id !== user.tenant_id) {
          throw new NotifydError('AUTH_FAILED', 'A refresh token must be for the same user.');
        }
        session.user = fresh;
        this.watchExpiry(ws, session, fresh);
        const expiresAt =
          fresh.expires_at === null ? null : new Date(fresh.expires_at).toISOString();
        return { type: 'refreshed', expires_at: expiresAt };
      }
      case 'subscribe': {
        const [first] = command.channels;
        // notifyd's frames name one channel; a metric stream is notifyd's protocol only.
        if (first?.startsWith(METRICS_PREFIX) && session.wire === this.opts.wire) {
          return this.subscribeMetric(ws, session, user, first, command.metric ?? {});
        }
        const taken: string[] = [];
        let refused: NotifydError | undefined;
        for (const channel of command.channels) {
          const why = this.subscribe(ws, session, user, channel);
          if (why) refused ??= why;
          else taken.push(channel);
        }
        return { type: 'subscribed', channels: taken, ...(refused ? { refused } : {}) };
      }
      case 'unsubscribe':
        for (const channel of command.channels) {
          session.channels.delete(channel);
          this.metrics.remove(session.id, channel);
          const topic = session.wire.prefix + channelTopic(user.tenant_id, channel);
          ws.unsubscribe(shardTopic(topic, session.shard));
        }
        return { type: 'unsubscribed', channels: command.channels };
    }
  }

  /**
   * Joins the session to the stream of `metrics:<metric>` when its token has
   * `analytics:read`: answered with `subscribed` then the first `metric` frame, one more
   * every interval. Refused with FORBIDDEN, VALIDATION_ERROR (interval, window),
   * INVALID_METRIC or ANALYTICS_DISABLED.
   */
  private async subscribeMetric(
    ws: WebSocket<Session>,
    session: Session,
    user: UserPrincipal,
    channel: string,
    request: MetricStreamRequest,
  ): Promise<Outcome> {
    const refused = (err: NotifydError): Outcome => ({
      type: 'subscribed',
      channels: [],
      refused: err,
    });
    if (!hasScope(user.scopes, METRICS_SCOPE)) {
      const why = `Metric streams need a token with the ${METRICS_SCOPE} scope.`;
      return refused(new NotifydError('FORBIDDEN', why, { channel, scope: METRICS_SCOPE }));
    }
    if (!CHANNEL_RE.test(channel)) {
      return refused(new NotifydError('VALIDATION_ERROR', `Not a channel name: ${channel}.`));
    }
    if (
      !session.channels.has(channel) &&
      session.channels.size >= this.opts.maxChannelsPerSession
    ) {
      const limit = this.opts.maxChannelsPerSession;
      return refused(new NotifydError('TOO_MANY_CHANNELS', undefined, { limit }));
    }
    const subscriber = {
      id: session.id,
      send: (frame: string) => {
        if (!session.closed) ws.send(frame);
      },
    };
    let metric: Outcome & { type: 'subscribed' };
    try {
      const sample = await this.metrics.add(user.tenant_id, channel, request, subscriber);
      metric = { type: 'subscribed', channels: [channel], metric: sample };
    } catch (err) {
      return refused(toNotifydError(err));
    }
    // Closed while the first value was computed: `close` has run, so leave here.
    if (session.closed) this.metrics.remove(session.id);
    else session.channels.set(channel, this.opts.clock.now());
    return metric;
  }

  /** Subscribes the session to a named channel; the error when it may not. */
  private subscribe(
    ws: WebSocket<Session>,
    session: Session,
    user: UserPrincipal,
    channel: string,
  ): NotifydError | null {
    if (!CHANNEL_RE.test(channel)) {
      return new NotifydError('VALIDATION_ERROR', `Not a channel name: ${channel}.`, { channel });
    }
    if (!session.wire.anyChannel && !channelAllowed(user.channels, channel)) {
      return new NotifydError('CHANNEL_FORBIDDEN', undefined, { channel });
    }
    if (!session.channels.has(channel)) {
      if (session.channels.size >= this.opts.maxChannelsPerSession) {
        return new NotifydError('TOO_MANY_CHANNELS', undefined, {
          limit: this.opts.maxChannelsPerSession,
        });
      }
      session.channels.set(channel, this.opts.clock.now());
    }
    const topic = session.wire.prefix + channelTopic(user.tenant_id, channel);
    ws.subscribe(shardTopic(topic, session.shard));
    return null;
  }

  /** Admits the session with this token's user, or refuses it and closes the socket. */
  private async authenticate(
    ws: WebSocket<Session>,
    session: Session,
    token: string,
    lastId: string | null,
  ) {
    let user: UserPrincipal;
    try {
      user = await this.opts.jwt.verify(token);
    } catch (err) {
      return this.refuse(ws, session, toNotifydError(err));
    }
    const limited = await this.admission
      .limit(user, session.address, session.path)
      .catch((err: unknown) => toNotifydError(err));
    if (limited) {
      if (session.closed) return;
      ws.cork(() => {
        ws.send(session.wire.error(limited));
        ws.end(CLOSE.RATE_LIMITED, 'rate limited');
      });
      return;
    }
    // Read before the session is subscribed: a notification from then on carries its own.
    const counts = await this.service!.unread(user).catch(() => null);
    if (this.admit(ws, session, user, counts)) await this.start(ws, session, user, lastId);
  }

  /**
   * Sends what the user missed after `lastId` and what waits for them (offline queue,
   * unacknowledged), oldest first, then `resumed`. The session is already subscribed, so
   * nothing published meanwhile is lost; a notification may then come twice (live and
   * replayed), recognisable by its id.
   */
  private async start(
    ws: WebSocket<Session>,
    session: Session,
    user: UserPrincipal,
    lastId: string | null,
  ) {
    try {
      const { messages, replayed } = await this.admission.startMessages(
        this.service!,
        user,
        lastId,
      );
      if (session.closed || messages.length === 0) return;
      // Recorded as pending before they go out, so an immediate ack finds them; if the
      // session closes meanwhile they time out and wait for the next one.
      await this.admission.sent(user, replayed);
      if (session.closed) return;
      ws.cork(() => {
        for (const message of messages) {
          const frame = session.wire.encode(message);
          if (frame !== null) ws.send(frame);
        }
      });
    } catch (err) {
      this.sendError(ws, session, toNotifydError(err));
    }
  }

  /** Counts and subscribes the session; false when it was closed or refused instead. */
  private admit(
    ws: WebSocket<Session>,
    session: Session,
    user: UserPrincipal,
    counts: UnreadSummary | null,
  ): boolean {
    if (session.closed) return false;
    if (session.authTimer) clearTimeout(session.authTimer);
    const { wire, shard } = session;
    if (!this.admission.admit(user)) {
      ws.cork(() => {
        ws.send(wire.error(new NotifydError('TOO_MANY_CONNECTIONS')));
        ws.end(CLOSE.TOO_MANY_CONNECTIONS, 'too many connections');
      });
      return false;
    }
    session.counted = true;
    session.user = user;
    const { prefix } = wire;
    ws.subscribe(prefix + topicOf(user.tenant_id, user.user_id));
    ws.subscribe(shardTopic(prefix + tenantTopic(user.tenant_id), shard));
    if (session.presence) {
      const presence = channelTopic(user.tenant_id, presenceChannel(user.user_id));
      ws.subscribe(shardTopic(prefix + presence, shard));
    }
    if (wire.heartbeat) ws.subscribe(shardTopic(prefix + HEARTBEAT_TOPIC, shard));
    this.watchExpiry(ws, session, user);
    const greeting = wire.greeting({ session_id: session.id, user, counts, channels: [] });
    if (greeting !== null) ws.send(greeting);
    return true;
  }

  /** Closes the session with TOKEN_EXPIRED when the token runs out, unless refreshed first. */
  private watchExpiry(ws: WebSocket<Session>, session: Session, user: UserPrincipal): void {
    if (session.expiryTimer) clearTimeout(session.expiryTimer);
    session.expiryTimer = null;
    if (user.expires_at === null) return;
    // setTimeout holds at most ~24.8 days; a longer token is checked again then.
    const delay = Math.min(Math.max(user.expires_at - this.opts.clock.now(), 0), 2 ** 31 - 1);
    session.expiryTimer = setTimeout(() => {
      if (session.closed) return;
      if (user.expires_at !== null && user.expires_at > this.opts.clock.now()) {
        return this.watchExpiry(ws, session, user);
      }
      ws.cork(() => {
        ws.send(session.wire.error(new NotifydError('TOKEN_EXPIRED')));
        ws.end(CLOSE.TOKEN_EXPIRED, 'token expired');
      });
    }, delay);
    session.expiryTimer.unref();
  }

  private refuse(ws: WebSocket<Session>, session: Session, err: NotifydError): void {
    if (session.closed) return;
    ws.cork(() => {
      ws.send(session.wire.error(new NotifydError('AUTH_FAILED', err.message)));
      ws.end(CLOSE.AUTH_FAILED, 'authentication failed');
    });
  }

  private sendError(
    ws: WebSocket<Session>,
    session: Session,
    err: NotifydError,
    id?: string,
  ): void {
    if (!session.closed) ws.send(session.wire.error(err, id));
  }
}
