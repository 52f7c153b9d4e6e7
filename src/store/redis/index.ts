import type { Redis } from 'ioredis';
import type { Store } from '../types.js';
import { RedisAnalyticsStore } from './analytics.js';
import {
  createRedisClient,
  DEFAULT_PREFIX,
  type RedisStoreOptions,
  watchConnection,
} from './connection.js';
import { RedisCounterStore } from './counters.js';
import { RedisDeliveryQueue } from './deliveries.js';
import { RedisDeviceStore } from './devices.js';
import { RedisHandle } from './handle.js';
import { RedisJobStore } from './jobs.js';
import { RedisKeyStore } from './keys.js';
import { RedisNotificationStore } from './notifications.js';
import { RedisObjectStore } from './objects.js';
import { RedisPreferenceStore } from './preferences.js';
import { RedisRateLimitStore } from './ratelimit.js';
import { RedisRequestStore } from './requests.js';
import { RedisSubscriberStore } from './subscribers.js';
import { RedisTopicMemberStore } from './topic-members.js';
import { RedisUserQueueStore } from './user-queues.js';

export { DEFAULT_PREFIX, DEFAULT_URL, type RedisStoreOptions } from './connection.js';

/** The Redis store, which also says where in Redis its keys are. */
export interface RedisStore extends Store {
  readonly backend: 'redis';
  /** The start of every key it writes. */
  readonly prefix: string;
}

/**
 * Opens a store on Redis. It resolves once the first connection attempt has ended (at most
 * `connectTimeoutMs`), whether or not Redis answered: a Redis that is down at start is an
 * outage like any other, so calls and ping() reject with STORE_UNAVAILABLE until the client,
 * reconnecting in the background, reaches it. Needs Redis 6.2 or later (ZRANGE BYLEX/BYSCORE)
 * and a single Redis or primary, not Redis Cluster: scripts build their keys' names. On
 * Redis 7 the rate limiter runs as a function library (lua/ratelimit.ts, library.ts).
 */
export async function openRedisStore(options: RedisStoreOptions = {}): Promise<RedisStore> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const owned = options.client === undefined;
  const client = options.client ?? createRedisClient(options);
  const unwatch = watchConnection(client, options.onWarning);
  if (client.status === 'wait') {
    // A failure is reported through watchConnection and leaves the client retrying.
    await client.connect().catch(() => {});
  }
  const h = new RedisHandle(client, prefix);
  return {
    backend: 'redis',
    backendOf: () => 'redis',
    prefix,
    notifications: new RedisNotificationStore(h),
    deliveries: new RedisDeliveryQueue(h),
    keys: new RedisKeyStore(h),
    counters: new RedisCounterStore(h),
    queues: new RedisUserQueueStore(h),
    objects: new RedisObjectStore(h),
    ratelimit: new RedisRateLimitStore(h),
    analytics: new RedisAnalyticsStore(h),
    subscribers: new RedisSubscriberStore(h),
    devices: new RedisDeviceStore(h),
    topicMembers: new RedisTopicMemberStore(h),
    preferences: new RedisPreferenceStore(h),
    jobs: new RedisJobStore(h),
    requests: new RedisRequestStore(h),
    ping: () =>
      h.run(async (c) => {
        await c.ping();
      }),
    async close() {
      if (h.isClosed) return;
      await h.close();
      unwatch();
      if (owned) await release(client);
    },
  };
}

/** Quits politely when connected; otherwise stops the reconnection attempts. */
async function release(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // The connection dropped while quitting: fall through and make sure it stays closed.
    }
  }
  client.disconnect();
}
