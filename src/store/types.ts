/**
 * Storage interfaces. A backend is a folder beside this file that implements every one
 * of them; `test/store/contract.ts` states what each member must do and runs against
 * every backend. Times are epoch milliseconds. Every record carries its tenant and every
 * query names one: a backend never returns another tenant's data.
 */

import type { RateLimitStore } from '../ratelimit/spec.js';

export type { RateLimitStore } from '../ratelimit/spec.js';

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

export interface FeedPage {
  items: NotificationRecord[];
  has_more: boolean;
}

/** Unread notifications of one recipient. */
export interface UnreadCounts {
  total: number;
  by_category: Record<string, number>;
}

/** Notifications and the in-app feed. */
export interface NotificationStore {
  /**
   * Writes every item, each with its deliveries and idempotency claim, atomically per
   * item; resolves only once all are durable (committed to disk on durable backends).
   * Outcomes are in the order of the input.
   */
  insert(items: NewNotification[]): Promise<InsertOutcome[]>;
  /** One notification of one recipient, or null if absent, deleted, or someone else's. */
  get(tenantId: string, recipientId: string, id: string): Promise<NotificationRecord | null>;
  /**
   * One page of a recipient's feed, newest first (oldest first with `after`); deleted
   * notifications are never listed.
   */
  list(query: FeedQuery): Promise<FeedPage>;
  /** Marks these notifications read (if unread); resolves to the ids that changed. */
  markRead(tenantId: string, recipientId: string, ids: string[], at: number): Promise<string[]>;
  /** Marks every unread notification of the recipient read, optionally of one category; resolves to how many changed. */
  markAllRead(
    tenantId: string,
    recipientId: string,
    at: number,
    category?: string,
  ): Promise<number>;
  /** Deletes one notification from the feed; false when there was none to delete. */
  remove(tenantId: string, recipientId: string, id: string, at: number): Promise<boolean>;
  /** Unread, undeleted notifications of the recipient: total and per category. */
  unreadCounts(tenantId: string, recipientId: string): Promise<UnreadCounts>;
  /** Forgets idempotency keys that expired at or before `now`; resolves to how many. */
  purgeExpiredIdempotency(now: number): Promise<number>;
}

/** Deliveries: their status per notification, and the queue that workers claim from. */
export interface DeliveryQueue {
  /** Every delivery of a notification, oldest first. */
  listByNotification(tenantId: string, notificationId: string): Promise<DeliveryRecord[]>;
  /**
   * Claims up to `limit` pending deliveries of these channels that are due at `now` and not
   * leased, leasing each until `now + leaseMs` and counting an attempt. A delivery whose
   * lease ran out is claimable again. Oldest due first.
   */
  claim(channels: string[], limit: number, now: number, leaseMs: number): Promise<DeliveryRecord[]>;
  /** Settles a delivery with a final or intermediate status and clears its lease. */
  complete(
    id: string,
    status: Exclude<DeliveryStatus, 'pending'>,
    at: number,
    detail?: { provider_message_id?: string; error?: string },
  ): Promise<void>;
  /**
   * Adds deliveries to notifications that already exist (e.g. a fallback channel after an
   * unacknowledged in-app delivery); a delivery whose id exists is left as it is.
   */
  add(records: DeliveryRecord[]): Promise<void>;
  /** Returns a claimed delivery to the queue, due again at `nextAttemptAt`. */
  retry(id: string, nextAttemptAt: number, error: string, at: number): Promise<void>;
  /**
   * Sets the status of the recipient's deliveries of these notifications on one channel
   * (e.g. in-app acknowledgements); resolves to how many changed.
   */
  setStatus(
    tenantId: string,
    recipientId: string,
    notificationIds: string[],
    channel: string,
    status: DeliveryStatus,
    at: number,
  ): Promise<number>;
}

