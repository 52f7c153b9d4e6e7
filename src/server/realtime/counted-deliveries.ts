/**
 * In-app deliveries, counted where notifications meet sessions. A notification is delivered
 * in-app when this node hands it to at least one open session of its recipient (WebSocket in
 * any protocol, or SSE): the in-app counterpart of a provider accepting a push or an email.
 * It is counted once per node and notification however many of the user's sessions take it,
 * in the analytics tally (a map update, no event per delivery) and as `notification.delivered`
 * when a webhook wants it (in-app-events.ts), around the gateway rather than in it. Those a session is sent from the offline queue when it opens are counted by
 * the delivery tracker.
 */
import type { DeliveryCounter } from '../../notifications/tracking.js';
import type { UserChannel, UserMessage } from '../../notifications/user-channel.js';

/** This node's sessions, as the cluster and the notifications module use them. */
export interface NodeChannel extends UserChannel {
  /** Open sessions on this node. */
  readonly size: number;
  /** Open, authenticated sessions (WebSocket and SSE) of one user on this node. */
  sessionsOf(tenantId: string, userId: string): number;
}

/**
 * `local` with each notification published to a user who has a session on this node counted
 * as delivered. `counter` is asked at each publish (analytics is built after the gateway);
 * null counts nothing. Broadcasts and channel messages are live messages, not notifications:
 * they pass through uncounted.
 */
export function countDeliveries(
  local: NodeChannel,
  counter: () => DeliveryCounter | null,
): NodeChannel {
  return {
    get size() {
      return local.size;
    },
    sessionsOf: (tenantId, userId) => local.sessionsOf(tenantId, userId),
    publishTenant: (tenantId, message) => local.publishTenant(tenantId, message),
    publishChannel: (tenantId, channel, message) =>
      local.publishChannel(tenantId, channel, message),
    publish(tenantId: string, userId: string, message: UserMessage): void {
      if (message.type === 'notification') {
        const count = counter();
        if (count && local.sessionsOf(tenantId, userId) > 0)
          count.delivered(tenantId, message.data);
      }
      local.publish(tenantId, userId, message);
    },
  };
}
