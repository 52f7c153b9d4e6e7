import { AccountApi } from './account.js';
import { backoffDelay, DEFAULT_RECONNECT, type ReconnectOptions } from './backoff.js';
import { ChannelSet, validChannel } from './channels.js';
import { type Deferred, deferred } from './deferred.js';
import { Emitter } from './emitter.js';
import { RealtimeError } from './errors.js';
import { FeedApi } from './feed.js';
import { NotificationFlow } from './notification-flow.js';
import type { ClientEvents, ClientStatus, CreateClientOptions, StatusChange } from './options.js';
import { PendingRequests, type Waiter, waiterOf } from './requests.js';
import { SeenWindow } from './seen-window.js';
import type {
  FeedPage,
  FeedQuery,
  MetricStreamOptions,
  MetricValue,
  Notification,
  ReadAllResult,
  ServerFrame,
  UnreadSummary,
} from './types.js';
import { UnreadTracker } from './unread-tracker.js';
import { realtimeUrl, type WebSocketConstructor, type WebSocketLike } from './websocket.js';

/** The most ids one frame may name (the server's limit). */
const MAX_IDS_PER_FRAME = 500;

/** A frame the client sends; `id` is added when it is sent. */
type ClientFrame = { type: string } & Record<string, unknown>;

/**
 * A notifyd end-user client: one WebSocket session that reconnects by itself, resumes
 * from the last notification it saw, and the user's feed over REST.
 */
export class NotifydRealtimeClient implements AsyncIterable<Notification, undefined> {
  private readonly events = new Emitter<ClientEvents>();
  private readonly WebSocketCtor: WebSocketConstructor;
  private readonly reconnect: ReconnectOptions;
  /** The user's feed over REST: dismiss, grouped, actions, bulk delete, export. */
  readonly me: FeedApi;
  /** The user's preferences and push devices over REST. */
  readonly account: AccountApi;
  private readonly unreadTracker = new UnreadTracker((counts) =>
    this.events.emit('unread_change', counts),
  );
  /** The notification frame being handled carries the counts: no need to count it in. */
  private countsInFrame = false;
  private readonly flow: NotificationFlow;
  private readonly liveSeen: SeenWindow;
  private readonly channels = new ChannelSet();
  /** What each wanted `metrics:*` channel asks for, sent again on every new session. */
  private readonly metricOptions = new Map<string, MetricStreamOptions>();
  /** Frames sent with an id, waiting for the answer that carries it back. */
  private readonly pending = new PendingRequests();
  private readonly requestTimeoutMs: number;
  /** Actions asked for while no session is open, sent once one is. */
  private outbox: Array<{ frame: ClientFrame; waiter: Waiter }> = [];
  private currentStatus: ClientStatus = 'idle';
  private socket: WebSocketLike | null = null;
  /** Bumped by close(): an attempt begun before it must not open a socket after it. */
  private generation = 0;
  private attempt = 0;
  private authFailures = 0;
  /** The current session's token was refused (an AUTH_FAILED frame came). */
  private refused = false;
  /** The next attempt asks the token provider again. */
  private needFreshToken = false;
  private cachedToken: string | null = null;
  private shutdownDelayMs: number | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private ready: Deferred<void> = deferred();
  /** The last id sent with the current session: where a catch-up over REST starts. */
  private resumedFrom: string | null = null;

