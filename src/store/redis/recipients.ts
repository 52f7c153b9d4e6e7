import type { Subscriber, SubscriberInput } from '../../notifications/ports.js';
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
import type { RedisHandle } from './handle.js';
import {
  ADD_MEMBERS,
  CLEAR_MEMBERS,
  LEAVE_ALL,
  LIST_DEVICES,
  LIST_SUBSCRIBERS,
  REGISTER_DEVICE,
  REMOVE_DEVICE,
  REMOVE_DEVICES,
  REMOVE_MEMBERS,
  REMOVE_SUBSCRIBER,
  UPDATE_DEVICE,
  UPSERT_SUBSCRIBER,
} from './lua/recipients.js';
import { type FlatHash, hashOf } from './records.js';

const FIELDS = ['email', 'phone', 'locale', 'timezone', 'name', 'avatar_url', 'data'] as const;
const text = (h: Record<string, string>, f: string) => h[f] ?? null;
const num = (h: Record<string, string>, f: string) => (h[f] === undefined ? null : Number(h[f]));
const parsed = (h: Record<string, string>, f: string) =>
  h[f] === undefined ? null : JSON.parse(h[f]);

function toSubscriber(h: Record<string, string>): Subscriber {
  return {
    id: h.id,
    tenant_id: h.tenant_id,
    email: text(h, 'email'),
    phone: text(h, 'phone'),
    locale: text(h, 'locale'),
    timezone: text(h, 'timezone'),
    name: text(h, 'name'),
    avatar_url: text(h, 'avatar_url'),
    data: parsed(h, 'data'),
    created_at: Number(h.created_at),
    updated_at: Number(h.updated_at),
  };
}

/** Subscribers in Redis: a hash each, an id index per tenant and one per email. */
export class RedisSubscriberStore implements SubscriberStore {
  constructor(private readonly h: RedisHandle) {}

  upsert(tenantId: string, input: SubscriberInput, at: number) {
    const given: Record<string, string | null> = {};
    for (const f of FIELDS) {
      const v = input[f];
      if (v === undefined) continue;
      given[f] = v === null ? null : f === 'data' ? JSON.stringify(v) : (v as string);
    }
    const emailGiven = input.email !== undefined;
    const args = [
      tenantId,
      input.id,
      at,
      JSON.stringify(given),
      emailGiven ? 1 : 0,
      emailGiven ? (emailKey(input.email ?? null) ?? '') : '',
    ];
    return this.h.run(async () => {
      const [created, flat] = (await this.h.script(UPSERT_SUBSCRIBER, args)) as [number, FlatHash];
      return { subscriber: toSubscriber(hashOf(flat)), created: created === 1 };
    });
  }

  get(tenantId: string, id: string) {
    return this.h.run(async (client) => {
      const h = await client.hgetall(this.h.names.name('sub', tenantId, id));
      return h.id === undefined ? null : toSubscriber(h);
    });
  }

  existing(tenantId: string, ids: string[]) {
    const unique = [...new Set(ids)];
    return this.h.run(async (client) => {
      if (unique.length === 0) return [];
      const pipeline = client.pipeline();
      for (const id of unique) pipeline.exists(this.h.names.name('sub', tenantId, id));
      const replies = (await pipeline.exec()) ?? [];
      return unique.filter((_, i) => replies[i]?.[1] === 1);
    });
  }

  list(tenantId: string, query: { after?: string; limit: number; email?: string }) {
    const index =
      query.email === undefined
        ? this.h.names.name('subs', tenantId)
        : this.h.names.name('sube', tenantId, emailKey(query.email) ?? '');
    const lower = query.after === undefined ? '-' : `(${query.after}`;
    return this.h.run(async () => {
      const rows = (await this.h.script(LIST_SUBSCRIBERS, [
        tenantId,
        index,
        lower,
        query.limit,
      ])) as FlatHash[];
      return rows.map((r) => toSubscriber(hashOf(r)));
    });
  }

  remove(tenantId: string, id: string) {
    return this.h.run(async () => (await this.h.script(REMOVE_SUBSCRIBER, [tenantId, id])) === 1);
  }
}

function toDevice(h: Record<string, string>): DeviceRecord {
  return {
    id: h.id,
    tenant_id: h.tenant_id,
    subscriber_id: h.subscriber_id,
    kind: h.kind as DeviceRecord['kind'],
    endpoint: text(h, 'endpoint'),
    keys: parsed(h, 'keys'),
    token: text(h, 'token'),
    info: parsed(h, 'info'),
    active: h.active === '1',
    last_used_at: num(h, 'last_used_at'),
    failure_count: Number(h.failure_count),
    created_at: Number(h.created_at),
    updated_at: Number(h.updated_at),
  };
}

function deviceFields(d: DeviceRecord): string[] {
  const out: string[] = [];
  const put = (f: string, v: string | number | null) => {
    if (v !== null) out.push(f, String(v));
  };
  put('id', d.id);
  put('tenant_id', d.tenant_id);
  put('subscriber_id', d.subscriber_id);
  put('kind', d.kind);
  put('address', deviceAddress(d));
  put('endpoint', d.endpoint);
  put('keys', d.keys === null ? null : JSON.stringify(d.keys));
  put('token', d.token);
  put('info', d.info === null ? null : JSON.stringify(d.info));
  put('active', d.active ? 1 : 0);
  put('last_used_at', d.last_used_at);
  put('failure_count', d.failure_count);
  put('created_at', d.created_at);
  put('updated_at', d.updated_at);
  return out;
}

