import type { Static } from '@sinclair/typebox';
import type { UserPrincipal } from '../auth/principal.js';
import type { Clock } from '../core/clock.js';
import { type ErrorCode, NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { EventSink } from '../events/catalogue.js';
import type { NotificationRecord, Store, UnreadCounts } from '../store/types.js';
import type { CursorCodec } from './cursor.js';
import { type FeedFilters, toStoreQuery } from './feed-query.js';
import type { WorkflowRunner } from './ports.js';
import { singleRequest } from './request-records.js';
import type { SendRequests } from './requests.js';
import type { ScheduledAccepted, ScheduledSends } from './scheduled.js';
import type {
  FeedPage,
  NotificationView,
  SendAccepted,
  SendNotificationBody,
  WorkflowStartedSchema,
} from './schemas.js';
import { isInline, type Prepared, type Sender, type SendOptions } from './sender.js';
import type { DeliveryTracker } from './tracking.js';
import type { ReadAllResult, UnreadSummary, UserChannel } from './user-channel.js';
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
  /** Prepares and writes sends (routing). */
  sender: Sender;
  /** Whether a notification was cancelled by its key. */
  cancelled?: (n: NotificationRecord) => Promise<boolean>;
  /**
   * Where batches are recorded for GET /requests; when set, single sends write their
   * record with their notification.
   */
  requests?: Pick<SendRequests, 'recordBatch'>;
  /** Sends with `send_at`, when the server has a scheduler. */
  scheduled?: ScheduledSends;
  /** Sends with `workflow` (the workflows module, built after this one: asked when used). */
  workflows?: () => WorkflowRunner | null;
}

/** One item's result in a batch. */
export type BatchItemResult =
  | { index: number; status: 'accepted'; notification_id: string; channels_targeted: string[] }
  | { index: number; status: 'scheduled'; scheduled_id: string; send_at: string }
  | {
      index: number;
      status: 'rejected';
      error: { code: string; message: string; details?: Record<string, unknown> };
    };

export interface BatchResult {
  request_id: string;
  accepted: number;
  rejected: number;
  results: BatchItemResult[];
}

/** A refused item's result; an unexpected error is rethrown (the whole request fails). */
function rejected(index: number, err: unknown): BatchItemResult {
  if (!(err instanceof NotifydError) || err.code === 'STORE_UNAVAILABLE') throw err;
  return {
    index,
    status: 'rejected',
    error: { code: err.code, message: err.message, details: err.details },
  };
}

/** The 202 of a send with `workflow`. */
export type WorkflowStarted = Static<typeof WorkflowStartedSchema>;

/** The events the feed emits. */
export type FeedEvent = 'notification.read' | 'notification.dismissed' | 'notification.action';

export const summary = (c: UnreadCounts): UnreadSummary => ({
  unread_count: c.total,
  unread_by_category: c.by_category,
  unread_by_priority: c.by_priority,
});

/** A user's unread counts as of `now`, as feed answers and real-time frames carry them. */
export async function unreadSummary(
  store: Store,
  user: UserPrincipal,
  now: number,
): Promise<UnreadSummary> {
  return summary(await store.notifications.unreadCounts(user.tenant_id, user.user_id, now));
}

/** Notifications a user read: by id, or all of them (of one category, or of every one). */
export interface Reading {
  ids: string[];
  all: boolean;
  category: string | null;
  count: number;
}

/**
 * Tells of notifications read: `notification.read` for webhooks and analytics when any was,
 * and `read_status_updated` with the unread counts after to every session of the user.
 */
export function tellRead(
  deps: { events: EventSink<FeedEvent>; users: UserChannel },
  user: UserPrincipal,
  reading: Reading,
  readAt: string,
  counts: UnreadSummary,
): void {
  if (reading.count > 0) {
    deps.events('notification.read', user.tenant_id, {
      recipient_id: user.user_id,
      notification_ids: reading.ids,
      all: reading.all,
      category: reading.category,
      count: reading.count,
      read_at: readAt,
    });
  }
  deps.users.publish(user.tenant_id, user.user_id, {
    type: 'read_status_updated',
    data: {
      notification_ids: reading.ids,
      read: true,
      read_at: readAt,
      all: reading.all,
      category: reading.category,
      ...counts,
    },
  });
}

/** Sending notifications and everything a user does with their feed. */
export class NotificationService {
  constructor(private readonly deps: NotificationServiceDeps) {}

