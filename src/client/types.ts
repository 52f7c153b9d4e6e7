/**
 * What the client receives and sends, as plain types. They mirror the server's schemas
 * (`src/notifications/schemas.ts`, `user-channel.ts`) without importing them, so that a
 * browser bundle of the client does not pull in the server's validation libraries; a
 * type test keeps the two in step.
 */

/** A button of a notification; `client.act(id, action.id)` takes it. */
export interface NotificationAction {
  /** Unique within the notification; `POST /me/notifications/{id}/actions/{action_id}`. */
  id: string;
  label: string;
  type: 'primary' | 'secondary' | 'destructive';
  /** Where the action leads; or `callback_key`, forwarded as a signed webhook event. */
  url?: string;
  callback_key?: string;
}

/** A notification as its recipient sees it, live or in the feed. */
export interface Notification {
  /** Time-ordered (`ntf_…`): a later notification has a greater id. */
  id: string;
  request_id: string;
  recipient_id: string;
  category: string;
  priority: string;
  content: {
    title: string;
    body: string;
    action_url?: string;
    image_url?: string;
    cta_text?: string;
    /** Custom JSON from its template's `in_app.data`. */
    data?: Record<string, unknown>;
  };
  actions: NotificationAction[];
  data: Record<string, unknown> | null;
  group_key: string | null;
  /** The template it was rendered from, or null. */
  template: { id: string; key: string; version: number } | null;
  read: boolean;
  read_at: string | null;
  dismissed: boolean;
  dismissed_at: string | null;
  /** The action the user took (once), or null. */
  action_taken: { action_id: string; at: string } | null;
  /** From then on it leaves the feed; null: never. */
  expires_at: string | null;
  created_at: string;
}

/** Unread notifications of the user: total, by category and by priority. */
export interface UnreadSummary {
  unread_count: number;
  unread_by_category: Record<string, number>;
  unread_by_priority: Record<string, number>;
}

/** The sender retracted a notification: gone from the feed. */
export interface NotificationDeleted extends UnreadSummary {
  notification_id: string;
}

/** Notifications were dismissed, by this session or another one of the user. */
export interface DismissUpdate extends UnreadSummary {
  /** Empty for a dismiss-all (`all`). */
  notification_ids: string[];
  dismissed_at: string;
  /** A dismiss-all: every notification of `category` (null: of every category). */
  all: boolean;
  category: string | null;
}

/** Some notifications were marked read, by this session or another one of the user. */
export interface ReadStatusUpdate extends UnreadSummary {
  /** Empty for a read-all (`all`). */
  notification_ids: string[];
  read: true;
  read_at: string;
  /** A read-all: every notification of `category` (null: of every category). */
  all: boolean;
  category: string | null;
}

/** A live message to the whole tenant: never stored, missed while disconnected. */
export interface BroadcastMessage {
  /** Time-ordered (`msg_…`). */
  id: string;
  event: string | null;
  data: Record<string, unknown>;
  sent_at: string;
}

/** A live message to a named channel the session subscribed to. */
export interface ChannelMessage extends BroadcastMessage {
  channel: string;
}

/** One page of the feed, newest first. */
export interface FeedPage extends UnreadSummary {
  data: Notification[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  cursor: string | null;
  has_more: boolean;
}

/** Filters of the feed, the grouped feed and the export. */
export interface FeedFilters {
  read?: boolean;
  category?: string;
  priority?: 'low' | 'normal' | 'high' | 'urgent' | 'critical';
  /** true: only dismissed; false (default in the feed): not dismissed. */
  dismissed?: boolean;
  /** ISO times: created at or after, created before. */
  created_after?: string;
  created_before?: string;
  /** Only notifications whose `data[key]` equals the value (sent as `metadata.<key>=`). */
  metadata?: Record<string, string>;
}

/** Filters and paging for `feed()`. */
export interface FeedQuery extends FeedFilters {
  cursor?: string;
  limit?: number;
}

/** Someone a group of notifications is about (`data.actor`). */
export interface Actor {
  id: string;
  name: string | null;
  avatar_url: string | null;
}

/** Notifications sharing a `group_key`. */
export interface NotificationGroup {
  group_key: string | null;
  count: number;
  unread_count: number;
  latest: Notification;
  actors: Actor[];
  actor_count: number;
}

/** The answer of `grouped()`. */
export interface GroupedPage {
  data: NotificationGroup[];
  has_more: boolean;
  scanned: number;
}

/** Filters for `grouped()`: how many groups, from how many of the newest notifications. */
export interface GroupedQuery extends FeedFilters {
  limit?: number;
  window?: number;
}

/** The answer of `act()`. */
export interface ActionResult {
  /** false: this action had been taken before (nothing was sent again). */
  recorded: boolean;
  action_id: string;
  notification: Notification;
}

/** The answer of `deleteMany()`. */
export interface BulkDeleteResult extends UnreadSummary {
  results: { id: string; status: 'deleted' | 'not_found' }[];
  deleted: number;
}

/** What `subscribeMetric` asks of a `metrics:<metric>` stream (the server's bounds apply). */
export interface MetricStreamOptions {
  /** Seconds between values: 5 to 3600 (default 10). */
  interval?: number;
  /** Seconds the value covers, ending now: 60 to 86400 (default 300). */
  window?: number;
  /** Group the value by these fields, as `POST /analytics/query` does. */
  dimensions?: string[];
}

/** One value of a metric stream (the `metric` frame). */
export interface MetricValue {
  channel: string;
  metric: string;
  /**
   * The value over the window (null: a ratio with nothing to divide by in it); absent when
   * the stream is grouped by dimensions.
   */
  value?: number | null;
  /** With `dimensions`: one value per group of dimension values. */
  groups?: { dimensions: Record<string, string>; value: number | null }[];
  window: { start: string; end: string; seconds: number };
  interval: number;
}

/** The answer to `markAllRead()`. */
export interface ReadAllResult extends UnreadSummary {
  updated: number;
}

/**
 * Frames the server sends, by type. Unknown types are ignored, for forward compatibility.
 * An answer to a client frame that carried an `id` carries the same `id`.
 */
export type ServerFrame = { id?: string } & (
  | {
      type: 'authenticated';
      data: { session_id: string; user_id: string; tenant_id: string } & Partial<UnreadSummary>;
    }
  | ({ type: 'notification'; data: Notification } & Partial<UnreadSummary>)
  | { type: 'read_status_updated'; data: ReadStatusUpdate }
  | { type: 'unread_count'; data: UnreadSummary }
  | { type: 'notification_updated'; data: Notification }
  | { type: 'notification_deleted'; data: NotificationDeleted }
  | { type: 'notifications_dismissed'; data: DismissUpdate }
  | { type: 'channel_message'; data: ChannelMessage }
  | { type: 'broadcast'; data: BroadcastMessage }
  | { type: 'subscribed' | 'unsubscribed'; data: { channel: string } }
  | { type: 'metric'; data: MetricValue }
  | { type: 'pong' | 'done' }
  | { type: 'refreshed'; data: { expires_at: string } }
  | { type: 'resumed'; data: { count: number; has_more: boolean } & Partial<UnreadSummary> }
  | { type: 'shutdown'; data: { reconnect_after_seconds: number } }
  | {
      type: 'error';
      data: { code: string; message: string; details?: Record<string, unknown> };
    }
);
