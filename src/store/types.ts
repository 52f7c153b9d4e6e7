import type { StoreBackend } from './backends.js';
/**
 * The store: every module's store interface, composed. Each module declares what it keeps
 * beside its code; generic infrastructure (configuration objects, counters) lives here. A
 * backend is a folder beside this file that implements every concern, registered in
 * `registry.ts`; `test/store/contract/` states what each member must do and runs against
 * every backend. Times are epoch milliseconds. Every record carries its tenant and every
 * query names one: a backend never returns another tenant's data.
 */

import type { AnalyticsStore } from '../analytics/store.js';
import type { KeyStore } from '../auth/store.js';
import type {
  DeliveryQueue,
  NotificationStore,
  SendRequestStore,
  UserQueueStore,
} from '../notifications/store.js';
import type { RateLimitStore } from '../ratelimit/spec.js';
import type {
  DeviceStore,
  PreferenceStore,
  SubscriberStore,
  TopicMemberStore,
} from '../recipients/store.js';
import type { JobStore } from '../scheduler/store.js';
import type { CounterStore } from './counters.js';
import type { ObjectStore } from './objects.js';

export type { AnalyticsStore } from '../analytics/store.js';
export type { ApiKeyRecord, KeyStore } from '../auth/store.js';
export type * from '../notifications/records.js';
export type * from '../notifications/request-records.js';
export type {
  DeliveryQueue,
  NotificationStore,
  SendRequestStore,
  UserQueueStore,
} from '../notifications/store.js';
export type { RateLimitStore } from '../ratelimit/spec.js';
export type * from '../recipients/store.js';
export type * from '../scheduler/jobs.js';
export type * from '../scheduler/store.js';
export type { CounterStore } from './counters.js';
export type { Migration, MigrationResult } from './migrations.js';
export type * from './objects.js';

/** Every concern a store serves, by the name the store holds it under. */
export interface StoreConcerns {
  /** Notifications and feeds (notifications/store.ts). */
  notifications: NotificationStore;
  /** Deliveries and their queue (notifications/store.ts). */
  deliveries: DeliveryQueue;
  /** API keys (auth/store.ts). */
  keys: KeyStore;
  /** Atomic counters with expiry (counters.ts). */
  counters: CounterStore;
  /** The offline queue and ack tracking (notifications/store.ts). */
  queues: UserQueueStore;
  /** Configuration objects (objects.ts). */
  objects: ObjectStore;
  /** Rate-limit state: one atomic decision per call (ratelimit/spec.ts). */
  ratelimit: RateLimitStore;
  /** Analytics events and their rollups (analytics/store.ts). */
  analytics: AnalyticsStore;
  /** Subscribers (recipients/store.ts). */
  subscribers: SubscriberStore;
  /** Subscribers' push addresses (recipients/store.ts). */
  devices: DeviceStore;
  /** Topic memberships (recipients/store.ts). */
  topicMembers: TopicMemberStore;
  /** Subscribers' notification preferences (recipients/store.ts). */
  preferences: PreferenceStore;
  /** Durable scheduler jobs (scheduler/store.ts). */
  jobs: JobStore;
  /** Send requests, listed by GET /requests (notifications/store.ts). */
  requests: SendRequestStore;
}

/** A concern's name. */
export type StoreConcern = keyof StoreConcerns;

/** Every concern, served by one backend or, when configured so, by several. */
export interface Store extends Readonly<StoreConcerns> {
  /** The main backend's name: `memory`, `sqlite`, … */
  readonly backend: string;
  /** The backend serving a concern: `backend` unless placed elsewhere (`memory`: in process). */
  backendOf(concern: StoreConcern): StoreBackend;
  /** Resolves when every backend answers; rejects with STORE_UNAVAILABLE when one does not. */
  ping(): Promise<void>;
  /** Finishes pending writes and releases the backends. */
  close(): Promise<void>;
}
