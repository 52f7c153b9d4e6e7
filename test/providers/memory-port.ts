/**
 * A DeliveryPort in memory for the worker's tests: deliveries with their message, claimed
 * by due time with a lease on the test's clock, settled as the port's contract says.
 */
import type { Clock } from '../../src/core/clock.js';
import type {
  ClaimedDelivery,
  DeliveryLease,
  DeliveryPort,
} from '../../src/notifications/delivery-port.js';
import type { Device } from '../../src/notifications/ports.js';
import type { DeliveryRecord } from '../../src/notifications/records.js';
import type { ProviderMessage } from '../../src/providers/plugin.js';

export interface Row {
  record: DeliveryRecord;
  message: ProviderMessage;
}

export class MemoryPort implements DeliveryPort {
  readonly rows = new Map<string, Row>();
  private listeners = new Set<(channels: readonly string[]) => void>();
  private n = 0;
  private claims = 0;
  /** Make the next settle throw (a store failing mid-settle). */
  failSettle = false;
  failClaim = false;
  /** Devices the port deactivated (bounced push deliveries). */
  readonly deactivated: string[] = [];

  constructor(private readonly clock: Clock) {}

  /** Queues a delivery of `channel`; answers its id. */
  add(channel: string, opts: { device?: Device | null; at?: number } = {}): string {
    const id = `dlv_${String(++this.n).padStart(4, '0')}`;
    const now = this.clock.now();
    const record: DeliveryRecord = {
      id,
      tenant_id: 't1',
      notification_id: `ntf_${id}`,
      recipient_id: 'u1',
      device_id: opts.device?.id ?? null,
      channel,
      status: 'pending',
      attempts: 0,
      next_attempt_at: opts.at ?? now,
      lease_until: null,
      lease_token: null,
      last_error: null,
      provider_message_id: null,
      created_at: now,
      updated_at: now,
    };
    const message: ProviderMessage = {
      delivery_id: id,
      notification_id: record.notification_id,
      tenant_id: 't1',
      channel,
      recipient: {
        id: 'u1',
        tenant_id: 't1',
        email: 'u1@example.com',
        phone: '+15550100',
        locale: null,
        timezone: null,
        name: null,
        avatar_url: null,
        data: null,
        created_at: now,
        updated_at: now,
      },
      device: opts.device ?? null,
      content: channel === 'sms' ? { body: 'hello' } : { title: 'T', body: 'B' },
      attempt: 0,
      priority: 'normal',
      ttl_seconds: null,
    };
    this.rows.set(id, { record, message });
    for (const l of this.listeners) l([channel]);
    return id;
  }

  get(id: string): DeliveryRecord {
    return (this.rows.get(id) as Row).record;
  }

  async claim(
    channels: readonly string[],
    limit: number,
    leaseMs: number,
  ): Promise<ClaimedDelivery[]> {
    if (this.failClaim) throw new Error('store down');
    const now = this.clock.now();
    const due = [...this.rows.values()]
      .filter(
        ({ record: r }) =>
          r.status === 'pending' &&
          channels.includes(r.channel) &&
          r.next_attempt_at <= now &&
          (r.lease_until === null || r.lease_until <= now),
      )
      .slice(0, limit);
    const token = `lease-${++this.claims}`;
    return due.map(({ record, message }) => {
      record.attempts += 1;
      record.lease_until = now + leaseMs;
      record.lease_token = token;
      return {
        delivery: { ...structuredClone(record), lease_token: token },
        message: { ...structuredClone(message), attempt: record.attempts },
      };
    });
  }

  /** Settles the delivery if `lease` still holds it; false (nothing changed) otherwise. */
  private settle(lease: DeliveryLease, change: Partial<DeliveryRecord>): boolean {
    if (this.failSettle) throw new Error('store down while settling');
    const row = this.rows.get(lease.id) as Row;
    if (row.record.status !== 'pending' || row.record.lease_token !== lease.lease_token) {
      return false;
    }
    Object.assign(row.record, change, {
      lease_until: null,
      lease_token: null,
      updated_at: this.clock.now(),
    });
    return true;
  }

  async complete(lease: DeliveryLease, providerMessageId: string | null): Promise<boolean> {
    return this.settle(lease, { status: 'sent', provider_message_id: providerMessageId });
  }

  async retry(lease: DeliveryLease, nextAttemptAt: number, error: string): Promise<boolean> {
    return this.settle(lease, {
      status: 'pending',
      next_attempt_at: nextAttemptAt,
      last_error: error,
    });
  }

  async defer(lease: DeliveryLease, dueAt: number): Promise<boolean> {
    const row = this.rows.get(lease.id) as Row;
    const attempts = Math.max(0, row.record.attempts - 1);
    return this.settle(lease, { status: 'pending', next_attempt_at: dueAt, attempts });
  }

  async dead(lease: DeliveryLease, error: string): Promise<boolean> {
    return this.settle(lease, { status: 'failed', last_error: error });
  }

  async bounced(lease: DeliveryLease, error: string): Promise<boolean> {
    if (!this.settle(lease, { status: 'bounced', last_error: error })) return false;
    const device = this.rows.get(lease.id)?.message.device;
    if (device) this.deactivated.push(device.id);
    return true;
  }

  onQueued(listener: (channels: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export function device(kind: Device['kind'], id = `dev_${kind}`): Device {
  return {
    id,
    tenant_id: 't1',
    subscriber_id: 'u1',
    kind,
    endpoint: null,
    keys: null,
    token: 'tok',
    active: true,
    last_used_at: null,
    failure_count: 0,
    created_at: 0,
    updated_at: 0,
  };
}