/** Devices in Redis: a hash each, an address index per tenant, a list per subscriber. */
export class RedisDeviceStore implements DeviceStore {
  constructor(private readonly h: RedisHandle) {}

  register(d: DeviceRecord) {
    const args = [
      d.tenant_id,
      deviceAddress(d),
      d.id,
      d.subscriber_id,
      d.created_at,
      d.updated_at,
      d.keys === null ? '' : JSON.stringify(d.keys),
      d.info === null ? '' : JSON.stringify(d.info),
      ...deviceFields(d),
    ];
    return this.h.run(async () => {
      const [created, flat] = (await this.h.script(REGISTER_DEVICE, args)) as [number, FlatHash];
      return { device: toDevice(hashOf(flat)), created: created === 1 };
    });
  }

  get(tenantId: string, id: string) {
    return this.h.run(async (client) => {
      const h = await client.hgetall(this.h.names.name('dev', id));
      return h.tenant_id === tenantId ? toDevice(h) : null;
    });
  }

  list(tenantId: string, subscriberId: string) {
    return this.h.run(async () =>
      ((await this.h.script(LIST_DEVICES, [tenantId, subscriberId])) as FlatHash[]).map((r) =>
        toDevice(hashOf(r)),
      ),
    );
  }

  update(tenantId: string, id: string, change: DeviceChange, at: number) {
    const fields: Record<string, string | null> = {};
    for (const [f, v] of Object.entries(change)) {
      if (v === undefined) continue;
      fields[f] =
        v === null
          ? null
          : f === 'keys' || f === 'info'
            ? JSON.stringify(v)
            : f === 'active'
              ? v
                ? '1'
                : '0'
              : String(v);
    }
    return this.h.run(async () => {
      const flat = (await this.h.script(UPDATE_DEVICE, [
        tenantId,
        id,
        at,
        JSON.stringify(fields),
      ])) as FlatHash;
      return flat.length ? toDevice(hashOf(flat)) : null;
    });
  }

  remove(tenantId: string, id: string) {
    return this.h.run(async () => {
      const flat = (await this.h.script(REMOVE_DEVICE, [tenantId, id])) as FlatHash;
      return flat.length ? toDevice(hashOf(flat)) : null;
    });
  }

  removeAll(tenantId: string, subscriberId: string) {
    return this.h.run(
      async () => (await this.h.script(REMOVE_DEVICES, [tenantId, subscriberId])) as number,
    );
  }
}

/** Topic memberships in Redis: members per topic (by id), topics per subscriber. */
export class RedisTopicMemberStore implements TopicMemberStore {
  constructor(private readonly h: RedisHandle) {}

  add(tenantId: string, topic: string, subscriberIds: string[]) {
    return this.h.run(async () => {
      if (subscriberIds.length === 0) return 0;
      return (await this.h.script(ADD_MEMBERS, [tenantId, topic, ...subscriberIds])) as number;
    });
  }

  remove(tenantId: string, topic: string, subscriberIds: string[]) {
    return this.h.run(async () => {
      if (subscriberIds.length === 0) return 0;
      return (await this.h.script(REMOVE_MEMBERS, [tenantId, topic, ...subscriberIds])) as number;
    });
  }

  list(tenantId: string, topic: string, after: string | null, limit: number) {
    const lower = after === null ? '-' : `(${after}`;
    return this.h.run((client) =>
      client.zrangebylex(this.h.names.name('tm', tenantId, topic), lower, '+', 'LIMIT', 0, limit),
    );
  }

  count(tenantId: string, topic: string) {
    return this.h.run((client) => client.zcard(this.h.names.name('tm', tenantId, topic)));
  }

  clear(tenantId: string, topic: string, limit: number) {
    return this.h.run(
      async () => (await this.h.script(CLEAR_MEMBERS, [tenantId, topic, limit])) as number,
    );
  }

  topicsOf(tenantId: string, subscriberId: string) {
    return this.h.run(async (client) =>
      (await client.smembers(this.h.names.name('st', tenantId, subscriberId))).sort(),
    );
  }

  leaveAll(tenantId: string, subscriberId: string) {
    return this.h.run(
      async () => (await this.h.script(LEAVE_ALL, [tenantId, subscriberId])) as number,
    );
  }
}

/** Preferences in Redis: a hash per subscriber (data, updated_at). */
export class RedisPreferenceStore implements PreferenceStore {
  constructor(private readonly h: RedisHandle) {}

  get(tenantId: string, subscriberId: string) {
    return this.h.run(async (client) => {
      const h = await client.hgetall(this.h.names.name('pref', tenantId, subscriberId));
      return h.data === undefined
        ? null
        : { data: JSON.parse(h.data), updated_at: Number(h.updated_at) };
    });
  }

  put(tenantId: string, subscriberId: string, prefs: StoredPreferences) {
    return this.h.run(async (client) => {
      await client.hset(this.h.names.name('pref', tenantId, subscriberId), {
        data: JSON.stringify(prefs.data),
        updated_at: String(prefs.updated_at),
      });
    });
  }

  remove(tenantId: string, subscriberId: string) {
    return this.h.run(
      async (client) => (await client.del(this.h.names.name('pref', tenantId, subscriberId))) > 0,
    );
  }
}
