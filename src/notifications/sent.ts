import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { Store } from '../store/types.js';
import type { InAppContent, NotificationAction } from './channels.js';
import { checkActions, checkExpiry, splitContent } from './content.js';
import type { NotificationPatch } from './records.js';
import type { NotificationView } from './schemas.js';
import { summary } from './service.js';
import type { UserChannel } from './user-channel.js';
import { toView } from './view.js';

/** What a sender may change on a notification it sent. */
export interface SentPatch {
  content?: InAppContent;
  actions?: NotificationAction[];
  /** An ISO time, or null for never. */
  expires_at?: string | null;
}

/** What a sender does with notifications after sending them: change or retract them. */
export class SentNotifications {
  constructor(private readonly deps: { store: Store; clock: Clock; users: UserChannel }) {}

  /** Changes content, actions or expiry; the recipient's open sessions get the new view. */
  async update(tenantId: string, id: string, input: SentPatch): Promise<NotificationView> {
    const { store, clock, users } = this.deps;
    const now = clock.now();
    const patch: NotificationPatch = {};
    if (input.content !== undefined) {
      const { content, actions } = splitContent(input.content, input.actions);
      patch.content = content;
      if (input.actions !== undefined || input.content.actions !== undefined) {
        patch.actions = actions;
      }
    } else if (input.actions !== undefined) {
      patch.actions = input.actions;
    }
    if (patch.actions) checkActions(patch.actions, 'body');
    if (input.expires_at !== undefined) {
      patch.expires_at = checkExpiry(input.expires_at, now, 'body.expires_at');
    }
    const updated = await store.notifications.update(tenantId, id, patch);
    if (!updated) throw new NotifydError('NOTIFICATION_NOT_FOUND', undefined, { id });
    const view = toView(updated);
    users.publish(tenantId, updated.recipient_id, { type: 'notification_updated', data: view });
    return view;
  }

  /** Retracts a notification from its recipient's feed; their sessions are told. */
  async retract(tenantId: string, id: string): Promise<void> {
    const { store, clock, users } = this.deps;
    const found = await store.notifications.find(tenantId, id);
    const now = clock.now();
    const removed =
      found !== null && (await store.notifications.remove(tenantId, found.recipient_id, id, now));
    if (!found || !removed) throw new NotifydError('NOTIFICATION_NOT_FOUND', undefined, { id });
    const counts = await store.notifications.unreadCounts(tenantId, found.recipient_id, now);
    users.publish(tenantId, found.recipient_id, {
      type: 'notification_deleted',
      data: { notification_id: id, ...summary(counts) },
    });
  }
}
