import type { UserPrincipal } from '../auth/principal.js';
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { EventSink } from '../events/catalogue.js';
import type { NotificationRecord, Store, UnreadCounts } from '../store/types.js';
import { checkActions, checkExpiry, splitContent } from './content.js';
import type { CursorCodec } from './cursor.js';
import { type FeedFilters, toStoreQuery } from './feed-query.js';
import { normalPriority } from './records.js';
import type { FeedPage, NotificationView, SendAccepted, SendNotificationBody } from './schemas.js';
import type { DeliveryTracker } from './tracking.js';
import type { UnreadSummary, UserChannel } from './user-channel.js';
import { toDeliveryView, toView } from './view.js';

export interface NotificationServiceDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  cursors: CursorCodec;
  /** Where real-time messages for users go. */
  users: UserChannel;
  idempotencyTtlMs: number;
  /** The offline queue and ack tracking, when on. */
  tracker?: DeliveryTracker;
  /** Where what users do with their feed is reported (webhooks listen). */
  events: EventSink<FeedEvent>;
}

/** The events the feed emits. */
export type FeedEvent = 'notification.read' | 'notification.dismissed' | 'notification.action';

export const summary = (c: UnreadCounts): UnreadSummary => ({
  unread_count: c.total,
  unread_by_category: c.by_category,
  unread_by_priority: c.by_priority,
});

/** Sending notifications and everything a user does with their feed. */
export class NotificationService {
  constructor(private readonly deps: NotificationServiceDeps) {}

  /**
   * Accepts one notification: one durable write of the notification and its delivery
   * rows, then real-time delivery to the recipient's open sessions. Resolves after the
   * write is committed; a repeated idempotency key is DUPLICATE_NOTIFICATION.
   */
  async send(
    tenantId: string,
    input: SendNotificationBody,
    requestId: string,
  ): Promise<SendAccepted> {
    const { store, clock, ids, users } = this.deps;
    const now = clock.now();
    const { content, actions } = splitContent(input.content, input.actions);
    checkActions(actions, 'body');
    const expiresAt = checkExpiry(input.expires_at, now, 'body.expires_at');
    const notification: NotificationRecord = {
      id: ids('ntf'),
      tenant_id: tenantId,
      request_id: requestId,
      recipient_id: input.recipient_id,
      category: input.category ?? 'general',
      priority: normalPriority(input.priority),
      content,
      actions,
      data: input.data ?? null,
      group_key: input.group_key ?? null,
      idempotency_key: input.idempotency_key ?? null,
      channels: ['in_app'],
      template: null,
      cancellation_key: input.cancellation_key ?? null,
      contents: null,
      created_at: now,
      expires_at: expiresAt,
      read_at: null,
      dismissed_at: null,
      action_id: null,
      actioned_at: null,
      deleted_at: null,
    };
    const [outcome] = await store.notifications.insert([
      {
        notification,
        // The feed is the in-app inbox: stored in it is delivered; an ack acknowledges it.
        deliveries: [
          {
            id: ids('dlv'),
            tenant_id: tenantId,
            notification_id: notification.id,
            recipient_id: notification.recipient_id,
            channel: 'in_app',
            device_id: null,
            status: 'delivered',
            attempts: 1,
            next_attempt_at: now,
            lease_until: null,
            last_error: null,
            provider_message_id: null,
            created_at: now,
            updated_at: now,
          },
        ],
        ...(input.idempotency_key
          ? {
              idempotency: {
                key: input.idempotency_key,
                expires_at: now + this.deps.idempotencyTtlMs,
              },
            }
          : {}),
      },
    ]);
    if (outcome?.status === 'duplicate') {
      throw new NotifydError('DUPLICATE_NOTIFICATION', undefined, {
        notification_id: outcome.notification_id,
        request_id: outcome.request_id,
      });
    }
    const view = toView(notification);
    users.publish(tenantId, notification.recipient_id, { type: 'notification', data: view });
    await this.deps.tracker?.published(tenantId, view);
    return {
      request_id: requestId,
      notification_id: notification.id,
      status: 'accepted',
      channels_targeted: notification.channels,
    };
  }

  /**
   * One page of the user's feed, newest first, with their unread counts. Expired
   * notifications are left out, and dismissed ones unless asked for.
   */
  async feed(
    user: UserPrincipal,
    query: FeedFilters & { cursor?: string; limit: number },
  ): Promise<FeedPage> {
    const { store, cursors, clock } = this.deps;
    const now = clock.now();
    const before = query.cursor ? cursors.decode(query.cursor) : undefined;
    const [page, counts] = await Promise.all([
      store.notifications.list({
        ...toStoreQuery(user, query, now),
        limit: query.limit,
        ...(before !== undefined ? { before } : {}),
      }),
      store.notifications.unreadCounts(user.tenant_id, user.user_id, now),
    ]);
    const next = page.next ?? page.items.at(-1)?.id;
    return {
      data: page.items.map(toView),
      cursor: page.has_more && next ? cursors.encode(next) : null,
      has_more: page.has_more,
      ...summary(counts),
    };
  }

  /**
   * What a user who last saw `afterId` has missed, oldest first, up to `limit`; `has_more`
   * when there is more than that (the rest is in the feed).
   */
  async missed(
    user: UserPrincipal,
    afterId: string,
    limit: number,
  ): Promise<{ data: NotificationView[]; has_more: boolean }> {
    const page = await this.deps.store.notifications.list({
      tenant_id: user.tenant_id,
      recipient_id: user.user_id,
      after: afterId,
      limit,
      now: this.deps.clock.now(),
    });
    return { data: page.items.map(toView), has_more: page.has_more };
  }