  constructor(private readonly options: CreateClientOptions) {
    const ctor =
      options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!ctor) {
      throw new TypeError(
        "No WebSocket here: pass createClient({ WebSocket }) (in Node 20: import WebSocket from 'ws').",
      );
    }
    this.WebSocketCtor = ctor;
    realtimeUrl(options.url); // a malformed URL throws here rather than on every attempt
    this.reconnect = { ...DEFAULT_RECONNECT, ...options.reconnect };
    const token = (fresh: boolean) => this.token(fresh);
    this.me = new FeedApi(options.url, token, options.fetch);
    this.account = new AccountApi(options.url, token, options.fetch);
    const window = options.dedupeWindow ?? 1000;
    this.flow = new NotificationFlow(window, options.lastId ?? null, (n) => {
      if (!this.countsInFrame) this.unreadTracker.arrived(n);
      this.events.emit('notification', n);
    });
    this.liveSeen = new SeenWindow(window);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    // Nobody need await connect(): a rejection of it must not be reported as unhandled.
    this.ready.promise.catch(() => {});
  }

  /** Where the connection is. */
  get status(): ClientStatus {
    return this.currentStatus;
  }

  /** The greatest notification id seen: keep it to resume a later client from there. */
  get lastId(): string | null {
    return this.flow.lastId;
  }

  /** Listens to `event`; returns a function that stops listening. */
  on<K extends keyof ClientEvents>(
    event: K,
    listener: (value: ClientEvents[K]) => void,
  ): () => void {
    return this.events.on(event, listener);
  }

  /**
   * Opens the session, and keeps it open until close(). Resolves when the server has
   * accepted the token; rejects if the client closes first (close(), or tokens refused).
   */
  connect(): Promise<void> {
    if (this.currentStatus === 'idle' || this.currentStatus === 'closed') {
      if (this.currentStatus === 'closed') {
        this.ready = deferred();
        this.ready.promise.catch(() => {});
      }
      this.attempt = 0;
      this.authFailures = 0;
      this.setStatus({ status: 'connecting' });
      void this.open();
    }
    return this.ready.promise;
  }

  /** Closes the session and stops reconnecting; ends every `notifications()` loop. */
  close(): void {
    if (this.currentStatus === 'closed') return;
    this.finish();
  }

  /**
   * Every notification from now on, each once, in a `for await` loop that ends on close().
   * Each call is a separate consumer with its own queue.
   */
  notifications(): AsyncIterableIterator<Notification, undefined> {
    return this.flow.stream(this.currentStatus === 'closed');
  }

  /** `for await (const n of client)`: the same as `notifications()`. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Notification, undefined> {
    return this.notifications();
  }

  /**
   * Calls `listener` with the user's unread counts whenever they change: from the server's
   * counts (fetched when a session opens, and sent on every read, dismissal or deletion) and
   * by one for each new unread notification. Returns a function that stops it.
   */
  onUnreadCountChange(listener: (counts: UnreadSummary) => void): () => void {
    const off = this.events.on('unread_change', listener);
    const known = this.unreadTracker.counts;
    if (known) listener(known);
    else if (this.isOpen()) this.refreshUnread();
    return off;
  }

  /**
   * Marks notifications read; every session of the user hears `read_status_updated`.
   * Resolves when the server has done it (see `ack` for when it rejects).
   */
  markRead(ids: string | readonly string[]): Promise<void> {
    return this.sendIds('mark_read', ids);
  }

  /**
   * Acknowledges the in-app delivery of notifications (shown to the user). Sent at once,
   * or when the next session opens; resolves when the server has recorded it. Rejects with
   * the server's code (e.g. NOTIFICATION_NOT_FOUND), DISCONNECTED if the session closed
   * before the answer, TIMEOUT after `requestTimeoutMs`, or CLOSED on close(). Awaiting it
   * is optional: a rejection nobody awaits is not reported as unhandled.
   */
  ack(ids: string | readonly string[]): Promise<void> {
    return this.sendIds('ack', ids);
  }

  /**
   * Dismisses notifications over the socket, as `me.dismiss(id)` does over REST: they are
   * read and leave the default feed (kept, with `dismissed_at`), `notification.dismissed` is
   * emitted, and every session hears `notifications_dismissed`. Not a deletion (`remove(id)`
   * deletes). Settles as `ack` does; an id not the user's rejects with NOTIFICATION_NOT_FOUND
   * and none of that frame's ids is dismissed.
   */
  dismiss(ids: string | readonly string[]): Promise<void> {
    return this.sendIds('dismiss', ids);
  }

  /**
   * Subscribes to a named channel, now and on every later session, until unsubscribe().
   * Resolves when the server confirms; rejects with its code when it refuses (the channel
   * is then forgotten), or with DISCONNECTED / TIMEOUT when no answer came (the channel is
   * kept and subscribed again on the next session).
   */
  subscribe(channel: string): Promise<void> {
    if (!validChannel(channel)) {
      return Promise.reject(new TypeError(`not a channel name: ${JSON.stringify(channel)}`));
    }
    const confirmed = this.channels.add(channel);
    if (this.isOpen()) this.sendSubscribe(channel);
    return confirmed;
  }

  /**
   * Streams `metric` (any metric `POST /analytics/query` takes): `onValue` gets its value
   * over the trailing window now and every `interval` seconds, on this session and every
   * later one. The token needs the `analytics:read` scope. Resolves, once the server
   * confirms, to a function that stops the stream; rejects with the server's code
   * (FORBIDDEN, INVALID_METRIC, VALIDATION_ERROR, ANALYTICS_DISABLED). One set of options
   * per metric and client: a second call for the same metric replaces them.
   */
  async subscribeMetric(
    metric: string,
    options: MetricStreamOptions,
    onValue: (value: MetricValue) => void,
  ): Promise<() => Promise<void>> {
    const channel = `metrics:${metric}`;
    const off = this.events.on('metric', (v) => {
      if (v.channel === channel) onValue(v);
    });
    this.metricOptions.set(channel, options);
    try {
      await this.subscribe(channel);
    } catch (err) {
      off();
      this.metricOptions.delete(channel);
      throw err;
    }
    return () => {
      off();
      this.metricOptions.delete(channel);
      return this.unsubscribe(channel);
    };
  }

  /**
   * Leaves a named channel; resolves when the server confirms, at once if not connected,
   * or when the session closes (a new session starts without it). Rejects with the
   * server's code when it refuses, or TIMEOUT.
   */
  unsubscribe(channel: string): Promise<void> {
    const open = this.isOpen();
    const done = this.channels.remove(channel, open);
    if (open) {
      this.request(
        { type: 'unsubscribe', channel },
        {
          answered: () => this.channels.left(channel),
          failed: (err, fromServer) =>
            fromServer || (err as RealtimeError).code === 'TIMEOUT'
              ? this.channels.leaveFailed(channel, err)
              : this.channels.left(channel),
        },
      );
    }
    return done;
  }

  /** Resolves when the server answers; rejects when not connected or after `timeoutMs`. */
  ping(timeoutMs = 10_000): Promise<void> {
    if (!this.isOpen()) {
      return Promise.reject(new RealtimeError('NOT_CONNECTED', 'no open session to ping'));
    }
    const d = deferred();
    this.request({ type: 'ping' }, waiterOf(d), timeoutMs, 'PING_TIMEOUT');
    return d.promise;
  }

  /** One page of the user's feed, newest first. */
  feed(query?: FeedQuery): Promise<FeedPage> {
    return this.me.feed(query);
  }

  /** The unread counts asked of the server over REST (see `unread` for the live ones). */
  unreadCount(): Promise<UnreadSummary> {
    return this.me.unreadCount();
  }

  /**
   * The user's unread counts as the socket last told them (on connect, on resume, with each
   * notification and read change); null before the first session opened. `unread_count`
   * events say when they change.
   */
  get unread(): UnreadSummary | null {
    return this.unreadTracker.counts;
  }

  /** Marks every notification read, or every one of `category`. */
  markAllRead(category?: string): Promise<ReadAllResult> {
    return this.me.markAllRead(category);
  }

  /** Deletes a notification from the user's feed. */
  remove(id: string): Promise<void> {
    return this.me.remove(id);
  }

  private async token(fresh: boolean): Promise<string> {
    const source = this.options.token;
    if (typeof source === 'string') return source;
    if (fresh || this.cachedToken === null) this.cachedToken = await source();
    return this.cachedToken;
  }

  private async open(): Promise<void> {
    const generation = this.generation;
    let token: string;
    try {
      token = await this.token(this.needFreshToken);
      this.needFreshToken = false;
    } catch (err) {
      if (generation !== this.generation) return;
      this.events.emit('error', asError(err));
      return this.retry();
    }
    if (generation !== this.generation) return;
    const url = realtimeUrl(this.options.url);
    const lastId = this.flow.lastId;
    // The server reads last_id from the URL or the authenticate frame; both are sent so that
    // either reading resumes. The token goes only in the frame, to stay out of access logs.
    if (lastId) url.searchParams.set('last_id', lastId);
    let ws: WebSocketLike;
    try {
      ws = new this.WebSocketCtor(url.toString());
    } catch (err) {
      // A constructor that refuses the URL will refuse it every time.
      return this.finish(asError(err));
    }
    this.socket = ws;
    this.refused = false;
    this.resumedFrom = lastId;
    ws.onopen = () => {
      if (this.socket !== ws) return;
      ws.send(
        JSON.stringify({ type: 'authenticate', token, ...(lastId ? { last_id: lastId } : {}) }),
      );
    };
    ws.onmessage = (event) => {
      if (this.socket === ws && typeof event.data === 'string') this.onFrame(event.data);
    };
    // An error event says nothing useful (browsers hide the cause); the close event follows.
    ws.onerror = () => {};
    ws.onclose = (event) => {
      if (this.socket !== ws) return;
      this.socket = null;
      this.onSocketClosed(event.code);
    };
  }

  private onFrame(raw: string): void {
    let frame: ServerFrame | null = null;
    try {
      frame = JSON.parse(raw) as ServerFrame;
    } catch {}
    if (typeof frame !== 'object' || frame === null) {
      this.events.emit('error', new RealtimeError('INVALID_FRAME', 'not a JSON object'));
      return;
    }
    // An answer to a frame this client sent: its waiter takes it.
    if (frame.type !== 'error' && ANSWERS.has(frame.type) && this.pending.settle(frame.id)) return;
    switch (frame.type) {
      case 'authenticated':
        this.onAuthenticated();
        this.setUnread(frame.data);
        return;
      case 'notification':
        this.countsInFrame = typeof frame.unread_count === 'number';
        try {
          this.flow.receive(frame.data);
        } finally {
          this.countsInFrame = false;
        }
        this.setUnread(frame);
        return;
      case 'resumed':
        if (frame.data.has_more) this.catchUp();
        this.setUnread(frame.data);
        return;
      case 'read_status_updated':
        this.events.emit('read_status_updated', frame.data);
        this.setUnread(frame.data);
        return;
      case 'unread_count':
        this.setUnread(frame.data);
        return;
      case 'notification_updated':
        this.events.emit('notification_updated', frame.data);
        return;
      case 'notification_deleted':
        this.events.emit('notification_deleted', frame.data);
        this.setUnread(frame.data);
        return;
      case 'notifications_dismissed':
        this.events.emit('notifications_dismissed', frame.data);
        this.setUnread(frame.data);
        return;
      // Live messages have time-ordered ids too: drop one that came twice.
      case 'channel_message':
        if (this.liveSeen.add(frame.data.id)) this.events.emit('channel_message', frame.data);
        return;
      case 'broadcast':
        if (this.liveSeen.add(frame.data.id)) this.events.emit('broadcast', frame.data);
        return;
      // Answers without an id of ours (a server that does not echo ids): matched by name.
      case 'subscribed':
        this.channels.confirmed(frame.data.channel);
        return;
      case 'metric':
        this.events.emit('metric', frame.data);
        return;
      case 'unsubscribed':
        this.channels.left(frame.data.channel);
        return;
      case 'shutdown':
        this.shutdownDelayMs = frame.data.reconnect_after_seconds * 1000;
        return;
      case 'error':
        this.onServerError(frame.data, frame.id);
        return;
    }
  }

  /**
   * Keeps `unread` current from any frame that carries the counts, and says so
   * (`unread_count` events, and `onUnreadCountChange` listeners).
   */
  private setUnread(from: Partial<UnreadSummary>): void {
    if (typeof from.unread_count !== 'number') return;
    const summary: UnreadSummary = {
      unread_count: from.unread_count,
      unread_by_category: from.unread_by_category ?? {},
      unread_by_priority: from.unread_by_priority ?? {},
    };
    this.events.emit('unread_count', summary);
    this.unreadTracker.set(summary);
  }

  private onAuthenticated(): void {
    this.attempt = 0;
    this.authFailures = 0;
    this.setStatus({ status: 'open' });
    for (const channel of this.channels.names()) this.sendSubscribe(channel);
    const outbox = this.outbox;
    this.outbox = [];
    for (const { frame, waiter } of outbox) this.request(frame, waiter);
    if (this.events.has('unread_change')) this.refreshUnread();
    this.ready.resolve();
  }

  /** Asks the server for the unread counts (a session opened: some may have changed). */
  private refreshUnread(): void {
    const since = this.unreadTracker.stamp;
    this.me.unreadCount().then(
      (counts) => this.unreadTracker.setUnlessNewer(countsOf(counts), since),
      (err) => this.events.emit('error', asError(err)),
    );
  }

  private onServerError(data: Extract<ServerFrame, { type: 'error' }>['data'], id?: string): void {
    const err = new RealtimeError(data.code, data.message, data.details);
    // The close 4001 follows; it is handled there.
    if (data.code === 'AUTH_FAILED') this.refused = true;
    if (!this.pending.settle(id, err)) {
      const channel = data.details?.['channel'];
      if (typeof channel === 'string') this.channels.refused(channel, err);
    }
    this.events.emit('error', err);
  }

  /** The server replayed only part of what was missed: the rest comes from the feed. */
  private catchUp(): void {
    const since = this.resumedFrom;
    if (!since) return;
    const generation = this.generation;
    void this.flow.catchUp(
      () => this.me.missedSince(since),
      () => generation === this.generation,
      (err) => this.events.emit('error', err),
    );
  }

  private onSocketClosed(code: number): void {
    this.pending.failAll(new RealtimeError('DISCONNECTED', 'the session closed before the answer'));
    this.channels.disconnected();
    if (code === 4001 || this.refused) {
      this.needFreshToken = true;
      if (++this.authFailures > this.reconnect.maxAuthRetries) {
        const reason = `the server refused the token ${this.authFailures} times in a row`;
        this.finish(new RealtimeError('AUTH_FAILED', reason));
        return;
      }
    }
    this.retry();
  }

  /** Waits, then tries again: the server's advertised delay after a shutdown, else backoff. */
  private retry(): void {
    let delayMs = backoffDelay(this.attempt++, this.reconnect);
    if (this.shutdownDelayMs !== null) {
      // Jitter on top of the server's delay, so that its sessions do not return all at once.
      delayMs = this.shutdownDelayMs + backoffDelay(0, this.reconnect);
      this.shutdownDelayMs = null;
    }
    this.setStatus({ status: 'reconnecting', delayMs });
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.open();
    }, delayMs);
  }

  /** The end: by close() (no error) or after giving up (the loops throw `error`). */
  private finish(error?: Error): void {
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ws = this.socket;
    this.socket = null;
    ws?.close(1000, 'client closed');
    const reason = error ?? new RealtimeError('CLOSED', 'the client was closed');
    const outbox = this.outbox;
    this.outbox = [];
    for (const { waiter } of outbox) waiter.failed(reason, false);
    this.pending.failAll(reason);
    this.channels.disconnected(reason);
    this.ready.reject(reason);
    this.flow.end(error);
    this.setStatus(error ? { status: 'closed', error } : { status: 'closed' });
  }

  /** Sends an action in frames of at most 500 ids; settles when every frame is answered. */
  private sendIds(
    type: 'mark_read' | 'ack' | 'dismiss',
    ids: string | readonly string[],
  ): Promise<void> {
    const list = typeof ids === 'string' ? [ids] : [...ids];
    const answers: Promise<void>[] = [];
    for (let i = 0; i < list.length; i += MAX_IDS_PER_FRAME) {
      const frame = { type, notification_ids: list.slice(i, i + MAX_IDS_PER_FRAME) };
      const d = deferred();
      answers.push(d.promise);
      if (this.isOpen()) this.request(frame, waiterOf(d));
      else this.outbox.push({ frame, waiter: waiterOf(d) });
    }
    const all = Promise.all(answers).then(() => {});
    // Callers from before these returned promises do not await them.
    all.catch(() => {});
    return all;
  }

  private sendSubscribe(channel: string): void {
    this.request(
      { type: 'subscribe', channel, ...this.metricOptions.get(channel) },
      {
        answered: () => this.channels.confirmed(channel),
        failed: (err, fromServer) =>
          fromServer
            ? this.channels.refused(channel, err)
            : this.channels.interrupted(channel, err),
      },
    );
  }

  /** Sends `frame` with a fresh id; `waiter` hears the answer that carries it back. */
  private request(
    frame: ClientFrame,
    waiter: Waiter,
    timeoutMs = this.requestTimeoutMs,
    timeoutCode = 'TIMEOUT',
  ): void {
    const id = this.pending.track(waiter, timeoutMs, () => {
      return new RealtimeError(timeoutCode, `no answer to ${frame.type} in ${timeoutMs} ms`);
    });
    this.send({ ...frame, id });
  }

  private isOpen(): boolean {
    return this.currentStatus === 'open' && this.socket !== null;
  }

  private send(frame: unknown): void {
    this.socket!.send(JSON.stringify(frame));
  }

  private setStatus(change: StatusChange): void {
    this.currentStatus = change.status;
    this.events.emit('status', change);
  }
}

/** Frame types that answer a client frame (besides `error`). */
/** The counts of a frame that carries them, without its other fields. */
function countsOf(c: UnreadSummary): UnreadSummary {
  return {
    unread_count: c.unread_count,
    unread_by_category: c.unread_by_category,
    unread_by_priority: c.unread_by_priority,
  };
}

const ANSWERS = new Set(['pong', 'done', 'subscribed', 'unsubscribed', 'refreshed']);

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** Creates a client; call `connect()` to open its session. */
export function createClient(options: CreateClientOptions): NotifydRealtimeClient {
  return new NotifydRealtimeClient(options);
}
