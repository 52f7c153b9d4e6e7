import type { Subscriber, SubscriberInput } from '../../notifications/ports.js';
import { blankSubscriber } from '../../notifications/subscriber.js';
import { emailKey, type SubscriberStore } from '../../recipients/store.js';
import { SUBSCRIBER_FIELDS } from '../recipient-fields.js';
import { joinKey as key } from './maps.js';
import type { OpenState } from './open-state.js';
import { type SortedIds, sortedIdsOf } from './sorted-ids.js';

/** Subscribers in memory: one map, and an id list per tenant for ordered listing. */
export class MemorySubscriberStore implements SubscriberStore {
  private readonly byKey = new Map<string, Subscriber>();
  private readonly ofTenant = new Map<string, SortedIds>();

  constructor(private readonly state: OpenState) {}

  async upsert(tenantId: string, input: SubscriberInput, at: number) {
    this.state.check();
    const k = key(tenantId, input.id);
    let current = this.byKey.get(k);
    const created = current === undefined;
    if (!current) {
      current = blankSubscriber(tenantId, input.id, at);
      this.byKey.set(k, current);
      sortedIdsOf(this.ofTenant, tenantId).add(input.id);
    }
    for (const field of SUBSCRIBER_FIELDS) {
      const value = input[field];
      if (value !== undefined)
        (current as unknown as Record<string, unknown>)[field] = structuredClone(value);
    }
    current.updated_at = at;
    return { subscriber: structuredClone(current), created };
  }

  async get(tenantId: string, id: string) {
    this.state.check();
    const s = this.byKey.get(key(tenantId, id));
    return s ? structuredClone(s) : null;
  }

  async getMany(tenantId: string, ids: string[]) {
    this.state.check();
    return [...new Set(ids)].flatMap((id) => {
      const s = this.byKey.get(key(tenantId, id));
      return s ? [structuredClone(s)] : [];
    });
  }

  async existing(tenantId: string, ids: string[]) {
    this.state.check();
    return [...new Set(ids)].filter((id) => this.byKey.has(key(tenantId, id)));
  }

  async list(tenantId: string, query: { after?: string; limit: number; email?: string }) {
    this.state.check();
    const wanted = query.email === undefined ? null : emailKey(query.email);
    const out: Subscriber[] = [];
    for (const id of this.ofTenant.get(tenantId)?.ascendingAfter(query.after ?? '') ?? []) {
      if (out.length >= query.limit) break;
      const s = this.byKey.get(key(tenantId, id))!;
      if (wanted !== null && emailKey(s.email) !== wanted) continue;
      out.push(structuredClone(s));
    }
    return out;
  }

  async remove(tenantId: string, id: string) {
    this.state.check();
    if (!this.byKey.delete(key(tenantId, id))) return false;
    this.ofTenant.get(tenantId)?.delete(id);
    return true;
  }
}
