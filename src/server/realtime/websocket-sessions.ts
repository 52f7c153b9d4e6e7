import type { WebSocketBehavior } from 'uWebSockets.js';
import { NotifydError, toNotifydError } from '../../core/errors.js';
import type { FeedService } from '../../notifications/feed-service.js';
import type { NotificationService } from '../../notifications/service.js';
import type { SessionInfo } from '../../notifications/user-channel.js';
import { screen } from '../framing.js';
import { writeError } from '../http.js';
import type { Admission } from './admission.js';
import { ChannelSubscriptions } from './channel-subscriptions.js';
import { type ShardedFanOut, shardTopic } from './fanout.js';
import type { GatewayOptions } from './gateway-options.js';
import type { MetricStreams } from './metric-streams.js';
import { CLOSE, SUBPROTOCOL } from './protocol.js';
import { validLastId } from './resume.js';
import {
  offeredProtocols,
  type Session,
  type SessionSocket,
  sendError,
  upgradeToken,
} from './session.js';
import { SessionAuth } from './session-auth.js';
import { SessionCommands } from './session-commands.js';
import { HEARTBEAT_TOPIC } from './topics.js';
import type { WireProtocol } from './wire.js';

export interface WebSocketSessionsDeps {
  opts: GatewayOptions;
  /** Every protocol served, notifyd's first (the gateway's list, which grows as paths are served). */
  wires: readonly WireProtocol[];
  /** Deals each new session its shard of the broadcast topics. */
  fanOut: ShardedFanOut;
  /** `metrics:<metric>` streams of this node's sessions. */
  streams: MetricStreams;
}

/**
 * The gateway's open WebSocket sessions and their lifecycle: the upgrade (refused while
 * draining or over the node's limits), the token check, each frame in, the close, and the
 * every-second check that closes clients that do not read.
 */
export class WebSocketSessions {
  private readonly open = new Set<SessionSocket>();
  private slowCheck: NodeJS.Timeout | null = null;
  private lifecycle: { draining: boolean } = { draining: false };
  /** Set by `mount`. */
  private admission!: Admission;
  private auth!: SessionAuth;
  private commands!: SessionCommands;

  constructor(private readonly deps: WebSocketSessionsDeps) {}

  /** Open WebSocket sessions now. */
  get size(): number {
    return this.open.size;
  }

  /** Takes what sessions need once the modules are built, and starts the slow-client check. */
  mount(
    service: NotificationService,
    feed: FeedService,
    lifecycle: { draining: boolean },
    admission: Admission,
  ): void {
    const { opts, streams } = this.deps;
    const { jwt, clock, maxChannelsPerSession, wire } = opts;
    this.admission = admission;
    this.lifecycle = lifecycle;
    this.auth = new SessionAuth({ jwt, clock, service, admission });
    const channels = new ChannelSubscriptions({ maxChannelsPerSession, clock, streams });
    this.commands = new SessionCommands({ jwt, service, feed, auth: this.auth, channels, wire });
    this.slowCheck = setInterval(() => this.closeSlow(), 1000);
    this.slowCheck.unref();
  }

  /** Every open authenticated session: who, over what, which channels. */
  describe(): SessionInfo[] {
    const out: SessionInfo[] = [];
    for (const ws of this.open) {
      const { user, channels, closed } = ws.getUserData();
      if (!user || closed) continue;
      const { tenant_id, user_id } = user;
      out.push({ tenant_id, user_id, transport: 'websocket', channels });
    }
    return out;
  }

  /** Sends each session its protocol's shutdown frame, then closes it. */
  closeAll(frames: Map<WireProtocol, string>): void {
    if (this.slowCheck) clearInterval(this.slowCheck);
    for (const ws of [...this.open]) {
      const frame = frames.get(ws.getUserData().wire) as string;
      ws.cork(() => {
        ws.send(frame);
        ws.end(CLOSE.GOING_AWAY, 'server shutting down');
      });
    }
  }

  /** How uWS serves sessions at `path` speaking `wire`. */
  behavior(path: string, wire: WireProtocol): WebSocketBehavior<Session> {
    const { opts, fanOut, streams } = this.deps;
    return {
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
        const offered = offeredProtocols(req);
        const token = upgradeToken(req, query, offered);
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
          shard: fanOut.nextShard(),
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
        this.open.add(ws);
        opts.metrics.wsConnections.inc();
        if (session.token) {
          session.pending = this.auth.authenticate(ws, session, session.token, session.lastId);
          session.pending = session.pending.finally(() => {
            session.pending = null;
          });
          session.token = null;
          return;
        }
        session.authTimer = setTimeout(() => {
          if (!session.closed && !session.user) {
            const err = new NotifydError('AUTH_FAILED', 'No authenticate frame in time.');
            this.auth.refuse(ws, session, err);
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
        if ('error' in decoded) return sendError(ws, session, decoded.error, decoded.id);
        const { command, id } = decoded;
        opts.metrics.wsMessagesIn.inc({ type: command.type });
        const run = () => this.commands.handle(ws, session, command);
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
            sendError(ws, session, e, id);
          },
        );
      },
      close: (ws) => {
        const session = ws.getUserData();
        session.closed = true;
        if (session.authTimer) clearTimeout(session.authTimer);
        if (session.expiryTimer) clearTimeout(session.expiryTimer);
        if (session.counted && session.user) this.admission.release(session.user);
        streams.remove(session.id);
        this.open.delete(ws);
        opts.metrics.wsConnections.dec();
      },
    };
  }

  /**
   * A session's first frame in another protocol than its path's (a client of a
   * compatibility door that reached notifyd's path) switches it to that protocol: from then
   * on it is spoken to in it, its topics moved to that protocol's.
   */
  private chooseWire(ws: SessionSocket, session: Session, text: string): void {
    const wire = this.deps.wires.find((w) => w !== session.wire && w.opensWith(text));
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
    const { maxBackpressureBytes, logger } = this.deps.opts;
    for (const ws of this.open) {
      if (ws.getBufferedAmount() <= maxBackpressureBytes) continue;
      const session = ws.getUserData();
      if (session.closed) continue;
      logger.info({ session: session.id }, 'closing a slow consumer');
      ws.end(CLOSE.SLOW_CONSUMER, 'slow consumer');
    }
  }
}
