import type { Subscriber, SubscriberInput } from '../../notifications/ports.js';
import { blankSubscriber } from '../../notifications/subscriber.js';
import {
  type DeviceChange,
  type DeviceRecord,
  type DeviceStore,
  deviceAddress,
  emailKey,
  type PreferenceStore,
  type StoredPreferences,
  type SubscriberStore,
  type TopicMemberStore,
} from '../../recipients/store.js';
import { entryOf } from './maps.js';
import type { OpenState } from './open-state.js';
import { type SortedIds, sortedIdsOf } from './sorted-ids.js';

/** A NUL cannot appear in a tenant id, so the parts of a key never run together. */
const key = (...parts: string[]) => parts.join('\u0000');

const SUBSCRIBER_FIELDS = [
  'email',
  'phone',
  'locale',
  'timezone',
  'name',
  'avatar_url',
  'data',
] as const;

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

/** Devices in memory, with an index of addresses per tenant. */
export class MemoryDeviceStore implements DeviceStore {
  private readonly byId = new Map<string, DeviceRecord>();
  private readonly byAddress = new Map<string, string>();

  constructor(private readonly state: OpenState) {}

  async register(device: DeviceRecord) {
    this.state.check();
    const address = key(device.tenant_id, deviceAddress(device));
    const knownId = this.byAddress.get(address);
    const known = knownId === undefined ? undefined : this.byId.get(knownId);
    if (known) {
      Object.assign(known, {
        subscriber_id: device.subscriber_id,
        keys: structuredClone(device.keys),
        info: structuredClone(device.info),
        active: true,
        failure_count: 0,
        updated_at: device.updated_at,
      });
      return { device: structuredClone(known), created: false };
    }
    const copy = structuredClone(device);
    this.byId.set(copy.id, copy);
    this.byAddress.set(address, copy.id);
    return { device: structuredClone(copy), created: true };
  }

  async get(tenantId: string, id: string) {
    this.state.check();
    const d = this.byId.get(id);
    return d && d.tenant_id === tenantId ? structuredClone(d) : null;
  }

  async list(tenantId: string, subscriberId: string) {
    this.state.check();
    return [...this.byId.values()]
      .filter((d) => d.tenant_id === tenantId && d.subscriber_id === subscriberId)
      .sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1))
      .map((d) => structuredClone(d));
  }

  async update(tenantId: string, id: string, change: DeviceChange, at: number) {
    this.state.check();
    const d = this.byId.get(id);
    if (!d || d.tenant_id !== tenantId) return null;
    for (const [field, value] of Object.entries(change)) {
      if (value !== undefined)
        (d as unknown as Record<string, unknown>)[field] = structuredClone(value);
    }
    d.updated_at = at;
    return structuredClone(d);
  }

  async remove(tenantId: string, id: string) {
    this.state.check();
    const d = this.byId.get(id);
    if (!d || d.tenant_id !== tenantId) return null;
    this.byId.delete(id);
    this.byAddress.delete(key(tenantId, deviceAddress(d)));
    return d;
  }

  async removeAll(tenantId: string, subscriberId: string) {
    let n = 0;
    for (const d of await this.list(tenantId, subscriberId)) {
      if (await this.remove(tenantId, d.id)) n++;
    }
    return n;
  }
}

/** Topic memberships in memory: members per topic, and topics per subscriber. */
export class MemoryTopicMemberStore implements TopicMemberStore {
  private readonly members = new Map<string, SortedIds>();
  private readonly topics = new Map<string, Set<string>>();

  constructor(private readonly state: OpenState) {}

  async add(tenantId: string, topic: string, subscriberIds: string[]) {
    this.state.check();
    const members = sortedIdsOf(this.members, key(tenantId, topic));
    let added = 0;
    for (const id of new Set(subscriberIds)) {
      const topics = entryOf(this.topics, key(tenantId, id), () => new Set<string>());
      if (topics.has(topic)) continue;
      topics.add(topic);
      members.add(id);
      added++;
    }
    return added;
  }

  async remove(tenantId: string, topic: string, subscriberIds: string[]) {
    this.state.check();
    const members = this.members.get(key(tenantId, topic));
    let removed = 0;
    for (const id of new Set(subscriberIds)) {
      if (members?.delete(id)) {
        this.topics.get(key(tenantId, id))?.delete(topic);
        removed++;
      }
    }
    return removed;
  }

  async list(tenantId: string, topic: string, after: string | null, limit: number) {
    this.state.check();
    const out: string[] = [];
    for (const id of this.members.get(key(tenantId, topic))?.ascendingAfter(after ?? '') ?? []) {
      if (out.length >= limit) break;
      out.push(id);
    }
    return out;
  }

  async count(tenantId: string, topic: string) {
    this.state.check();
    return this.members.get(key(tenantId, topic))?.size ?? 0;
  }

  async clear(tenantId: string, topic: string, limit: number) {
    const ids = await this.list(tenantId, topic, null, limit);
    return this.remove(tenantId, topic, ids);
  }

  async topicsOf(tenantId: string, subscriberId: string) {
    this.state.check();
    return [...(this.topics.get(key(tenantId, subscriberId)) ?? [])].sort();
  }

  async leaveAll(tenantId: string, subscriberId: string) {
    let n = 0;
    for (const topic of await this.topicsOf(tenantId, subscriberId)) {
      n += await this.remove(tenantId, topic, [subscriberId]);
    }
    return n;
  }
}

/** Preferences in memory, by tenant and subscriber. */
export class MemoryPreferenceStore implements PreferenceStore {
  private readonly docs = new Map<string, StoredPreferences>();

  constructor(private readonly state: OpenState) {}

  async get(tenantId: string, subscriberId: string) {
    this.state.check();
    const doc = this.docs.get(key(tenantId, subscriberId));
    return doc ? structuredClone(doc) : null;
  }

  async put(tenantId: string, subscriberId: string, prefs: StoredPreferences) {
    this.state.check();
    this.docs.set(key(tenantId, subscriberId), structuredClone(prefs));
  }

  async remove(tenantId: string, subscriberId: string) {
    this.state.check();
    return this.docs.delete(key(tenantId, subscriberId));
  }
}
