import { byDueThenId } from '../order.js';
import type { DeliveryQueue, DeliveryRecord, DeliveryStatus } from '../types.js';
import type { OpenState } from './open-state.js';
import { type SortedIds, sortedIdsOf } from './sorted-ids.js';

/** Deliveries in memory, with the pending ones indexed for workers to claim. */
export class MemoryDeliveryQueue implements DeliveryQueue {
  private readonly byId = new Map<string, DeliveryRecord>();
  private readonly byNotification = new Map<string, SortedIds>();
  private readonly pending = new Set<string>();

  constructor(private readonly state: OpenState) {}

  /** Whether a delivery with this id is stored (for insert's conflict check). */
  has(id: string): boolean {
    return this.byId.has(id);
  }

  async add(records: DeliveryRecord[]): Promise<void> {
    this.state.check();
    for (const record of records) if (!this.byId.has(record.id)) this.store(record);
  }

  /** Stores a copy of a new delivery; the notification store calls it inside an insert. */
  store(record: DeliveryRecord): void {
    const copy = structuredClone(record);
    this.byId.set(copy.id, copy);
    sortedIdsOf(this.byNotification, copy.notification_id).add(copy.id);
    if (copy.status === 'pending') this.pending.add(copy.id);
  }

  /** Forgets every delivery of a notification (the notification is purged). */
  forget(notificationId: string): void {
    for (const id of this.byNotification.get(notificationId)?.ascending() ?? []) {
      this.byId.delete(id);
      this.pending.delete(id);
    }
    this.byNotification.delete(notificationId);
  }

  async listByNotification(tenantId: string, notificationId: string): Promise<DeliveryRecord[]> {
    this.state.check();
    const ids = this.byNotification.get(notificationId)?.ascending() ?? [];
    const out: DeliveryRecord[] = [];
    for (const id of ids) {
      const d = this.byId.get(id)!;
      if (d.tenant_id === tenantId) out.push(structuredClone(d));
    }
    return out;
  }

  async listByNotifications(tenantId: string, notificationIds: string[]) {
    this.state.check();
    const out: DeliveryRecord[] = [];
    for (const nid of new Set(notificationIds)) {
      for (const id of this.byNotification.get(nid)?.ascending() ?? []) {
        const d = this.byId.get(id)!;
        if (d.tenant_id === tenantId) out.push(structuredClone(d));
      }
    }
    return out;
  }

  claim: DeliveryQueue['claim'] = async (channels, limit, now, leaseMs, token) => {
    this.state.check();
    if (limit <= 0 || channels.length === 0) return [];
    const wanted = new Set(channels);
    const due: DeliveryRecord[] = [];
    for (const id of this.pending) {
      const d = this.byId.get(id)!;
      if (!wanted.has(d.channel) || d.next_attempt_at > now) continue;
      if (d.lease_until !== null && d.lease_until > now) continue;
      due.push(d);
    }
    due.sort(byDueThenId);
    return due.slice(0, limit).map((d) => {
      d.lease_until = now + leaseMs;
      d.lease_token = token;
      d.attempts += 1;
      d.updated_at = now;
      return structuredClone(d);
    });
  };

  complete: DeliveryQueue['complete'] = async (id, token, status, at, detail) => {
    this.state.check();
    const d = this.leased(id, token);
    if (!d) return false;
    this.changeStatus(d, status, at);
    if (detail?.provider_message_id !== undefined) {
      d.provider_message_id = detail.provider_message_id;
    }
    if (detail?.error !== undefined) d.last_error = detail.error;
    return true;
  };

  retry: DeliveryQueue['retry'] = async (id, token, nextAttemptAt, error, at) => {
    this.state.check();
    const d = this.leased(id, token);
    if (!d) return false;
    this.changeStatus(d, 'pending', at);
    d.next_attempt_at = nextAttemptAt;
    d.last_error = error;
    return true;
  };

  release: DeliveryQueue['release'] = async (id, token, dueAt, at) => {
    this.state.check();
    const d = this.leased(id, token);
    if (!d) return false;
    this.changeStatus(d, 'pending', at);
    d.next_attempt_at = dueAt;
    d.attempts = Math.max(0, d.attempts - 1);
    return true;
  };

  /** The pending delivery leased under `token`, its lease cleared for settling; else null. */
  private leased(id: string, token: string): DeliveryRecord | null {
    const d = this.byId.get(id);
    if (d?.status !== 'pending' || d.lease_token !== token) return null;
    d.lease_until = null;
    d.lease_token = null;
    return d;
  }

  findByProviderMessageId: DeliveryQueue['findByProviderMessageId'] = async (channel, pmid) => {
    this.state.check();
    for (const d of this.byId.values()) {
      if (d.channel === channel && d.provider_message_id === pmid) return structuredClone(d);
    }
    return null;
  };

  confirmSent: DeliveryQueue['confirmSent'] = async (id, status, at, error) => {
    this.state.check();
    const d = this.byId.get(id);
    if (d?.status !== 'sent') return null;
    this.changeStatus(d, status, at);
    if (error !== undefined) d.last_error = error;
    return structuredClone(d);
  };

  listDead: DeliveryQueue['listDead'] = async (tenantId, filter, limit) => {
    this.state.check();
    const out: DeliveryRecord[] = [];
    for (const d of this.byId.values()) {
      if (d.tenant_id !== tenantId || d.status !== 'failed') continue;
      if (filter.channel !== undefined && d.channel !== filter.channel) continue;
      if (filter.before !== undefined && d.id >= filter.before) continue;
      out.push(d);
    }
    out.sort((a, b) => (a.id < b.id ? 1 : -1));
    return out.slice(0, Math.max(0, limit)).map((d) => structuredClone(d));
  };

  requeueDead: DeliveryQueue['requeueDead'] = async (tenantId, id, at) => {
    this.state.check();
    const d = this.byId.get(id);
    if (d?.tenant_id !== tenantId || d.status !== 'failed') return null;
    this.changeStatus(d, 'pending', at);
    d.next_attempt_at = at;
    d.attempts = 0;
    d.lease_until = null;
    d.lease_token = null;
    return structuredClone(d);
  };

  setStatus: DeliveryQueue['setStatus'] = async (tenant, recipient, ids, channel, status, at) => {
    this.state.check();
    let changed = 0;
    for (const notificationId of new Set(ids)) {
      for (const id of this.byNotification.get(notificationId)?.ascending() ?? []) {
        const d = this.byId.get(id)!;
        if (d.tenant_id !== tenant || d.recipient_id !== recipient) continue;
        if (d.channel !== channel || d.status === status) continue;
        this.changeStatus(d, status, at);
        changed++;
      }
    }
    return changed;
  };

  private changeStatus(d: DeliveryRecord, status: DeliveryStatus, at: number): void {
    d.status = status;
    d.updated_at = at;
    if (status === 'pending') this.pending.add(d.id);
    else this.pending.delete(d.id);
  }
}
