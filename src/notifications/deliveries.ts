/**
 * The delivery port (delivery-port.ts) over the store: what the providers' worker claims and
 * settles. A claim joins each delivery with its notification's content for the channel, the
 * recipient and the device; what can no longer go is settled at once and not handed out.
 */

import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ProviderMessage } from '../providers/plugin.js';
import type { Store } from '../store/types.js';
import type {
  ClaimedDelivery,
  DeliveryLease,
  DeliveryPort,
  DeliveryReports,
} from './delivery-port.js';
import type { Device, RecipientDirectory } from './ports.js';
import type { DeliveryRecord, NotificationRecord } from './records.js';
import { contentFromInApp } from './routing.js';
import { blankSubscriber } from './subscriber.js';
import { toDeliveryView } from './view.js';

/** Dead letters requeued per page by retry-all, and at most per call. */
const RETRY_ALL_PAGE = 100;
export const RETRY_ALL_MAX = 10_000;

/** A dead letter as the API shows it: the delivery with its notification and recipient. */
function deadView(d: DeliveryRecord) {
  return { ...toDeliveryView(d), notification_id: d.notification_id, recipient_id: d.recipient_id };
}

export interface DeliveryServiceDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  directory?: RecipientDirectory;
  /** Whether a notification was cancelled by its cancellation key (cancel.ts). */
  cancelled(n: NotificationRecord): Promise<boolean>;
}

export class DeliveryService implements DeliveryPort, DeliveryReports {
  private readonly listeners = new Set<(channels: readonly string[]) => void>();
  /** Push deliveries claimed here and not settled yet: their device, for `bounced`. */
  private readonly claimedDevices = new Map<string, { tenant: string; device: string }>();

  constructor(private readonly deps: DeliveryServiceDeps) {}

  async claim(
    channels: readonly string[],
    limit: number,
    leaseMs: number,
  ): Promise<ClaimedDelivery[]> {
    const { store, clock } = this.deps;
    const now = clock.now();
    // A new token per claim: only it settles these rows (see DeliveryQueue).
    const token = randomUUID();
    const rows = await store.deliveries.claim([...channels], limit, now, leaseMs, token);
    const notifications = new Map<string, Promise<NotificationRecord | null>>();
    const out: ClaimedDelivery[] = [];
    for (const delivery of rows) {
      let found = notifications.get(delivery.notification_id);
      if (!found) {
        found = store.notifications.find(delivery.tenant_id, delivery.notification_id);
        notifications.set(delivery.notification_id, found);
      }
      const leased = { ...delivery, lease_token: token };
      const message = await this.message(leased, await found, now);
      if (message) out.push({ delivery: leased, message });
    }
    return out;
  }

  /** The provider message of a claimed delivery, or null after settling one that cannot go. */
  private async message(
    d: DeliveryRecord & DeliveryLease,
    n: NotificationRecord | null,
    now: number,
  ): Promise<ProviderMessage | null> {
    const { store, directory } = this.deps;
    const settle = async (status: 'cancelled' | 'expired' | 'failed', error: string) => {
      await store.deliveries.complete(d.id, d.lease_token, status, now, { error });
      return null;
    };
    if (!n) return settle('cancelled', 'the notification was deleted');
    if (n.expires_at !== null && n.expires_at <= now) {
      return settle('expired', 'the notification expired');
    }
    if (await this.deps.cancelled(n)) return settle('cancelled', 'cancelled by its key');
    const content =
      n.contents?.[d.channel as keyof NonNullable<NotificationRecord['contents']>] ??
      contentFromInApp(d.channel, { ...n.content, actions: n.actions });
    if (!content) return settle('failed', `no content for channel ${d.channel}`);
    let recipient = directory ? await directory.get(n.tenant_id, n.recipient_id) : null;
    recipient ??= blankSubscriber(n.tenant_id, n.recipient_id, n.created_at);
    let device: Device | null = null;
    if (d.device_id !== null) {
      const devices = directory ? await directory.activeDevices(n.tenant_id, n.recipient_id) : [];
      device = devices.find((x) => x.id === d.device_id) ?? null;
      if (!device) return settle('failed', 'the device is no longer active');
      this.claimedDevices.set(d.id, { tenant: n.tenant_id, device: device.id });
    }
    return {
      delivery_id: d.id,
      notification_id: n.id,
      tenant_id: n.tenant_id,
      channel: d.channel,
      recipient,
      device,
      content: content as ProviderMessage['content'],
      attempt: d.attempts,
      category: n.category,
      priority: n.priority,
      ttl_seconds: n.expires_at === null ? null : Math.ceil((n.expires_at - now) / 1000),
      group_key: n.group_key,
    };
  }

