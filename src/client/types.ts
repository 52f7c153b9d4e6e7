/**
 * What the client receives and sends, as plain types. They mirror the server's schemas
 * (`src/notifications/schemas.ts`, `user-channel.ts`) without importing them, so that a
 * browser bundle of the client does not pull in the server's validation libraries; a
 * type test keeps the two in step.
 */

/** A notification as its recipient sees it, live or in the feed. */
export interface Notification {
  /** Time-ordered (`ntf_…`): a later notification has a greater id. */
  id: string;
  request_id: string;
  recipient_id: string;
  category: string;
  priority: string;
  content: { title: string; body: string; action_url?: string; image_url?: string };
  data: Record<string, unknown> | null;
  group_key: string | null;
  read: boolean;
  read_at: string | null;
  created_at: string;
}

/** Unread notifications of the user: total and by category. */
export interface UnreadSummary {
  unread_count: number;
  unread_by_category: Record<string, number>;
}

/** Some notifications were marked read, by this session or another one of the user. */
export interface ReadStatusUpdate extends UnreadSummary {
  notification_ids: string[];
  read: true;
  read_at: string;
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

/** Filters and paging for `feed()`. */
export interface FeedQuery {
  cursor?: string;
  limit?: number;
  read?: boolean;
  category?: string;
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
  | { type: 'channel_message'; data: ChannelMessage }
  | { type: 'broadcast'; data: BroadcastMessage }
  | { type: 'subscribed' | 'unsubscribed'; data: { channel: string } }
  | { type: 'pong' | 'done' }
  | { type: 'refreshed'; data: { expires_at: string } }
  | { type: 'resumed'; data: { count: number; has_more: boolean } & Partial<UnreadSummary> }
  | { type: 'shutdown'; data: { reconnect_after_seconds: number } }
  | {
      type: 'error';
      data: { code: string; message: string; details?: Record<string, unknown> };
    }
);
