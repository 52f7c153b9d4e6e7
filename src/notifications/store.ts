/**
 * What the notifications module keeps: notifications with their feeds, deliveries with
 * their queue, and per-user queues. Every backend implements these (src/store/); the
 * contract suite (test/store/contract/) says what each member must do. Every query names a
 * tenant, and a backend never returns another tenant's data.
 */

import type {
  ActionOutcome,
  DeliveryRecord,
  DeliveryStatus,
  FeedPage,
  FeedQuery,
  InsertOutcome,
  KeyHolder,
  NewNotification,
  NotificationPatch,
  NotificationRecord,
  QueuedItem,
  UnreadCounts,
} from './records.js';
import type { RequestPage, RequestQuery, SendRequestRecord } from './request-records.js';

/** Notifications and the in-app feed. Deleted notifications are never returned. */
export interface NotificationStore {
  /** Writes each item and its deliveries and claim atomically; resolves, in order, once durable. */
  insert(items: NewNotification[]): Promise<InsertOutcome[]>;
  /** One notification of one recipient, or null if absent, deleted, or someone else's. */
  get(tenantId: string, recipientId: string, id: string): Promise<NotificationRecord | null>;
  /** One page of a recipient's feed, newest first (oldest first with `after`). */
  list(query: FeedQuery): Promise<FeedPage>;
  /** Marks these notifications read (if unread); resolves to the ids that changed. */
  markRead(tenantId: string, recipientId: string, ids: string[], at: number): Promise<string[]>;
  /** Marks every unread notification read (optionally of one category); resolves to how many. */
  markAllRead(
    tenantId: string,
    recipientId: string,
    at: number,
    category?: string,
  ): Promise<number>;
  /** Deletes one notification from the feed; false when there was none to delete. */
  remove(tenantId: string, recipientId: string, id: string, at: number): Promise<boolean>;
  /**
   * Unread, undeleted notifications of the recipient: total, per category and per priority.
   * With `now`, those expired at that time are left out.
   */
  unreadCounts(tenantId: string, recipientId: string, now?: number): Promise<UnreadCounts>;
  /** One notification of the tenant, whoever its recipient; null if absent or deleted. */
  find(tenantId: string, id: string): Promise<NotificationRecord | null>;
  /**
   * Dismisses these notifications of the recipient (if not dismissed), reading the unread
   * ones at the same time; resolves to the ids that changed, once each, in the order given.
   */
  dismiss(tenantId: string, recipientId: string, ids: string[], at: number): Promise<string[]>;
  /** Dismisses (and reads) every undismissed notification, optionally of one category; how many. */
  dismissAll(tenantId: string, recipientId: string, at: number, category?: string): Promise<number>;
  /** Changes what the patch names; resolves to the notification after, or null if absent or deleted. */
  update(
    tenantId: string,
    id: string,
    patch: NotificationPatch,
  ): Promise<NotificationRecord | null>;
  /**
   * Records the recipient's action on a notification, once: the first action taken is kept,
   * and any later call answers `already` with the notification as it stands.
   */
  recordAction(
    tenantId: string,
    recipientId: string,
    id: string,
    actionId: string,
    at: number,
  ): Promise<ActionOutcome>;
  /**
   * Deletes for good up to `limit` notifications of any tenant whose id sorts below
   * `beforeId` (ids are time-ordered: the retention cut-off), with their deliveries, oldest
   * first; resolves to how many.
   */
  purgeBefore(beforeId: string, limit: number): Promise<number>;
  /** Forgets idempotency keys that expired at or before `now`; resolves to how many. */
  purgeExpiredIdempotency(now: number): Promise<number>;
  /**
   * Who holds each of these idempotency keys of the tenant at `at` (unexpired claims only),
   * in the order asked; null for a free key. An atomic batch checks its keys with it.
   */
  heldKeys(tenantId: string, keys: string[], at: number): Promise<Array<KeyHolder | null>>;
  /**
   * Up to `limit` of a recipient's notifications, deleted ones included, with an id above
   * `after` (null: from the first), oldest first: the GDPR export.
   */
  listAll(
    tenantId: string,
    recipientId: string,
    after: string | null,
    limit: number,
  ): Promise<NotificationRecord[]>;
  /**
   * Erases up to `limit` of a recipient's notifications (deleted ones included) with their
   * deliveries and idempotency claims; resolves to how many (repeat until 0): GDPR erasure.
   */
  eraseRecipient(tenantId: string, recipientId: string, limit: number): Promise<number>;
}

/**
 * Deliveries: their status per notification, and the queue workers claim from. A claim
 * leases a pending delivery of one of the channels, due and not leased, to its worker under
 * the claim's token and counts an attempt; a delivery whose lease ran out is claimable again
 * (under the new claim's token). Only the token a delivery is leased under settles it: a
 * worker whose lease ran out, and was claimed again since, settles nothing.
 */
