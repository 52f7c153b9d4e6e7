import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { UserPrincipal } from '../../auth/principal.js';
import { NotifydError, toNotifydError } from '../../core/errors.js';
import type { NotificationService } from '../../notifications/service.js';
import type { SessionInfo, UnreadSummary, UserMessage } from '../../notifications/user-channel.js';
import { screen } from '../framing.js';
import { type ResponseState, writeError } from '../http.js';
import type { Admission } from './admission.js';
import { CHANNEL_PATTERN } from './protocol.js';
import type { RealtimeDeps } from './realtime-deps.js';
import { validLastId } from './resume.js';
import { channelAllowed, channelTopic, presenceChannel, tenantTopic, topicOf } from './topics.js';
import type { SseWire, WireProtocol } from './wire.js';

/** One open event stream. */
interface Stream {
  /** Its session id (Ara's `connection_id`). */
  id: string;
  res: HttpResponse;
  /** The protocol its events are in: its path's. */
  wire: WireProtocol;
  user: UserPrincipal;
  topics: string[];
  /** Its named channels (`?channels=`), with when it opened (ms). */
  channels: Map<string, number>;
  /** A write did not fit in the socket's buffer: what has been written since waits in memory. */
  congested: boolean;
  /** Bytes written while congested; past `maxBackpressureBytes` the stream is ended. */
  waiting: number;
  closed: boolean;
}

/** The clock also stamps heartbeat events. */
export interface SseOptions extends RealtimeDeps {
  /** Named channels one stream may ask for (`?channels=`). */
  maxChannelsPerSession: number;
  /** Bytes that may wait for a client that does not read before its stream is ended. */
  maxBackpressureBytes: number;
}

const CHANNEL_RE = new RegExp(CHANNEL_PATTERN);

/**
 * Server-Sent Events at `/api/v1/sse`, for clients behind proxies that block WebSockets:
 * the same messages as the WebSocket, one event per message, receive only. Notification
 * events carry their id, so a reconnecting EventSource sends it back as Last-Event-ID and
 * gets what it missed first.
 */
export class SseHub {
  private readonly byTopic = new Map<string, Set<Stream>>();
  private readonly streams = new Set<Stream>();
  private readonly heartbeats: NodeJS.Timeout[] = [];
  private readonly wires = new Set<WireProtocol>();
  private admission: Admission | null = null;
  private service: NotificationService | null = null;
  private lifecycle: { draining: boolean } = { draining: false };

  constructor(private readonly opts: SseOptions) {}

  /** Open streams now. */
  get size(): number {
    return this.streams.size;
  }

  /** Every open stream: who, which channels. */
  describe(): SessionInfo[] {
    return [...this.streams].map((s) => ({
      tenant_id: s.user.tenant_id,
      user_id: s.user.user_id,
      transport: 'sse' as const,
      channels: s.channels,
    }));
  }

  /** How many streams listen to `topic`. */
  count(topic: string): number {
    return this.byTopic.get(topic)?.size ?? 0;
  }

  /** Writes `message` to the streams of `topic`, encoded once per protocol among them. */
  publish(topic: string, message: UserMessage): void {
    const streams = this.byTopic.get(topic);
    if (!streams || streams.size === 0) return;
    let wire: SseWire | null = null;
    let text: string | null = null;
    let others: Map<SseWire, string | null> | null = null;
    for (const stream of streams) {
      const mine = stream.wire.sse;
      if (wire === null) {
        wire = mine;
        text = mine.event(message);
      }
      let out = text;
      if (mine !== wire) {
        others ??= new Map();
        out = others.get(mine) ?? null;
        if (!others.has(mine)) {
          out = mine.event(message);
          others.set(mine, out);
        }
      }
      if (out !== null) this.write(stream, out);
    }
  }

  /** Takes what every path needs; `serve` then opens each path. */
  mount(service: NotificationService, lifecycle: { draining: boolean }, admission: Admission) {
    this.admission = admission;
    this.service = service;
    this.lifecycle = lifecycle;
  }

  /** Serves event streams at `path` in `wire`'s protocol, with its heartbeat. */
  serve(app: TemplatedApp, path: string, wire: WireProtocol): void {
    app.get(path, (res, req) => this.open(res, req, wire));
    if (this.wires.has(wire)) return;
    this.wires.add(wire);
    const timer = setInterval(() => {
      const text = wire.sse.heartbeat(this.opts.clock.now());
      for (const stream of this.streams) if (stream.wire === wire) this.write(stream, text);
    }, wire.sse.heartbeatMs);
    timer.unref();
    this.heartbeats.push(timer);
  }

  /** Sends every stream a shutdown event in its protocol, then ends it. */
  closeAll(reconnectAfterS: number): void {
    for (const timer of this.heartbeats) clearInterval(timer);
    for (const stream of [...this.streams]) {
      const text = stream.wire.sse.shutdown(reconnectAfterS);
      stream.res.cork(() => {
        stream.res.write(text);
        stream.res.end();
      });
      this.forget(stream);
    }
  }

