import type { Store } from '../store/types.js';
import { toDeliveryView, toView } from './view.js';

/** Notifications read or erased per store call. */
const PAGE = 500;

/** One notification of a recipient with its deliveries, as the export shows them. */
export type RecordedNotification = ReturnType<typeof toView> & {
  deliveries: ReturnType<typeof toDeliveryView>[];
};

/**
 * A recipient's notifications and deliveries for the GDPR export and erasure, offered to the
 * recipients module (which owns subscribers) so that it never reads this module's store.
 */
export class RecipientRecords {
  constructor(private readonly store: Pick<Store, 'notifications' | 'deliveries'>) {}

  /**
   * Up to `limit` notifications of the recipient (deleted ones too) after the id `after`,
   * oldest first, with their deliveries; `next` is the id to continue after, null at the end.
   */
  async export(
    tenantId: string,
    recipientId: string,
    after: string | null,
    limit: number,
  ): Promise<{ items: RecordedNotification[]; next: string | null }> {
    const page = await this.store.notifications.listAll(tenantId, recipientId, after, limit + 1);
    const notifications = page.slice(0, limit);
    // One store call for the page's deliveries, not one per notification.
    const rows = await this.store.deliveries.listByNotifications(
      tenantId,
      notifications.map((n) => n.id),
    );
    const byNotification = new Map<string, RecordedNotification['deliveries']>();
    for (const d of rows) {
      const list = byNotification.get(d.notification_id) ?? [];
      list.push(toDeliveryView(d));
      byNotification.set(d.notification_id, list);
    }
    const items: RecordedNotification[] = notifications.map((n) => ({
      ...toView(n),
      deliveries: byNotification.get(n.id) ?? [],
    }));
    return { items, next: page.length > limit ? (items.at(-1)?.id ?? null) : null };
  }

  /** Erases every notification of the recipient with its deliveries; resolves to how many. */
  async erase(tenantId: string, recipientId: string): Promise<number> {
    let erased = 0;
    for (;;) {
      const n = await this.store.notifications.eraseRecipient(tenantId, recipientId, PAGE);
      erased += n;
      if (n === 0) return erased;
    }
  }
}
