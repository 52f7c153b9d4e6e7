import type { Test } from 'tap';
import { FakeClock } from '../../../src/core/clock.js';
import { createIdGenerator } from '../../../src/core/ids.js';
import type {
  ApiKeyRecord,
  DeliveryRecord,
  NewNotification,
  NotificationRecord,
  Store,
} from '../../../src/store/types.js';

/** Makes a fresh, empty store for one test. */
export type MakeStore<S extends Store = Store> = () => Promise<S>;

/** Opens a store for the test `t` and closes it when the test ends. */
export async function storeFor<S extends Store>(t: Test, make: MakeStore<S>): Promise<S> {
  const store = await make();
  t.teardown(() => store.close());
  return store;
}

/** Fake time, time-ordered ids and record builders with sensible defaults. */
export class Fixture {
  readonly clock = new FakeClock();
  readonly ids = createIdGenerator(this.clock);
  private keySeq = 0;

  /** A notification made now, unread, in tenant `t1` for `alice`. */
  notification(over: Partial<NotificationRecord> = {}): NotificationRecord {
    const now = this.clock.now();
    return {
      id: this.ids('ntf'),
      tenant_id: 't1',
      request_id: this.ids('req'),
      recipient_id: 'alice',
      category: 'general',
      priority: 'normal',
      content: { title: 'Hello', body: 'World', action_url: 'https://example.com/a' },
      data: { order: 42, tags: ['x'] },
      actions: [],
      group_key: null,
      idempotency_key: null,
      channels: ['in_app'],
      template: null,
      cancellation_key: null,
      contents: null,
      created_at: now,
      expires_at: null,
      read_at: null,
      dismissed_at: null,
      action_id: null,
      actioned_at: null,
      deleted_at: null,
      ...over,
    };
  }

  /** A delivery of `n` on `channel`, pending and due now unless overridden. */
  delivery(n: NotificationRecord, over: Partial<DeliveryRecord> = {}): DeliveryRecord {
    const now = this.clock.now();
    return {
      id: this.ids('dlv'),
      tenant_id: n.tenant_id,
      notification_id: n.id,
      recipient_id: n.recipient_id,
      channel: 'in_app',
      device_id: null,
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      lease_until: null,
      lease_token: null,
      last_error: null,
      provider_message_id: null,
      created_at: now,
      updated_at: now,
      ...over,
    };
  }

  /** An insert item: a notification with one in-app delivery, and a key claim if given. */
  item(
    over: Partial<NotificationRecord> = {},
    idempotency?: { key: string; ttlMs: number },
  ): NewNotification {
    const notification = this.notification(
      idempotency ? { idempotency_key: idempotency.key, ...over } : over,
    );
    return {
      notification,
      deliveries: [this.delivery(notification, { status: 'delivered', attempts: 1 })],
      ...(idempotency
        ? {
            idempotency: {
              key: idempotency.key,
              expires_at: notification.created_at + idempotency.ttlMs,
            },
          }
        : {}),
    };
  }

  /** An API key record with a unique id and hash. */
  key(over: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
    const n = ++this.keySeq;
    return {
      id: this.ids('key'),
      name: `key ${n}`,
      hash: n.toString(16).padStart(64, '0'),
      prefix: `nk_${n}`,
      scopes: ['notifications:send'],
      tenant_id: 't1',
      ip_allowlist: ['10.0.0.0/8', '2001:db8::/32'],
      created_at: this.clock.now(),
      expires_at: null,
      revoked_at: null,
      last_used_at: null,
      ...over,
    };
  }

  /** Inserts items one call each, in order, and returns their notifications. */
  async seed(store: Store, items: NewNotification[]): Promise<NotificationRecord[]> {
    for (const item of items) await store.notifications.insert([item]);
    return items.map((i) => i.notification);
  }
}
