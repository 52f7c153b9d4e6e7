import type { ReconnectOptions } from './backoff.js';
import type {
  BroadcastMessage,
  ChannelMessage,
  DismissUpdate,
  MetricValue,
  Notification,
  NotificationDeleted,
  ReadStatusUpdate,
  UnreadSummary,
} from './types.js';
import type { WebSocketConstructor } from './websocket.js';

/** `idle` until `connect()`; `open` once the server has accepted the token; `closed` is final. */
export type ClientStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** What the `status` event carries. */
export interface StatusChange {
  status: ClientStatus;
  /** With `reconnecting`: the wait before the next attempt, in ms. */
  delayMs?: number;
  /** With `closed`, when the client gave up rather than being closed. */
  error?: Error;
}

/** The client's events and what each carries. */
export interface ClientEvents {
  notification: Notification;
  unread_count: UnreadSummary;
  read_status_updated: ReadStatusUpdate;
  /** The sender changed a notification: its new view. */
  notification_updated: Notification;
  /** The sender retracted a notification. */
  notification_deleted: NotificationDeleted;
  /** Notifications were dismissed (here or in another session). */
  notifications_dismissed: DismissUpdate;
  /** The unread counts changed (what `onUnreadCountChange` listens to). */
  unread_change: UnreadSummary;
  broadcast: BroadcastMessage;
  channel_message: ChannelMessage;
  /** A value of a metric stream (see `subscribeMetric`). */
  metric: MetricValue;
  status: StatusChange;
  /** Server `error` frames and trouble the client works around (reconnecting, a failed catch-up). */
  error: Error;
}

/** Options of `createClient`. */
export interface CreateClientOptions {
  /** The server's base URL, e.g. `https://notify.example.com`; the WebSocket URL follows. */
  url: string;
  /**
   * The end user's JWT, or a function that gives one. The function is called when a token
   * is first needed and again each time the server refuses the last one (expired).
   */
  token: string | (() => string | Promise<string>);
  /** The WebSocket constructor: default `globalThis.WebSocket`; in Node 20 pass `ws`. */
  WebSocket?: WebSocketConstructor;
  /** Backoff between reconnection attempts. */
  reconnect?: Partial<ReconnectOptions>;
  /** The fetch for REST calls (default the global one). */
  fetch?: typeof fetch;
  /** The last notification id the app saw before (e.g. kept across a page load), to resume. */
  lastId?: string;
  /** How many recent ids are remembered to drop duplicates (default 1000). */
  dedupeWindow?: number;
  /**
   * How long an action sent over the socket (`ack`, `markRead`, `dismiss`, `subscribe`,
   * `unsubscribe`) waits for the server's answer before its promise rejects with
   * `TIMEOUT` (default 10000). Counted from when the frame is sent: an action asked for
   * while disconnected waits for the next session first.
   */
  requestTimeoutMs?: number;
}