  complete(lease: DeliveryLease, providerMessageId: string | null): Promise<boolean> {
    const detail = providerMessageId === null ? {} : { provider_message_id: providerMessageId };
    return this.settle(lease, 'sent', detail);
  }

  retry(lease: DeliveryLease, nextAttemptAt: number, error: string): Promise<boolean> {
    this.claimedDevices.delete(lease.id);
    const now = this.deps.clock.now();
    return this.deps.store.deliveries.retry(lease.id, lease.lease_token, nextAttemptAt, error, now);
  }

  defer(lease: DeliveryLease, dueAt: number): Promise<boolean> {
    this.claimedDevices.delete(lease.id);
    const now = this.deps.clock.now();
    return this.deps.store.deliveries.release(lease.id, lease.lease_token, dueAt, now);
  }

  dead(lease: DeliveryLease, error: string): Promise<boolean> {
    return this.settle(lease, 'failed', { error });
  }

  async bounced(lease: DeliveryLease, error: string): Promise<boolean> {
    const claimed = this.claimedDevices.get(lease.id);
    const settled = await this.settle(lease, 'bounced', { error });
    // Another claim holds it now: that worker bounces it (and deactivates) if it still must.
    if (settled && claimed && this.deps.directory) {
      await this.deps.directory.deactivateDevice(claimed.tenant, claimed.device, error);
    }
    return settled;
  }

  byProviderMessageId(channel: string, providerMessageId: string) {
    return this.deps.store.deliveries.findByProviderMessageId(channel, providerMessageId);
  }

  confirmSent(id: string, status: 'delivered' | 'failed', error?: string) {
    return this.deps.store.deliveries.confirmSent(id, status, this.deps.clock.now(), error);
  }

  async categoryOf(d: DeliveryRecord): Promise<string | null> {
    return (
      (await this.deps.store.notifications.find(d.tenant_id, d.notification_id))?.category ?? null
    );
  }

  private settle(
    lease: DeliveryLease,
    status: 'sent' | 'failed' | 'bounced',
    detail: { provider_message_id?: string; error?: string },
  ): Promise<boolean> {
    this.claimedDevices.delete(lease.id);
    const { store, clock } = this.deps;
    return store.deliveries.complete(lease.id, lease.lease_token, status, clock.now(), detail);
  }

  /**
   * One page of the tenant's dead letters, newest first: `next_cursor` (the last id) when
   * more may follow, for `before`.
   */
  async listDead(tenantId: string, filter: { channel?: string; before?: string }, limit: number) {
    const rows = await this.deps.store.deliveries.listDead(tenantId, filter, limit + 1);
    const page = rows.slice(0, limit);
    const more = rows.length > limit;
    return { data: page.map(deadView), next_cursor: more ? page[page.length - 1].id : null };
  }

  /** Puts one dead letter back in the queue, due now; 404 when it is not one of the tenant's. */
  async retryDead(tenantId: string, id: string) {
    const d = await this.deps.store.deliveries.requeueDead(tenantId, id, this.deps.clock.now());
    if (!d) throw new NotifydError('DEAD_LETTER_NOT_FOUND', undefined, { id });
    this.queued([d.channel]);
    return deadView(d);
  }

  /**
   * Puts the tenant's dead letters (of one channel, when given) back in the queue, newest
   * first, at most RETRY_ALL_MAX per call: how many, and whether some were left.
   */
  async retryAllDead(tenantId: string, channel?: string) {
    const { store, clock } = this.deps;
    const channels = new Set<string>();
    let retried = 0;
    let before: string | undefined;
    while (retried < RETRY_ALL_MAX) {
      const limit = Math.min(RETRY_ALL_PAGE, RETRY_ALL_MAX - retried);
      const page = await store.deliveries.listDead(
        tenantId,
        { ...(channel === undefined ? {} : { channel }), ...(before ? { before } : {}) },
        limit,
      );
      for (const d of page) {
        if (await store.deliveries.requeueDead(tenantId, d.id, clock.now())) {
          retried++;
          channels.add(d.channel);
        }
      }
      if (page.length < limit) break;
      before = page[page.length - 1].id;
    }
    if (channels.size > 0) this.queued([...channels]);
    const left = await store.deliveries.listDead(
      tenantId,
      { ...(channel === undefined ? {} : { channel }), ...(before ? { before } : {}) },
      1,
    );
    return { retried, more: retried >= RETRY_ALL_MAX && left.length > 0 };
  }

  onQueued(listener: (channels: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells the listeners that deliveries of these channels were queued. */
  queued(channels: readonly string[]): void {
    for (const listener of this.listeners) {
      try {
        listener(channels);
      } catch (err) {
        this.deps.logger.warn({ err }, 'a delivery queue listener failed');
      }
    }
  }
}
