import type { Store } from '../store/types.js';
import type { NotificationFacts } from './ports.js';

/**
 * A notification's state as a workflow condition reads it (`notification.read` …), without
 * the workflows module reading this module's store.
 */
export function notificationFacts(store: Store): NotificationFacts {
  return {
    async facts(tenantId, id) {
      const n = await store.notifications.find(tenantId, id);
      if (!n) return null;
      // Only a notification in the feed can be read: one that is not is stored read.
      return {
        in_feed: n.channels.includes('in_app'),
        read: n.read_at !== null,
        dismissed: n.dismissed_at !== null,
        actioned: n.actioned_at !== null,
        action_id: n.action_id,
      };
    },
  };
}