  private open(res: HttpResponse, req: HttpRequest, wire: WireProtocol): void {
    const service = this.service!;
    const lifecycle = this.lifecycle;
    // Everything from the request is read now: uWS frees it when this handler returns.
    const query = new URLSearchParams(req.getQuery() ?? '');
    const bearer = /^Bearer\s+(.+)$/i.exec(req.getHeader('authorization'))?.[1];
    const token = query.get('token') ?? bearer ?? '';
    const lastId = validLastId(req.getHeader('last-event-id') || query.get('last_id'));
    const channels = (query.get('channels') ?? '').split(',').filter(Boolean);
    const presence = query.get('presence') === 'true';
    const cors = this.opts.cors.headers(req.getHeader('origin') || undefined);
    const state: ResponseState = { aborted: false, done: false };
    let stream: Stream | null = null;
    res.onAborted(() => {
      state.aborted = true;
      if (stream) this.forget(stream);
    });
    const fail = (err: NotifydError) =>
      writeError(res, state, err, this.opts.ids('req'), {
        ...cors,
        ...(err.status === 503 ? { 'retry-after': '5' } : {}),
        ...(typeof err.details.retry_after_seconds === 'number'
          ? { 'retry-after': String(err.details.retry_after_seconds) }
          : {}),
      });
    const malformed = screen(res, req);
    if (malformed === 'dropped') return;
    if (malformed) {
      writeError(res, state, malformed, this.opts.ids('req'), cors, true);
      return;
    }
    const admission = this.admission!;
    const address = admission.address(res, req);
    const path = req.getUrl();
    const refused = admission.refuse(address, lifecycle.draining);
    if (refused) {
      writeError(res, state, refused.err, this.opts.ids('req'), {
        ...cors,
        'retry-after': String(refused.retryAfter),
      });
      return;
    }
    if (!token) {
      fail(new NotifydError('AUTH_FAILED', 'A token is required.'));
      return;
    }
    this.opts.jwt
      .verify(token)
      .then(async (user) => {
        const bad = channels.find((c) => !CHANNEL_RE.test(c));
        if (bad !== undefined) {
          throw new NotifydError('VALIDATION_ERROR', 'Not a channel name.', { channel: bad });
        }
        const max = this.opts.maxChannelsPerSession;
        if (new Set(channels).size > max) {
          throw new NotifydError('TOO_MANY_CHANNELS', undefined, { limit: max });
        }
        const refused = wire.anyChannel
          ? undefined
          : channels.find((c) => !channelAllowed(user.channels, c));
        if (refused !== undefined) {
          throw new NotifydError('CHANNEL_FORBIDDEN', undefined, { channel: refused });
        }
        const limited = await admission.limit(user, address, path);
        if (limited) throw limited;
        if (state.aborted) return;
        const counts = await service.unread(user).catch(() => null);
        if (state.aborted) return;
        if (!admission.admit(user)) throw new NotifydError('TOO_MANY_CONNECTIONS');
        stream = {
          id: this.opts.ids('ses'),
          res,
          wire,
          user,
          topics: [
            topicOf(user.tenant_id, user.user_id),
            tenantTopic(user.tenant_id),
            ...channels.map((c) => channelTopic(user.tenant_id, c)),
            ...(presence ? [channelTopic(user.tenant_id, presenceChannel(user.user_id))] : []),
          ],
          channels: new Map(channels.map((c) => [c, Date.now()])),
          congested: false,
          waiting: 0,
          closed: false,
        };
        this.start(stream, cors, channels, counts);
        await this.replay(stream, service, lastId);
      })
      .catch((err: unknown) => fail(toNotifydError(err)));
  }

  private start(
    stream: Stream,
    cors: Record<string, string>,
    channels: string[],
    counts: UnreadSummary | null,
  ): void {
    const { res, user, wire } = stream;
    res.cork(() => {
      res.writeStatus('200 OK');
      res.writeHeader('content-type', 'text/event-stream; charset=utf-8');
      res.writeHeader('cache-control', 'no-cache, no-transform');
      // Tells nginx not to buffer the stream.
      res.writeHeader('x-accel-buffering', 'no');
      for (const [k, v] of Object.entries(cors)) res.writeHeader(k, v);
      res.write('retry: 3000\n\n');
      res.write(wire.sse.greeting({ session_id: stream.id, user, counts, channels }));
    });
    res.onWritable(() => {
      stream.congested = false;
      stream.waiting = 0;
      return true;
    });
    this.streams.add(stream);
    for (const topic of stream.topics) {
      const set = this.byTopic.get(topic) ?? new Set<Stream>();
      set.add(stream);
      this.byTopic.set(topic, set);
    }
    this.opts.metrics.sseStreams.inc();
  }

  /**
   * What was missed after `lastId` and what waits for the user (offline queue,
   * unacknowledged), then `resumed`; an error event if the store cannot say.
   */
  private async replay(stream: Stream, service: NotificationService, lastId: string | null) {
    let text = '';
    const admission = this.admission!;
    try {
      const { messages, replayed } = await admission.startMessages(service, stream.user, lastId);
      for (const message of messages) text += stream.wire.sse.event(message) ?? '';
      if (text === '' || stream.closed) return;
      // Pending before they go out, so an immediate ack finds them (as on the WebSocket).
      await admission.sent(stream.user, replayed);
      this.write(stream, text);
    } catch (err) {
      this.write(stream, stream.wire.sse.error(toNotifydError(err)));
    }
  }

  /** Writes, or ends a stream whose client does not keep up: it resumes with Last-Event-ID. */
  private write(stream: Stream, text: string): void {
    if (stream.closed) return;
    if (stream.congested) {
      stream.waiting += Buffer.byteLength(text);
      if (stream.waiting > this.opts.maxBackpressureBytes) {
        stream.res.cork(() => stream.res.end());
        this.forget(stream);
        return;
      }
    }
    stream.res.cork(() => {
      if (!stream.res.write(text)) stream.congested = true;
    });
  }

  private forget(stream: Stream): void {
    if (stream.closed) return;
    stream.closed = true;
    this.admission?.release(stream.user);
    this.streams.delete(stream);
    for (const topic of stream.topics) {
      const set = this.byTopic.get(topic);
      set?.delete(stream);
      if (set?.size === 0) this.byTopic.delete(topic);
    }
    this.opts.metrics.sseStreams.dec();
  }
}
