import type { Store } from '../types.js';
import { MemoryAnalyticsStore } from './analytics.js';
import { MemoryCounterStore } from './counters.js';
import { MemoryDeliveryQueue } from './deliveries.js';
import { MemoryDeviceStore } from './devices.js';
import { MemoryJobStore } from './jobs.js';
import { MemoryKeyStore } from './keys.js';
import { MemoryNotificationStore } from './notifications.js';
import { MemoryObjectStore } from './objects.js';
import { OpenState } from './open-state.js';
import { MemoryPreferenceStore } from './preferences.js';
import { MemoryRateLimitStore } from './ratelimit.js';
import { MemoryRequestStore } from './requests.js';
import { MemorySubscriberStore } from './subscribers.js';
import { MemoryTopicMemberStore } from './topic-members.js';
import { MemoryUserQueueStore } from './user-queues.js';

/**
 * A store that lives in this process and is lost when it exits: for tests and throw-away
 * runs. Records are copied in and out, so callers can never change what is stored.
 */
export function createMemoryStore(): Store {
  const state = new OpenState();
  const deliveries = new MemoryDeliveryQueue(state);
  const requests = new MemoryRequestStore(state);
  return {
    backend: 'memory',
    backendOf: () => 'memory',
    notifications: new MemoryNotificationStore(state, deliveries, requests),
    deliveries,
    keys: new MemoryKeyStore(state),
    counters: new MemoryCounterStore(state),
    queues: new MemoryUserQueueStore(state),
    objects: new MemoryObjectStore(state),
    ratelimit: new MemoryRateLimitStore(state),
    analytics: new MemoryAnalyticsStore(state),
    subscribers: new MemorySubscriberStore(state),
    devices: new MemoryDeviceStore(state),
    topicMembers: new MemoryTopicMemberStore(state),
    preferences: new MemoryPreferenceStore(state),
    jobs: new MemoryJobStore(state),
    requests,
    async ping() {
      state.check();
    },
    async close() {
      state.close();
    },
  };
}
