import type { UserPrincipal } from '../auth/principal.js';
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { EventSink } from '../events/catalogue.js';
import type { Store } from '../store/types.js';
import type { NotificationView } from './schemas.js';
import { type FeedEvent, tellRead, unreadSummary } from './service.js';
import type { ReadAllResult, UnreadSummary, UserChannel } from './user-channel.js';
import { toView } from './view.js';

export interface FeedServiceDeps {
  store: Store;
  clock: Clock;
  users: UserChannel;
  events: EventSink<FeedEvent>;
}

/** What taking an action answered. */
export interface ActionResult {
  /** false when this action had been recorded before (nothing was sent again). */
  recorded: boolean;
  action_id: string;
  notification: NotificationView;
}

/** One id of a bulk delete and what became of it. */
export interface BulkDeleteItem {
  id: string;
  status: 'deleted' | 'not_found';
}

/** What users do to their feed beyond reading it: dismiss, act, delete in bulk. */
export class FeedService {
  constructor(private readonly deps: FeedServiceDeps) {}

  /**
   * Dismisses notifications (reading them too) and tells every session of the user.
   * Unknown ids are NOTIFICATION_NOT_FOUND when `strict` (one id over HTTP).
   */
  async dismiss(user: UserPrincipal, ids: string[], strict = false): Promise<UnreadSummary> {
    const { store, clock } = this.deps;
    if (strict) {
      for (const id of ids) {
        const found = await store.notifications.get(user.tenant_id, user.user_id, id);
        if (!found) throw new NotifydError('NOTIFICATION_NOT_FOUND', undefined, { id });
      }
    }
    const now = clock.now();
    const changed = await store.notifications.dismiss(user.tenant_id, user.user_id, ids, now);
    return this.dismissed(user, now, changed, changed.length, null, false);
  }

  /** Dismisses every notification of the user (or of one category's). */
  async dismissAll(user: UserPrincipal, category?: string): Promise<ReadAllResult> {
    const { store, clock } = this.deps;
    const now = clock.now();
    const n = await store.notifications.dismissAll(user.tenant_id, user.user_id, now, category);
    const counts = await this.dismissed(user, now, [], n, category ?? null, true);
    return { updated: n, ...counts };
  }

  private async dismissed(
    user: UserPrincipal,
    now: number,
    ids: string[],
    count: number,
    category: string | null,
    all: boolean,
  ): Promise<UnreadSummary> {
    const counts = await unreadSummary(this.deps.store, user, now);
    const at = new Date(now).toISOString();
    if (count > 0) {
      this.deps.users.publish(user.tenant_id, user.user_id, {
        type: 'notifications_dismissed',
        data: { notification_ids: ids, dismissed_at: at, all, category, ...counts },
      });
      this.deps.events('notification.dismissed', user.tenant_id, {
        recipient_id: user.user_id,
        notification_ids: ids,
        all,
        category,
        count,
        dismissed_at: at,
      });
    }
    return counts;
  }

  /**
   * Takes an action of a notification: recorded once per notification, it reads the
   * notification and emits `notification.action` (with the action's callback key) for the
   * sender's webhooks, and `notification.read` when it was unread. The same action again answers `recorded: false` and sends nothing;
   * another action after one was taken is ACTION_ALREADY_TAKEN.
   */
  async act(user: UserPrincipal, id: string, actionId: string): Promise<ActionResult> {
    const { store, clock } = this.deps;
    const current = await store.notifications.get(user.tenant_id, user.user_id, id);
    if (!current) throw new NotifydError('NOTIFICATION_NOT_FOUND', undefined, { id });
    const action = current.actions.find((a) => a.id === actionId);
    if (!action) {
      throw new NotifydError('ACTION_NOT_FOUND', undefined, {
        id,
        action_id: actionId,
        actions: current.actions.map((a) => a.id),
      });
    }
    const now = clock.now();
    const outcome = await store.notifications.recordAction(
      user.tenant_id,
      user.user_id,
      id,
      actionId,
      now,
    );
    if (outcome.status === 'not_found') {
      throw new NotifydError('NOTIFICATION_NOT_FOUND', undefined, { id });
    }
    const n = outcome.notification;
    if (outcome.status === 'already') {
      if (n.action_id !== actionId) {
        throw new NotifydError('ACTION_ALREADY_TAKEN', undefined, {
          id,
          action_id: n.action_id,
        });
      }
      return { recorded: false, action_id: actionId, notification: toView(n) };
    }
    const read = await store.notifications.markRead(user.tenant_id, user.user_id, [id], now);
    if (read.length > 0) n.read_at = now;
    const at = new Date(now).toISOString();
    this.deps.events('notification.action', user.tenant_id, {
      notification_id: id,
      recipient_id: user.user_id,
      action_id: actionId,
      label: action.label,
      callback_key: action.callback_key ?? null,
      url: action.url ?? null,
      category: n.category,
      data: n.data,
      taken_at: at,
    });
    if (read.length > 0) {
      // Taking an action read it: webhooks and analytics hear of the read as of any other.
      const reading = { ids: read, all: false, category: null, count: read.length };
      tellRead(this.deps, user, reading, at, await unreadSummary(store, user, now));
    }
    return { recorded: true, action_id: actionId, notification: toView(n) };
  }

  /** Deletes several notifications; one result per id, in the order given (repeats once). */
  async removeMany(
    user: UserPrincipal,
    ids: string[],
  ): Promise<{ results: BulkDeleteItem[]; deleted: number } & UnreadSummary> {
    const { store, clock, users } = this.deps;
    const now = clock.now();
    const results: BulkDeleteItem[] = [];
    for (const id of new Set(ids)) {
      const removed = await store.notifications.remove(user.tenant_id, user.user_id, id, now);
      results.push({ id, status: removed ? 'deleted' : 'not_found' });
    }
    const counts = await unreadSummary(store, user, now);
    const deleted = results.filter((r) => r.status === 'deleted').length;
    if (deleted > 0)
      users.publish(user.tenant_id, user.user_id, { type: 'unread_count', data: counts });
    return { results, deleted, ...counts };
  }
}