export interface DeliveryQueue {
  /** Every delivery of a notification, oldest first. */
  listByNotification(tenantId: string, notificationId: string): Promise<DeliveryRecord[]>;
  /**
   * Every delivery of these notifications of the tenant in one call (a page of an export or
   * a lookup): grouped by notification in the order the ids are given, each oldest first.
   */
  listByNotifications(tenantId: string, notificationIds: string[]): Promise<DeliveryRecord[]>;
  /**
   * Claims up to `limit` deliveries due at `now`, oldest due first, leased to `now + leaseMs`
   * under `token` (each returned row carries it as `lease_token`). A caller uses a new token
   * for every claim.
   */
  claim(
    channels: string[],
    limit: number,
    now: number,
    leaseMs: number,
    token: string,
  ): Promise<DeliveryRecord[]>;
  /**
   * Settles a delivery leased under `token` with a final or intermediate status and clears
   * its lease; false (and nothing changed) when it is not leased under that token.
   */
  complete(
    id: string,
    token: string,
    status: Exclude<DeliveryStatus, 'pending'>,
    at: number,
    detail?: { provider_message_id?: string; error?: string },
  ): Promise<boolean>;
  /** Adds deliveries to existing notifications (a fallback channel); a known id is left as is. */
  add(records: DeliveryRecord[]): Promise<void>;
  /**
   * Returns a delivery leased under `token` to the queue, due again at `nextAttemptAt`;
   * false (and nothing changed) when it is not leased under that token.
   */
  retry(
    id: string,
    token: string,
    nextAttemptAt: number,
    error: string,
    at: number,
  ): Promise<boolean>;
  /**
   * Returns a delivery leased under `token` to the queue, due again at `dueAt`, without
   * counting the claim's attempt (the worker did not try it: every provider was at its
   * concurrency or rate limit); its last error is kept. False (and nothing changed) when it
   * is not leased under that token.
   */
  release(id: string, token: string, dueAt: number, at: number): Promise<boolean>;
  /**
   * Dead letters: the tenant's `failed` deliveries, newest (highest id) first, at most
   * `limit`, of one channel when given, with an id below `before` when given (the next page).
   */
  listDead(
    tenantId: string,
    filter: { channel?: string; before?: string },
    limit: number,
  ): Promise<DeliveryRecord[]>;
  /**
   * Puts a dead letter (a `failed` delivery of the tenant) back in the queue: `pending`, due
   * at `at`, unleased, its attempts counted again from 0. Resolves to the delivery after, or
   * null when it is not a dead letter of the tenant.
   */
  requeueDead(tenantId: string, id: string, at: number): Promise<DeliveryRecord | null>;
  /**
   * The delivery of `channel` (any tenant) whose provider gave it this message id when it
   * accepted it (a Twilio message SID): what a provider's status callback names; null when
   * none has it.
   */
  findByProviderMessageId(
    channel: string,
    providerMessageId: string,
  ): Promise<DeliveryRecord | null>;
  /**
   * A provider's later word on a `sent` delivery (a status callback): `delivered`, or
   * `failed` with `error`; resolves to the delivery after, or null (nothing changed) when it
   * is not `sent` (unknown, or settled by an earlier report).
   */
  confirmSent(
    id: string,
    status: 'delivered' | 'failed',
    at: number,
    error?: string,
  ): Promise<DeliveryRecord | null>;
  /** Sets the status of a recipient's deliveries on one channel (acks); resolves to how many. */
  setStatus(
    tenantId: string,
    recipientId: string,
    notificationIds: string[],
    channel: string,
    status: DeliveryStatus,
    at: number,
  ): Promise<number>;
}

/**
 * Per-user queues with expiry, by name: the offline queue (`offline`: what a user with no
 * session missed, replayed when one connects) and ack tracking (`acks`: in-app notifications
 * sent and not yet acknowledged). Every call is atomic. A user's queue keeps its
 * `maxPerUser` highest ids; an expired item is taken by one sweeping caller only, so several
 * nodes may sweep together.
 */
export interface UserQueueStore {
  /** Adds items (a queued id keeps its first entry), then trims; resolves to how many dropped. */
  push(queue: string, items: QueuedItem[], maxPerUser: number): Promise<number>;
  /** The user's items not expired at `now`, lowest id first, at most `limit`. */
  list(
    queue: string,
    tenantId: string,
    userId: string,
    now: number,
    limit: number,
  ): Promise<QueuedItem[]>;
  /** Removes these ids from the user's queue; resolves to the items removed. */
  remove(queue: string, tenantId: string, userId: string, ids: string[]): Promise<QueuedItem[]>;
  /** Removes and returns up to `limit` items (any user) expired at `now`, earliest first. */
  takeExpired(queue: string, now: number, limit: number): Promise<QueuedItem[]>;
  /** Items of the queue not expired at `now`: of one tenant, or of all when absent. */
  count(queue: string, now: number, tenantId?: string): Promise<number>;
}

/**
 * Send requests (single sends, batches, topic sends) for GET /requests: kept under their
 * tenant and id, listed newest first with filters, purged with retention.
 */
export interface SendRequestStore {
  /** Stores the request, replacing the tenant's request with its id. */
  put(record: SendRequestRecord): Promise<void>;
  /** The tenant's request with this id, or null. */
  get(tenantId: string, id: string): Promise<SendRequestRecord | null>;
  /** One page of the tenant's requests that match, newest first (see RequestPage). */
  list(query: RequestQuery): Promise<RequestPage>;
  /** Deletes up to `limit` requests (any tenant) created before `before`; resolves to how many. */
  purgeBefore(before: number, limit: number): Promise<number>;
}
