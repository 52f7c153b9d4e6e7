import { NotifydError } from '../core/errors.js';
import type { RecordedNotification } from '../notifications/recipient-records.js';
import { deviceView } from './devices.js';
import type { Preferences } from './preferences.js';
import type { DeviceStore, PreferenceStore, SubscriberStore, TopicMemberStore } from './store.js';
import { subscriberView } from './subscribers.js';

/** What the notifications module offers for a recipient's notifications and deliveries. */
export interface RecipientHistory {
  export(
    tenantId: string,
    recipientId: string,
    after: string | null,
    limit: number,
  ): Promise<{ items: RecordedNotification[]; next: string | null }>;
  /** Erases them all; resolves to how many notifications. */
  erase(tenantId: string, recipientId: string): Promise<number>;
}

/** Most notifications one export answer holds (and its default); the rest is paged. */
export const EXPORT_PAGE_MAX = 1000;

export interface RecipientStores {
  subscribers: SubscriberStore;
  devices: DeviceStore;
  topicMembers: TopicMemberStore;
  preferences: PreferenceStore;
}

/**
 * GDPR: everything notifyd keeps about a subscriber, exported as one JSON document or
 * erased. Erasure deletes the subscriber record last, so that a DELETE interrupted midway
 * can simply be repeated.
 */
export class SubscriberErasure {
  constructor(
    private readonly stores: RecipientStores,
    private readonly preferences: Preferences,
    private readonly history: () => RecipientHistory,
    private readonly now: () => number,
  ) {}

  /**
   * Everything kept about the subscriber, with one page of their notifications: at most
   * `limit` (EXPORT_PAGE_MAX), oldest first, after the notification id `cursor`; the answer's
   * `cursor` continues, null once the last one is in.
   */
  async export(tenantId: string, id: string, page: { cursor?: string; limit?: number } = {}) {
    const { subscribers, devices, topicMembers, preferences } = this.stores;
    const subscriber = await subscribers.get(tenantId, id);
    const limit = Math.min(page.limit ?? EXPORT_PAGE_MAX, EXPORT_PAGE_MAX);
    const notifications = await this.history().export(tenantId, id, page.cursor ?? null, limit);
    const owned = await devices.list(tenantId, id);
    if (!subscriber && notifications.items.length === 0 && owned.length === 0 && !page.cursor) {
      throw new NotifydError('SUBSCRIBER_NOT_FOUND', undefined, { id });
    }
    const stored = await preferences.get(tenantId, id);
    return {
      exported_at: new Date(this.now()).toISOString(),
      subscriber_id: id,
      subscriber: subscriber ? subscriberView(subscriber) : null,
      devices: owned.map(deviceView),
      preferences: {
        stored: stored?.data ?? null,
        effective: await this.preferences.view(tenantId, id),
      },
      topics: await topicMembers.topicsOf(tenantId, id),
      notifications: notifications.items,
      cursor: notifications.next,
      has_more: notifications.next !== null,
    };
  }

  /** Erases the subscriber and all of theirs; 404 when notifyd knew nothing of them. */
  async erase(tenantId: string, id: string) {
    const { subscribers, devices, topicMembers, preferences } = this.stores;
    const notifications = await this.history().erase(tenantId, id);
    const removedDevices = await devices.removeAll(tenantId, id);
    const memberships = await topicMembers.leaveAll(tenantId, id);
    const prefs = await preferences.remove(tenantId, id);
    const subscriber = await subscribers.remove(tenantId, id);
    const erased = {
      subscriber,
      notifications,
      devices: removedDevices,
      topic_memberships: memberships,
      preferences: prefs,
    };
    if (!subscriber && notifications === 0 && removedDevices === 0 && memberships === 0 && !prefs) {
      throw new NotifydError('SUBSCRIBER_NOT_FOUND', undefined, { id });
    }
    return { id, erased };
  }
}
