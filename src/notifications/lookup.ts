/**
 * The operators' view of sent notifications (the admin console's Notifications page): a
 * recipient's notifications with their deliveries, narrowed by request or delivery status,
 * and one notification with its deliveries, whoever its recipient.
 */

import { NotifydError } from '../core/errors.js';
import type { Store } from '../store/types.js';
import type { DeliveryRecord, NotificationRecord } from './records.js';
import { toDeliveryView, toView } from './view.js';

/** Notifications read per search call at most, matching or not (a filter may match few). */
export const LOOKUP_SCAN_MAX = 500;
const SCAN_PAGE = 100;

/** What a search narrows to; every field given must hold. */
export interface LookupFilter {
  recipient_id: string;
  /** Only notifications this request created. */
  request_id?: string;
  /** Only notifications with a delivery in this status (as the API shows it: `deferred`…). */
  status?: string;
  /** Only notifications older than this id (the previous page's next_cursor). */
  before?: string;
}

export class NotificationLookup {
  constructor(
    private readonly deps: {
      store: Store;
      /** Whether a notification was cancelled by its cancellation key. */
      cancelled(n: NotificationRecord): Promise<boolean>;
    },
  ) {}

  /** The notification with its deliveries, as the API shows them. */
  private async withDeliveries(n: NotificationRecord) {
    const rows = await this.deps.store.deliveries.listByNotification(n.tenant_id, n.id);
    const gone = await this.deps.cancelled(n);
    return { ...toView(n), deliveries: rows.map((d) => toDeliveryView(d, gone)) };
  }

  /** One notification of the tenant with its deliveries; 404 when absent or deleted. */
  async get(tenantId: string, id: string) {
    const n = await this.deps.store.notifications.find(tenantId, id);
    if (!n) throw new NotifydError('NOTIFICATION_NOT_FOUND', undefined, { id });
    return this.withDeliveries(n);
  }

  /**
   * A recipient's notifications that match, newest first, at most `limit`. It reads at most
   * LOOKUP_SCAN_MAX of them per call; `next_cursor` (for `before`) says where to go on.
   */
  async search(tenantId: string, filter: LookupFilter, limit: number) {
    const { store } = this.deps;
    const data: Awaited<ReturnType<NotificationLookup['withDeliveries']>>[] = [];
    let before = filter.before;
    let scanned = 0;
    let more = true;
    while (more && data.length < limit && scanned < LOOKUP_SCAN_MAX) {
      const page = await store.notifications.list({
        tenant_id: tenantId,
        recipient_id: filter.recipient_id,
        limit: Math.min(SCAN_PAGE, LOOKUP_SCAN_MAX - scanned),
        ...(before ? { before } : {}),
      });
      more = page.has_more;
      // The page's deliveries with one store call, not one per notification.
      const wanted = page.items.filter(
        (n) => !filter.request_id || n.request_id === filter.request_id,
      );
      const rows = new Map<string, DeliveryRecord[]>();
      for (const d of await store.deliveries.listByNotifications(
        tenantId,
        wanted.map((n) => n.id),
      )) {
        rows.set(d.notification_id, [...(rows.get(d.notification_id) ?? []), d]);
      }
      let i = 0;
      for (; i < page.items.length && data.length < limit; i++) {
        const n = page.items[i];
        scanned++;
        before = n.id;
        if (filter.request_id && n.request_id !== filter.request_id) continue;
        const gone = await this.deps.cancelled(n);
        const mine = rows.get(n.id) ?? [];
        const view = { ...toView(n), deliveries: mine.map((d) => toDeliveryView(d, gone)) };
        if (filter.status && !view.deliveries.some((d) => d.status === filter.status)) continue;
        data.push(view);
      }
      if (i < page.items.length) more = true;
      else if (page.next) before = page.next;
      if (page.items.length === 0) break;
    }
    return { data, next_cursor: more ? (before ?? null) : null };
  }
}