/** An API key as stored: never the key itself, only its hash. */
export interface ApiKeyRecord {
  /** `key_…` */
  id: string;
  name: string;
  /** SHA-256 of the full key, hex. */
  hash: string;
  /** The first characters of the key, shown in listings to recognise it. */
  prefix: string;
  scopes: string[];
  /** The tenant the key acts for; null for a key that may name any tenant. */
  tenant_id: string | null;
  /** CIDR ranges (v4 or v6) the key may be used from; empty means anywhere. */
  ip_allowlist: string[];
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

/** One entry of a user's queue. */
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

/**
 * Per-user queues with expiry, by name: the offline queue (`offline`: what a user with no
 * session missed, replayed when one connects) and ack tracking (`acks`: in-app notifications
 * sent and not yet acknowledged). Every call is atomic.
 */
export interface UserQueueStore {
  /**
   * Adds items (an id already in the user's queue keeps its first entry). A user's queue then
   * keeps only its `maxPerUser` highest ids; resolves to how many entries that dropped.
   */
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
  /**
   * Removes and returns up to `limit` items of the queue (any user) that expired at or before
   * `now`, earliest expiry first. Each item is returned to one caller only, so several nodes
   * may sweep together.
   */
  takeExpired(queue: string, now: number, limit: number): Promise<QueuedItem[]>;
  /** Items of the queue not expired at `now`: of one tenant, or of all when absent. */
  count(queue: string, now: number, tenantId?: string): Promise<number>;
}

/** API keys. */
export interface KeyStore {
  /** Stores a new key; its id and hash are unique. */
  create(record: ApiKeyRecord): Promise<void>;
  /** The key with this hash, revoked or not, or null. */
  findByHash(hash: string): Promise<ApiKeyRecord | null>;
  /** The key with this id, or null. */
  get(id: string): Promise<ApiKeyRecord | null>;
  /** Keys, oldest first: of one tenant, or all when tenantId is undefined. */
  list(tenantId?: string): Promise<ApiKeyRecord[]>;
  /** Revokes a key; false when no unrevoked key has this id. */
  revoke(id: string, at: number): Promise<boolean>;
  /** Records when a key was last used. */
  touch(id: string, at: number): Promise<void>;
  /** How many keys exist, revoked ones included. */
  count(): Promise<number>;
}

/** Atomic counters with expiry: rate-limit windows, quotas, sequence numbers. */
export interface CounterStore {
  /**
   * Adds `by` to the counter and resolves to its new value, atomically. A counter that
   * does not exist or expired starts at 0 and expires at `now + ttlMs`; an existing one
   * keeps its expiry.
   */
  increment(key: string, by: number, ttlMs: number, now: number): Promise<number>;
  /** The counter's value at `now`; 0 if absent or expired. */
  get(key: string, now: number): Promise<number>;
  /** Forgets counters that expired at or before `now`; resolves to how many. */
  purgeExpired(now: number): Promise<number>;
}

/**
 * A configuration object as stored: a JSON document of some kind (a rate-limit policy, a
 * template, a webhook…), owned by a tenant or global, with an optimistic version. Ids are
 * unique within a kind; `key`, when set, is unique within its kind and tenant (a name, a
 * plan id) so that a lookup by it is one read and two writers cannot both take it.
 */
export interface StoredObject {
  kind: string;
  id: string;
  /** The owning tenant; null for a global object. */
  tenant_id: string | null;
  /** A name unique within kind and tenant, or null. */
  key: string | null;
  /** The document; the store keeps it exactly as given (JSON values only). */
  data: Record<string, unknown>;
  /** 1 when created; every update adds 1. */
  version: number;
  created_at: number;
  updated_at: number;
}

/** What `ObjectStore.update` and `remove` did. */
export type ObjectWriteOutcome =
  | { status: 'ok'; object: StoredObject }
  | { status: 'not_found' }
  /** The stored version was not the one expected; `current` is what is stored. */
  | { status: 'version_conflict'; current: StoredObject }
  /** Another object of the kind and tenant holds the key. */
  | { status: 'key_taken' };

/** Which objects of one kind a list returns, and which page. */
export interface ObjectQuery {
  kind: string;
  /** Only objects of these tenants (null: global ones); absent: every tenant's and global. */
  tenants?: ReadonlyArray<string | null>;
  /** Objects to skip, oldest first (default 0). */
  offset?: number;
  /** Most objects to return (default all). */
  limit?: number;
}

/** Configuration objects of any kind: put, get, list and delete JSON documents. */
export interface ObjectStore {
  /**
   * Stores a new object at version 1 (`version`, `updated_at` are set from it). Throws
   * StoreConflictError when its id is taken in its kind or its key in its kind and tenant.
   */
  create(object: Omit<StoredObject, 'version' | 'updated_at'>): Promise<StoredObject>;
  /** The object of this kind with this id, or null. */
  get(kind: string, id: string): Promise<StoredObject | null>;
  /** The object of this kind and tenant (null: global) holding `key`, or null. */
  getByKey(kind: string, tenantId: string | null, key: string): Promise<StoredObject | null>;
  /**
   * Replaces an object's document and key if its stored version is `expectedVersion`;
   * adds 1 to the version and sets `updated_at` to `at`. Tenant and creation never change.
   */
  update(
    kind: string,
    id: string,
    change: { data: Record<string, unknown>; key: string | null },
    expectedVersion: number,
    at: number,
  ): Promise<ObjectWriteOutcome>;
  /** Deletes an object if its stored version is `expectedVersion` (any version when absent). */
  remove(kind: string, id: string, expectedVersion?: number): Promise<ObjectWriteOutcome>;
  /** One page of a kind's objects, oldest first (by created_at, then id), and how many match. */
  list(query: ObjectQuery): Promise<{ items: StoredObject[]; total: number }>;
  /**
   * A number that changes whenever an object of one of these kinds is created, updated or
   * deleted, through this store or any other on the same data: caches poll it to reload.
   */
  revision(kinds: readonly string[]): Promise<number>;
}

/**
 * One step of a versioned schema (SQLite, Postgres). Once released, a migration is never
 * edited: add a new one. Postgres runs `sql` with `search_path` set to the store's schema,
 * so its names are unqualified.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** What bringing a versioned schema (SQLite, Postgres) up to date did. */
export interface MigrationResult {
  /** The version the database was at before. */
  from: number;
  /** The version it is at now. */
  to: number;
  /** The versions applied by this call, in order; empty when it was up to date. */
  applied: number[];
}

/** One backend's implementation of every concern. */
export interface Store {
  /** The backend's name: `memory`, `sqlite`, … */
  readonly backend: string;
  readonly notifications: NotificationStore;
  readonly deliveries: DeliveryQueue;
  readonly keys: KeyStore;
  readonly counters: CounterStore;
  readonly queues: UserQueueStore;
  readonly objects: ObjectStore;
  /** Rate-limit state: one atomic decision per call (src/ratelimit/spec.ts). */
  readonly ratelimit: RateLimitStore;
  /** Resolves when the backend answers; rejects with STORE_UNAVAILABLE when it does not. */
  ping(): Promise<void>;
  /** Finishes pending writes and releases the backend. */
  close(): Promise<void>;
}
