import type { ReadAllResult, UnreadSummary } from '../client/types.js';
import type { NotificationView } from './schemas.js';

/**
 * Unread notifications of a user, as sent in feed answers and real-time updates, and what a
 * read-all or dismiss-all answers (`updated` too): declared once, with the client's types.
 */
export type { ReadAllResult, UnreadSummary };

/** A message published to a named channel or a whole tenant: delivered live, never stored. */
export interface LiveMessage {
  /** Time-ordered (`msg_…`), so clients can drop a duplicate. */
  id: string;
  /** What the publisher says it is, e.g. `order.updated`; null when not given. */
  event: string | null;
  data: Record<string, unknown>;
  sent_at: string;
  /** Only when the sender gave them (Ara's door): priority and lifetime in seconds. */
  metadata?: { priority?: string; ttl?: number };
}

/**
 * A read-all or dismiss-all names no ids: `all` says so, and `category` the one it was
 * limited to (null: every category), so that other sessions can apply it to what they show.
 */
export interface WholeFeed {
  all: boolean;
  category: string | null;
}

/** Messages the server pushes to sessions. */
export type UserMessage =
  | {
      type: 'notification';
      data: NotificationView;
      /** The recipient's unread counts with this one: added by the gateway for sessions. */
      unread_count?: number;
      unread_by_category?: Record<string, number>;
    }
  | {
      type: 'read_status_updated';
      data: { notification_ids: string[]; read: true; read_at: string } & WholeFeed & UnreadSummary;
    }
  | { type: 'unread_count'; data: UnreadSummary }
  /** The sender changed a notification (PATCH /notifications/{id}): its new view. */
  | { type: 'notification_updated'; data: NotificationView }
  /** The sender retracted a notification: gone from the feed. */
  | { type: 'notification_deleted'; data: { notification_id: string } & UnreadSummary }
  /** The user dismissed notifications, in this session or another. */
  | {
      type: 'notifications_dismissed';
      data: { notification_ids: string[]; dismissed_at: string } & WholeFeed & UnreadSummary;
    }
  | { type: 'resumed'; data: { count: number; has_more: boolean } & Partial<UnreadSummary> }
  | { type: 'channel_message'; data: LiveMessage & { channel: string } }
  | { type: 'broadcast'; data: LiveMessage }
  | {
      type: 'presence';
      data: { user_id: string; online: boolean; connections: number; last_seen: string | null };
    };

/**
 * Reaches open sessions: of one user, of a whole tenant, or subscribed to a named channel.
 * The real-time gateway implements it on one node; the cluster fans out across nodes.
 * Nothing here is durable: what must not be lost is in the store before it is published.
 */
export interface UserChannel {
  /** Sends to all of the user's sessions. */
  publish(tenantId: string, userId: string, message: UserMessage): void;
  /** Sends to every session of the tenant. */
  publishTenant(tenantId: string, message: UserMessage): void;
  /** Sends to the tenant's sessions subscribed to `channel`. */
  publishChannel(tenantId: string, channel: string, message: UserMessage): void;
}

/** A named channel users subscribe to: letters, digits and `_ . : -`, up to 128. */
export const CHANNEL_PATTERN = '^[A-Za-z0-9_.:-]{1,128}$';

/** One open, authenticated session on this node, whatever protocol it speaks (for stats). */
export interface SessionInfo {
  tenant_id: string;
  user_id: string;
  transport: 'websocket' | 'sse';
  /** Named channels it subscribed to, with when (ms). */
  channels: ReadonlyMap<string, number>;
}
