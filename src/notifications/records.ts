/**
 * Notifications and deliveries as the notifications store keeps them. Times are epoch
 * milliseconds; every record carries its tenant.
 */

/** How urgent a notification is; providers and routing may use it. */
export type Priority = 'low' | 'normal' | 'high' | 'critical';

/** What the recipient sees. */
export interface NotificationContent {
  title: string;
  body: string;
  action_url?: string;
  image_url?: string;
}

/** One notification to one recipient, as stored. */
export interface NotificationRecord {
  /** Time-ordered id (`ntf_…`); the feed sorts and pages by it. */
  id: string;
  tenant_id: string;
  /** The request that created it (`req_…`). */
  request_id: string;
  recipient_id: string;
  category: string;
  priority: Priority;
  content: NotificationContent;
  data: Record<string, unknown> | null;
  group_key: string | null;
  idempotency_key: string | null;
  /** Channels the notification was routed to, e.g. `['in_app']`. */
  channels: string[];
  created_at: number;
  read_at: number | null;
  /** Set when the recipient deleted it; deleted notifications leave the feed. */
  deleted_at: number | null;
}

/** Where a delivery stands. */
export type DeliveryStatus =
  | 'pending'
  | 'delivered'
  | 'acknowledged'
  | 'expired'
  | 'failed'
  | 'dead';

/** One attempt-tracked delivery of a notification over one channel. */
export interface DeliveryRecord {
  /** Time-ordered id (`dlv_…`). */
  id: string;
  tenant_id: string;
  notification_id: string;
  recipient_id: string;
  channel: string;
  status: DeliveryStatus;
  attempts: number;
  /** When a worker may next claim it (queued channels). */
  next_attempt_at: number;
  /** A claimed delivery belongs to its worker until this time; null when unclaimed. */
  lease_until: number | null;
  last_error: string | null;
  provider_message_id: string | null;
  created_at: number;
  updated_at: number;
}

/** A notification with its deliveries and optional idempotency claim, written as one unit. */
export interface NewNotification {
  notification: NotificationRecord;
  deliveries: DeliveryRecord[];
  /**
   * When set, the write is refused if an earlier notification of the tenant holds the key
   * and its claim has not expired at this notification's `created_at`.
   */
  idempotency?: { key: string; expires_at: number };
}

/** The outcome of one item of a batch insert. */
export type InsertOutcome =
  | { status: 'created' }
  | { status: 'duplicate'; notification_id: string; request_id: string };

/** Filters and position for one page of a recipient's feed, newest first. */
export interface FeedQuery {
  tenant_id: string;
  recipient_id: string;
  /** Only notifications with an id lower than this (the previous page's last id). */
  before?: string;
  /**
   * Only notifications with an id greater than this, and the page is then oldest first:
   * what a client that last saw this id has missed (resume).
   */
  after?: string;
  limit: number;
  /** true: only read; false: only unread; absent: both. */
  read?: boolean;
  category?: string;
}

/** One page of a feed. */
export interface FeedPage {
  items: NotificationRecord[];
  has_more: boolean;
}

/** Unread notifications of one recipient. */
export interface UnreadCounts {
  total: number;
  by_category: Record<string, number>;
}

/** One entry of a user's queue (the offline queue, ack tracking). */
export interface QueuedItem {
  /** Unique within the user's queue and time-ordered (a notification id): the queue's order. */
  id: string;
  tenant_id: string;
  user_id: string;
  /** What is replayed, serialised by the caller. */
  payload: string;
  queued_at: number;
  expires_at: number;
}
