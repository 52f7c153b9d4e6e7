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
    const items: RecordedNotification[] = [];
    for (const n of page.slice(0, limit)) {
      const deliveries = await this.store.deliveries.listByNotification(tenantId, n.id);
      items.push({ ...toView(n), deliveries: deliveries.map((d) => toDeliveryView(d)) });
    }
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
