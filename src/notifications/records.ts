/**
 * Notifications and deliveries as the notifications store keeps them. Times are epoch
 * milliseconds; every record carries its tenant.
 */

import type { InAppContent, NotificationAction, RenderedContent } from './channels.js';
import type { SendRequestRecord } from './request-records.js';

/**
 * How urgent a notification is; providers and routing may use it. `critical`, the name
 * notifyd used first, is accepted on input and stored as `urgent`.
 */
export type Priority = 'low' | 'normal' | 'high' | 'urgent';

/** Every priority, lowest first. */
export const PRIORITIES: readonly Priority[] = ['low', 'normal', 'high', 'urgent'];

/** A priority as given (with the `critical` alias) to the one stored. */
export function normalPriority(p: Priority | 'critical' | undefined): Priority {
  return p === undefined ? 'normal' : p === 'critical' ? 'urgent' : p;
}

/** What the recipient sees: the in-app content, its actions kept on the record. */
export type NotificationContent = Omit<InAppContent, 'actions'>;

/** The template a notification was rendered from. */
export interface TemplateRef {
  id: string;
  key: string;
  version: number;
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
  /** Buttons the recipient can press; `POST /me/notifications/{id}/actions/{action_id}`. */
  actions: NotificationAction[];
  data: Record<string, unknown> | null;
  group_key: string | null;
  idempotency_key: string | null;
  /** Channels the notification was routed to, e.g. `['in_app']`. */
  channels: string[];
  /** The template it was rendered from; null for inline content. */
  template: TemplateRef | null;
  /** The sender's key for cancelling it (`POST /notifications/cancel`); null when none. */
  cancellation_key: string | null;
  /**
   * The rendered content of its queued channels (push, sms, email, webhook…), which a
   * provider worker delivers after a restart too; null when it has none (in-app only).
   */
  contents: RenderedContent | null;
  created_at: number;
  /** From this time on it leaves the feed and the unread counts; null: never. */
  expires_at: number | null;
  read_at: number | null;
  /** Set when the recipient dismissed it (dismissing also reads it). */
  dismissed_at: number | null;
  /** The action the recipient took (the first one; recorded once) and when. */
  action_id: string | null;
  actioned_at: number | null;
  /**
   * Set when the recipient deleted it or its sender retracted it; deleted notifications
   * leave the feed.
   */
  deleted_at: number | null;
}

/** What a sender may change on a notification already sent (PATCH /notifications/{id}). */
export interface NotificationPatch {
  content?: NotificationContent;
  actions?: NotificationAction[];
  /** null: never expires. */
  expires_at?: number | null;
}

/** What recording an action did: recorded now, or the action recorded before. */
export type ActionOutcome =
  | { status: 'recorded'; notification: NotificationRecord }
  | { status: 'already'; notification: NotificationRecord }
  | { status: 'not_found' };

/**
 * Where a delivery stands. Routing writes `pending` (queued channels; a quiet-hours one is
 * `pending` with a later `next_attempt_at`, shown as `deferred`), `delivered` (in-app) or
 * `skipped` (with the reason in `last_error`); a provider worker makes it `sent`, `failed`
 * (dead letter) or `bounced` (address gone); cancelling makes what was not sent `cancelled`.
 */
export type DeliveryStatus =
  | 'pending'
  | 'sent'
  | 'delivered'
  | 'acknowledged'
  | 'expired'
  | 'failed'
  | 'bounced'
  | 'skipped'
  | 'cancelled'
  | 'dead';

/** One attempt-tracked delivery of a notification over one channel. */
export interface DeliveryRecord {
  /** Time-ordered id (`dlv_…`). */
  id: string;
  tenant_id: string;
  notification_id: string;
  recipient_id: string;
  channel: string;
  /** A push delivery's device (`dev_…`): one delivery per active device; null otherwise. */
  device_id: string | null;
  status: DeliveryStatus;
  attempts: number;
  /** When a worker may next claim it (queued channels). */
  next_attempt_at: number;
  /** A claimed delivery belongs to its worker until this time; null when unclaimed. */
  lease_until: number | null;
  /**
   * The token of the claim that leased it; only that token settles it (a worker whose lease
   * ran out and was claimed again settles nothing). Null when unclaimed.
   */
  lease_token: string | null;
  last_error: string | null;
  provider_message_id: string | null;
  created_at: number;
  updated_at: number;
}

/**
 * A new delivery row of a notification to its recipient over `channel`, at `now`: pending,
 * never tried nor claimed, unless `over` says otherwise (skipped, delivered at once, …).
 */
export function newDelivery(
  id: string,
  of: Pick<DeliveryRecord, 'tenant_id' | 'notification_id' | 'recipient_id' | 'channel'>,
  now: number,
  over: Partial<DeliveryRecord> = {},
): DeliveryRecord {
  return {
    id,
    ...of,
    device_id: null,
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    lease_until: null,
    lease_token: null,
    last_error: null,
    provider_message_id: null,
    created_at: now,
    updated_at: now,
    ...over,
  };
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
  /**
   * The request record of a single send (GET /requests), written in the same transaction
   * as the notification and only if the notification is written (not for a duplicate).
   * Replaces a record with the same tenant and id.
   */
  request?: SendRequestRecord;
}

/** The outcome of one item of a batch insert. */
/** The notification holding an idempotency key. */
export interface KeyHolder {
  notification_id: string;
  request_id: string;
}

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
  /** true: only dismissed; false: only not dismissed; absent: both. */
  dismissed?: boolean;
  priority?: Priority;
  group_key?: string;
  /** Only notifications created at or after this time. */
  created_after?: number;
  /** Only notifications created before this time. */
  created_before?: number;
  /** Only notifications whose `data[key]`, as a string, equals the value, for every pair. */
  metadata?: Record<string, string>;
  /** When given, notifications expired at this time are left out. */
  now?: number;
}

/** One page of a feed. */
export interface FeedPage {
  items: NotificationRecord[];
  has_more: boolean;
  /**
   * Where the next page starts (pass as `before`, or `after` when paging with `after`) when
   * it is not the last item's id: a backend that filters while it reads may stop after a
   * bounded amount of reading with fewer items than asked for.
   */
  next?: string;
}

/** Unread notifications of one recipient. */
export interface UnreadCounts {
  total: number;
  by_category: Record<string, number>;
  by_priority: Record<string, number>;
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