  async get(user: UserPrincipal, id: string): Promise<NotificationView> {
    const record = await this.deps.store.notifications.get(user.tenant_id, user.user_id, id);
    if (!record) throw new NotifydError('NOTIFICATION_NOT_FOUND', undefined, { id });
    return toView(record);
  }

  async unread(user: UserPrincipal): Promise<UnreadSummary> {
    const { store, clock } = this.deps;
    return summary(
      await store.notifications.unreadCounts(user.tenant_id, user.user_id, clock.now()),
    );
  }

  /**
   * Marks notifications read and tells every session of the user. When `strict` (HTTP and
   * WebSocket alike), ids that are not the user's notifications are then
   * NOTIFICATION_NOT_FOUND (the others are still marked); ignored otherwise.
   */
  async markRead(user: UserPrincipal, ids: string[], strict = false): Promise<UnreadSummary> {
    const { store, clock, users } = this.deps;
    const now = clock.now();
    const changed = await store.notifications.markRead(user.tenant_id, user.user_id, ids, now);
    // Fewer changes than ids: some were read before, or are someone else's. Only then look.
    const unique = [...new Set(ids)];
    const missing =
      strict && changed.length < unique.length ? await this.missing(user, unique) : [];
    const counts = summary(
      await store.notifications.unreadCounts(user.tenant_id, user.user_id, now),
    );
    if (changed.length > 0) {
      this.deps.events('notification.read', user.tenant_id, {
        recipient_id: user.user_id,
        notification_ids: changed,
        all: false,
        category: null,
        count: changed.length,
        read_at: new Date(now).toISOString(),
      });
    }
    users.publish(user.tenant_id, user.user_id, {
      type: 'read_status_updated',
      data: {
        notification_ids: changed,
        read: true,
        read_at: new Date(now).toISOString(),
        ...counts,
      },
    });
    if (missing.length === 1) {
      throw new NotifydError('NOTIFICATION_NOT_FOUND', undefined, { id: missing[0], ids: missing });
    }
    if (missing.length > 1)
      throw new NotifydError('NOTIFICATION_NOT_FOUND', undefined, { ids: missing });
    return counts;
  }

  /** The ids among `ids` that are not notifications of the user. */
  private async missing(user: UserPrincipal, ids: string[]): Promise<string[]> {
    const { store } = this.deps;
    const found = await Promise.all(
      ids.map((id) => store.notifications.get(user.tenant_id, user.user_id, id)),
    );
    return ids.filter((_, i) => found[i] === null);
  }

  /** Marks all (or one category's) unread notifications read and tells every session. */
  async markAllRead(
    user: UserPrincipal,
    category?: string,
  ): Promise<UnreadSummary & { updated: number }> {
    const { store, clock, users } = this.deps;
    const now = clock.now();
    const updated = await store.notifications.markAllRead(
      user.tenant_id,
      user.user_id,
      now,
      category,
    );
    const counts = summary(
      await store.notifications.unreadCounts(user.tenant_id, user.user_id, now),
    );
    if (updated > 0) {
      this.deps.events('notification.read', user.tenant_id, {
        recipient_id: user.user_id,
        notification_ids: [],
        all: true,
        category: category ?? null,
        count: updated,
        read_at: new Date(now).toISOString(),
      });
    }
    users.publish(user.tenant_id, user.user_id, {
      type: 'read_status_updated',
      data: { notification_ids: [], read: true, read_at: new Date(now).toISOString(), ...counts },
    });
    return { updated, ...counts };
  }

  /** Deletes a notification from the user's feed; sessions get the new unread count. */
  async remove(user: UserPrincipal, id: string): Promise<void> {
    const { store, clock, users } = this.deps;
    const now = clock.now();
    const removed = await store.notifications.remove(user.tenant_id, user.user_id, id, now);
    if (!removed) throw new NotifydError('NOTIFICATION_NOT_FOUND', undefined, { id });
    const counts = await store.notifications.unreadCounts(user.tenant_id, user.user_id, now);
    users.publish(user.tenant_id, user.user_id, { type: 'unread_count', data: summary(counts) });
  }

  /**
   * Records that the user's app received these notifications (in-app acknowledgement).
   * Ids that are not the user's notifications are NOTIFICATION_NOT_FOUND (the others are
   * still recorded); acking twice is not an error.
   */
  async ack(user: UserPrincipal, ids: string[]): Promise<number> {
    const { store, clock } = this.deps;
    const unique = [...new Set(ids)];
    await this.deps.tracker?.acked(user.tenant_id, user.user_id, unique);
    const changed = await store.deliveries.setStatus(
      user.tenant_id,
      user.user_id,
      unique,
      'in_app',
      'acknowledged',
      clock.now(),
    );
    // Fewer changes than ids: some were acked before, or are someone else's. Only then look.
    if (changed < unique.length) {
      const found = await Promise.all(
        unique.map((id) => store.notifications.get(user.tenant_id, user.user_id, id)),
      );
      const missing = unique.filter((_, i) => found[i] === null);
      if (missing.length > 0) {
        throw new NotifydError('NOTIFICATION_NOT_FOUND', undefined, { ids: missing });
      }
    }
    return changed;
  }

  /** Delivery rows of a notification, for the service that sent it. */
  async deliveries(tenantId: string, notificationId: string) {
    const rows = await this.deps.store.deliveries.listByNotification(tenantId, notificationId);
    if (rows.length === 0) {
      throw new NotifydError('NOTIFICATION_NOT_FOUND', undefined, { id: notificationId });
    }
    return rows.map(toDeliveryView);
  }
}
