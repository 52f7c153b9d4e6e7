/**
 * The in-app channel's `notification.sent` (committed to the recipient's feed) and
 * `notification.delivered` (handed to an open session of the recipient, live or from the
 * offline queue), on the event bus as the other channels' are, so that a webhook subscribed
 * to `notification.delivered` hears in-app deliveries too, at the moments analytics counts
 * them. They happen at fan-out rates, so they go out with `emitWanted`: built only when a
 * webhook wants them, and not recorded by analytics one by one (it tallies them: tally.ts).
 */
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../events/bus.js';
import type { DeliveryRecord, NotificationRecord } from './records.js';
import type { NotificationView } from './schemas.js';
import type { DeliveryCounter } from './tracking.js';

/** What an in-app event names as its provider: the feed and the real-time gateway are notifyd's own. */
export const IN_APP_PROVIDER = 'in_app';

/** Where the in-app events go: the bus's `emitWanted`. */
export type InAppEventSink = Pick<EventBus, 'emitWanted'>;

/** Counts in-app deliveries as they are tallied for analytics (null: analytics is off). */
export interface InAppTally {
  delivered(tenantId: string, category: string, template: string | null): void;
}

/** Emits `notification.sent` for a notification committed to a feed (its in-app delivery row). */
export function emitInAppSent(
  bus: InAppEventSink,
  n: NotificationRecord,
  deliveries: readonly DeliveryRecord[],
): void {
  bus.emitWanted('notification.sent', n.tenant_id, () => ({
    delivery_id: deliveries.find((d) => d.channel === 'in_app')?.id ?? null,
    notification_id: n.id,
    recipient_id: n.recipient_id,
    channel: 'in_app',
    attempt: 1,
    category: n.category,
    provider: IN_APP_PROVIDER,
    provider_message_id: null,
    sent_at: new Date(n.created_at).toISOString(),
  }));
}

/**
 * Where in-app deliveries are counted: analytics' tally (asked at each delivery: analytics is
 * built after the gateway) and `notification.delivered` on the bus.
 */
export function inAppDeliveries(
  bus: InAppEventSink,
  clock: Clock,
  tally: () => InAppTally | null,
): DeliveryCounter {
  return {
    delivered(tenantId: string, view: NotificationView): void {
      tally()?.delivered(tenantId, view.category, view.template?.key ?? null);
      bus.emitWanted('notification.delivered', tenantId, () => ({
        delivery_id: null,
        notification_id: view.id,
        recipient_id: view.recipient_id,
        channel: 'in_app',
        attempt: 1,
        category: view.category,
        provider: IN_APP_PROVIDER,
        provider_message_id: null,
        delivered_at: new Date(clock.now()).toISOString(),
      }));
    },
  };
}