  /**
   * Accepts one notification: one durable write of the notification and its delivery
   * rows and its request record (GET /requests), then real-time delivery to the
   * recipient's open sessions. Resolves after the write is committed; a repeated idempotency key is DUPLICATE_NOTIFICATION. A plain
   * inline in-app send does no lookup before the write (see sender.ts).
   */
  async send(
    tenantId: string,
    input: SendNotificationBody,
    requestId: string,
    options: SendOptions = {},
  ): Promise<SendAccepted | ScheduledAccepted | WorkflowStarted> {
    const { sender } = this.deps;
    if (input.workflow !== undefined) return this.startWorkflow(tenantId, input, requestId);
    if (input.send_at !== undefined) {
      return this.scheduler().schedule(tenantId, input, requestId);
    }
    // Inline sends skip every lookup, unless caps count them (sender.prepare does both).
    const prepared =
      isInline(input) && !sender.capped
        ? sender.prepareInline(tenantId, input, requestId)
        : await sender.prepare(tenantId, input, requestId, 'body', undefined, options);
    // The request record (GET /requests) goes in the notification's own transaction.
    if (this.deps.requests) prepared.item.request = singleRequest(prepared.item.notification);
    const [result] = await sender.commit([prepared]);
    if (result instanceof NotifydError) throw result;
    return result;
  }

  /** A send naming a workflow: a run of it for the recipient, with the payload. */
  private async startWorkflow(
    tenantId: string,
    input: SendNotificationBody,
    requestId: string,
  ): Promise<WorkflowStarted> {
    const refuse = (field: string, message: string) =>
      new NotifydError('VALIDATION_ERROR', `${field}: ${message}`, {
        issues: [{ field, message }],
      });
    const runner = this.deps.workflows?.();
    if (!runner) throw refuse('workflow', 'this server has no workflows');
    if (input.recipient_id === undefined) throw refuse('recipient_id', 'a workflow needs one');
    if (input.send_at !== undefined) throw refuse('send_at', 'not with a workflow');
    const started = await runner.start(tenantId, input.workflow as string, {
      recipient_id: input.recipient_id,
      ...(input.payload ? { payload: input.payload } : {}),
      ...(input.cancellation_key ? { cancellation_key: input.cancellation_key } : {}),
    });
    return { request_id: requestId, ...started };
  }

