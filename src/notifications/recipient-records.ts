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

  /** Every notification of the recipient (deleted ones too), oldest first, with deliveries. */
  async export(tenantId: string, recipientId: string): Promise<RecordedNotification[]> {
    const out: RecordedNotification[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await this.store.notifications.listAll(tenantId, recipientId, after, PAGE);
      for (const n of page) {
        const deliveries = await this.store.deliveries.listByNotification(tenantId, n.id);
        out.push({ ...toView(n), deliveries: deliveries.map((d) => toDeliveryView(d)) });
      }
      const last = page[page.length - 1];
      if (page.length < PAGE || !last) return out;
      after = last.id;
    }
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