  /** Scheduled sends; VALIDATION_ERROR on a server without a scheduler. */
  private scheduler(): ScheduledSends {
    const { scheduled } = this.deps;
    if (!scheduled) {
      throw new NotifydError('VALIDATION_ERROR', 'send_at: this server has no scheduler', {
        issues: [{ field: 'send_at', message: 'this server has no scheduler' }],
      });
    }
    return scheduled;
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
      unreadSummary(store, user, now),
    ]);
    const next = page.next ?? page.items.at(-1)?.id;
    return {
      data: page.items.map(toView),
      cursor: page.has_more && next ? cursors.encode(next) : null,
      has_more: page.has_more,
      ...counts,
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
    return unreadSummary(store, user, clock.now());
  }

  /**
   * Marks notifications read and tells every session of the user. When `strict` (HTTP and
   * WebSocket alike), ids that are not the user's notifications are then
   * NOTIFICATION_NOT_FOUND (the others are still marked); ignored otherwise.
   */
  async markRead(user: UserPrincipal, ids: string[], strict = false): Promise<UnreadSummary> {
    const { store, clock } = this.deps;
    const now = clock.now();
    const changed = await store.notifications.markRead(user.tenant_id, user.user_id, ids, now);
    // Fewer changes than ids: some were read before, or are someone else's. Only then look.
    const unique = [...new Set(ids)];
    const missing =
      strict && changed.length < unique.length ? await this.missing(user, unique) : [];
    const counts = await unreadSummary(store, user, now);
    const reading = { ids: changed, all: false, category: null, count: changed.length };
    tellRead(this.deps, user, reading, new Date(now).toISOString(), counts);
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
  async markAllRead(user: UserPrincipal, category?: string): Promise<ReadAllResult> {
    const { store, clock } = this.deps;
    const now = clock.now();
    const updated = await store.notifications.markAllRead(
      user.tenant_id,
      user.user_id,
      now,
      category,
    );
    const counts = await unreadSummary(store, user, now);
    const reading = { ids: [], all: true, category: category ?? null, count: updated };
    tellRead(this.deps, user, reading, new Date(now).toISOString(), counts);
    return { updated, ...counts };
  }

  /** Deletes a notification from the user's feed; sessions get the new unread count. */
  async remove(user: UserPrincipal, id: string): Promise<void> {
    const { store, clock, users } = this.deps;
    const now = clock.now();
    const removed = await store.notifications.remove(user.tenant_id, user.user_id, id, now);
    if (!removed) throw new NotifydError('NOTIFICATION_NOT_FOUND', undefined, { id });
    const counts = await unreadSummary(store, user, now);
    users.publish(user.tenant_id, user.user_id, { type: 'unread_count', data: counts });
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
    const { store, cancelled } = this.deps;
    const [rows, n] = await Promise.all([
      store.deliveries.listByNotification(tenantId, notificationId),
      store.notifications.find(tenantId, notificationId),
    ]);
    if (rows.length === 0) {
      throw new NotifydError('NOTIFICATION_NOT_FOUND', undefined, { id: notificationId });
    }
    // A retracted notification's waiting deliveries will not go either.
    const gone = n === null || (cancelled ? await cancelled(n) : false);
    return rows.map((d) => toDeliveryView(d, gone));
  }

  /**
   * An atomic batch's keys, checked before its write so that a key already held (or used
   * twice in the batch) refuses the batch instead of leaving the other items written.
   */
  private async refuseHeldKeys(
    tenantId: string,
    ready: Array<{ index: number; prepared: Prepared }>,
    results: BatchItemResult[],
  ): Promise<void> {
    const keyed = ready.filter((r) => r.prepared.item.idempotency);
    if (keyed.length === 0) return;
    const keys = keyed.map((r) => r.prepared.item.idempotency!.key);
    const held = await this.deps.store.notifications.heldKeys(
      tenantId,
      keys,
      this.deps.clock.now(),
    );
    const first = new Map<string, number>();
    keyed.forEach(({ index }, i) => {
      const key = keys[i] as string;
      const holder = held[i];
      const earlier = first.get(key);
      if (earlier === undefined) first.set(key, index);
      if (!holder && earlier === undefined) return;
      results[index] = rejected(
        index,
        new NotifydError(
          'DUPLICATE_NOTIFICATION',
          holder ? undefined : `notifications.${earlier}: holds the same idempotency key`,
          holder ? { ...holder } : { index: earlier },
        ),
      );
    });
  }

  /**
   * Up to 1,000 sends in one request, written with one store call. Each item gets its
   * result; with `atomic`, one refused item refuses them all and nothing is written.
   */
  async batch(
    tenantId: string,
    items: SendNotificationBody[],
    atomic: boolean,
    requestId: string,
  ): Promise<BatchResult> {
    const { sender } = this.deps;
    const results: BatchItemResult[] = new Array(items.length);
    // Items with send_at are checked now and kept as scheduled sends after the others' write.
    const later: number[] = [];
    items.forEach((item, index) => {
      if (item.send_at === undefined) return;
      try {
        this.scheduler().check(item, `notifications.${index}`);
        later.push(index);
      } catch (err) {
        results[index] = rejected(index, err);
      }
    });
    // Prepared together: the items' per-user caps are counted with one store call, with the
    // answers of counting the items one by one in their order.
    const now = items.flatMap((item, index) => (item.send_at === undefined ? [index] : []));
    const settled = await sender.prepareMany(
      tenantId,
      now.map((index) => ({
        input: items[index] as SendNotificationBody,
        where: `notifications.${index}`,
      })),
      requestId,
      undefined,
      { inOrder: true },
    );
    const ready: Array<{ index: number; prepared: Prepared }> = [];
    settled.forEach((s, i) => {
      const index = now[i] as number;
      if (s.status === 'rejected') results[index] = rejected(index, s.reason);
      else ready.push({ index, prepared: s.value });
    });
    if (atomic) await this.refuseHeldKeys(tenantId, ready, results);
    const refused = results.find((r) => r !== undefined);
    if (atomic && refused?.status === 'rejected') {
      throw new NotifydError(
        refused.error.code as ErrorCode,
        `notifications.${refused.index}: ${refused.error.message} (atomic: nothing was written)`,
        { index: refused.index, results: results.filter((r) => r !== undefined) },
      );
    }
    const written = await sender.commit(ready.map((r) => r.prepared));
    written.forEach((w, i) => {
      const index = ready[i].index;
      results[index] =
        w instanceof NotifydError
          ? rejected(index, w)
          : {
              index,
              status: 'accepted',
              notification_id: w.notification_id,
              channels_targeted: w.channels_targeted,
            };
    });
    for (const index of later) {
      try {
        const s = await this.scheduler().schedule(
          tenantId,
          items[index] as SendNotificationBody,
          requestId,
          `notifications.${index}`,
        );
        results[index] = {
          index,
          status: 'scheduled',
          scheduled_id: s.scheduled_id,
          send_at: s.send_at,
        };
      } catch (err) {
        results[index] = rejected(index, err);
      }
    }
    const accepted = results.filter((r) => r.status !== 'rejected').length;
    const skipped = results.filter(
      (r) => r.status === 'rejected' && r.error.code === 'NO_DELIVERY_CHANNEL',
    ).length;
    const errors = results.flatMap((r) =>
      r.status === 'rejected'
        ? [{ index: r.index, code: r.error.code, message: r.error.message }]
        : [],
    );
    await this.deps.requests?.recordBatch(tenantId, requestId, {
      accepted,
      skipped,
      rejected: items.length - accepted - skipped,
      errors,
    });
    return { request_id: requestId, accepted, rejected: items.length - accepted, results };
  }
}
