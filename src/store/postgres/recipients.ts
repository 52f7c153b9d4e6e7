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
import type { Param, PostgresHandle } from './handle.js';

const SUBSCRIBER_COLUMNS =
  'id, tenant_id, email, phone, locale, timezone, name, avatar_url, data, created_at, updated_at';
const DEVICE_COLUMNS =
  'id, tenant_id, subscriber_id, kind, endpoint, keys, token, info, active, last_used_at, failure_count, created_at, updated_at';
const FIELDS = ['email', 'phone', 'locale', 'timezone', 'name', 'avatar_url', 'data'] as const;
const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/** Subscribers in PostgreSQL, keyed by tenant and id. */
export class PostgresSubscriberStore implements SubscriberStore {
  private readonly s: string;

  constructor(private readonly h: PostgresHandle) {
    this.s = h.t.subscribers;
  }

  async upsert(tenantId: string, input: SubscriberInput, at: number) {
    // One statement: a column not given keeps its value (COALESCE over a "given" flag).
    const given = FIELDS.map((f) => input[f] !== undefined);
    const values = FIELDS.map((f) => (f === 'data' ? json(input.data) : (input[f] ?? null)));
    const sets = FIELDS.map(
      (f, i) => `${f} = CASE WHEN $${12 + i}::boolean THEN EXCLUDED.${f} ELSE s.${f} END`,
    );
    const { rows } = await this.h.query<Subscriber & { created: boolean }>(
      `INSERT INTO ${this.s} AS s (tenant_id, id, email, email_key, phone, locale, timezone, name,
         avatar_url, data, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $11)
       ON CONFLICT (tenant_id, id) DO UPDATE SET ${sets.join(', ')},
         email_key = CASE WHEN $12::boolean THEN EXCLUDED.email_key ELSE s.email_key END,
         updated_at = EXCLUDED.updated_at
       RETURNING ${SUBSCRIBER_COLUMNS}, (xmax = 0) AS created`,
      [
        tenantId,
        input.id,
        values[0] as Param,
        emailKey((values[0] as string | null) ?? null),
        ...(values.slice(1) as Param[]),
        at,
        ...given,
      ],
    );
    const { created, ...subscriber } = rows[0];
    return { subscriber, created };
  }

  async get(tenantId: string, id: string) {
    const { rows } = await this.h.query<Subscriber>(
      `SELECT ${SUBSCRIBER_COLUMNS} FROM ${this.s} WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }

  async existing(tenantId: string, ids: string[]) {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    const { rows } = await this.h.query<{ id: string }>(
      `SELECT id FROM ${this.s} WHERE tenant_id = $1 AND id = ANY($2)`,
      [tenantId, unique],
    );
    const found = new Set(rows.map((r) => r.id));
    return unique.filter((id) => found.has(id));
  }

  async list(tenantId: string, query: { after?: string; limit: number; email?: string }) {
    const params: Param[] = [tenantId, query.after ?? '', query.limit];
    let where = 'tenant_id = $1 AND id > $2';
    if (query.email !== undefined) {
      params.push(emailKey(query.email));
      where += ' AND email_key = $4';
    }
    const { rows } = await this.h.query<Subscriber>(
      `SELECT ${SUBSCRIBER_COLUMNS} FROM ${this.s} WHERE ${where} ORDER BY id LIMIT $3`,
      params,
    );
    return rows;
  }

  async remove(tenantId: string, id: string) {
    const { rowCount } = await this.h.query(
      `DELETE FROM ${this.s} WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return rowCount > 0;
  }
}

/** Devices in PostgreSQL; (tenant, address) is unique. */
export class PostgresDeviceStore implements DeviceStore {
  private readonly d: string;

  constructor(private readonly h: PostgresHandle) {
    this.d = h.t.devices;
  }

  async register(device: DeviceRecord) {
    const { rows } = await this.h.query<DeviceRecord & { created: boolean }>(
      `INSERT INTO ${this.d} AS d (id, tenant_id, subscriber_id, kind, address, endpoint, keys,
         token, info, active, last_used_at, failure_count, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9::jsonb, $10, $11, $12, $13, $14)
       ON CONFLICT (tenant_id, address) DO UPDATE SET subscriber_id = EXCLUDED.subscriber_id,
         keys = EXCLUDED.keys, info = EXCLUDED.info, active = true, failure_count = 0,
         updated_at = EXCLUDED.updated_at
       RETURNING ${DEVICE_COLUMNS}, (xmax = 0) AS created`,
      [
        device.id,
        device.tenant_id,
        device.subscriber_id,
        device.kind,
        deviceAddress(device),
        device.endpoint,
        json(device.keys),
        device.token,
        json(device.info),
        device.active,
        device.last_used_at,
        device.failure_count,
        device.created_at,
        device.updated_at,
      ],
    );
    const { created, ...stored } = rows[0];
    return { device: stored, created };
  }

  async get(tenantId: string, id: string) {
    const { rows } = await this.h.query<DeviceRecord>(
      `SELECT ${DEVICE_COLUMNS} FROM ${this.d} WHERE id = $1 AND tenant_id = $2`,
      [id, tenantId],
    );
    return rows[0] ?? null;
  }

  async list(tenantId: string, subscriberId: string) {
    const { rows } = await this.h.query<DeviceRecord>(
      `SELECT ${DEVICE_COLUMNS} FROM ${this.d} WHERE tenant_id = $1 AND subscriber_id = $2
       ORDER BY created_at, id`,
      [tenantId, subscriberId],
    );
    return rows;
  }

  async update(tenantId: string, id: string, change: DeviceChange, at: number) {
    const params: Param[] = [id, tenantId, at];
    const sets = ['updated_at = $3'];
    for (const [field, value] of Object.entries(change)) {
      if (value === undefined) continue;
      const isJson = field === 'keys' || field === 'info';
      params.push(isJson ? json(value) : (value as Param));
      sets.push(`${field} = $${params.length}${isJson ? '::jsonb' : ''}`);
    }
    const { rows } = await this.h.query<DeviceRecord>(
      `UPDATE ${this.d} SET ${sets.join(', ')} WHERE id = $1 AND tenant_id = $2
       RETURNING ${DEVICE_COLUMNS}`,
      params,
    );
    return rows[0] ?? null;
  }

  async remove(tenantId: string, id: string) {
    const { rows } = await this.h.query<DeviceRecord>(
      `DELETE FROM ${this.d} WHERE id = $1 AND tenant_id = $2 RETURNING ${DEVICE_COLUMNS}`,
      [id, tenantId],
    );
    return rows[0] ?? null;
  }

  async removeAll(tenantId: string, subscriberId: string) {
    const { rowCount } = await this.h.query(
      `DELETE FROM ${this.d} WHERE tenant_id = $1 AND subscriber_id = $2`,
      [tenantId, subscriberId],
    );
    return rowCount;
  }
}

/** Topic memberships in PostgreSQL. */
export class PostgresTopicMemberStore implements TopicMemberStore {
  private readonly m: string;

  constructor(private readonly h: PostgresHandle) {
    this.m = h.t.topicMembers;
  }

  async add(tenantId: string, topic: string, subscriberIds: string[], at: number) {
    const ids = [...new Set(subscriberIds)];
    if (ids.length === 0) return 0;
    const { rowCount } = await this.h.query(
      `INSERT INTO ${this.m} (tenant_id, topic, subscriber_id, added_at)
       SELECT $1, $2, unnest($3::text[]), $4 ON CONFLICT DO NOTHING`,
      [tenantId, topic, ids, at],
    );
    return rowCount;
  }

  async remove(tenantId: string, topic: string, subscriberIds: string[]) {
    if (subscriberIds.length === 0) return 0;
    const { rowCount } = await this.h.query(
      `DELETE FROM ${this.m} WHERE tenant_id = $1 AND topic = $2 AND subscriber_id = ANY($3)`,
      [tenantId, topic, [...new Set(subscriberIds)]],
    );
    return rowCount;
  }

  async list(tenantId: string, topic: string, after: string | null, limit: number) {
    const { rows } = await this.h.query<{ subscriber_id: string }>(
      `SELECT subscriber_id FROM ${this.m} WHERE tenant_id = $1 AND topic = $2
       AND subscriber_id > $3 ORDER BY subscriber_id LIMIT $4`,
      [tenantId, topic, after ?? '', limit],
    );
    return rows.map((r) => r.subscriber_id);
  }

  async count(tenantId: string, topic: string) {
    const { rows } = await this.h.query<{ n: string }>(
      `SELECT COUNT(*)::int AS n FROM ${this.m} WHERE tenant_id = $1 AND topic = $2`,
      [tenantId, topic],
    );
    return Number(rows[0].n);
  }

  async clear(tenantId: string, topic: string, limit: number) {
    const { rowCount } = await this.h.query(
      `DELETE FROM ${this.m} WHERE tenant_id = $1 AND topic = $2 AND subscriber_id IN
       (SELECT subscriber_id FROM ${this.m} WHERE tenant_id = $1 AND topic = $2
        ORDER BY subscriber_id LIMIT $3)`,
      [tenantId, topic, limit],
    );
    return rowCount;
  }

  async topicsOf(tenantId: string, subscriberId: string) {
    const { rows } = await this.h.query<{ topic: string }>(
      `SELECT topic FROM ${this.m} WHERE tenant_id = $1 AND subscriber_id = $2 ORDER BY topic`,
      [tenantId, subscriberId],
    );
    return rows.map((r) => r.topic);
  }

  async leaveAll(tenantId: string, subscriberId: string) {
    const { rowCount } = await this.h.query(
      `DELETE FROM ${this.m} WHERE tenant_id = $1 AND subscriber_id = $2`,
      [tenantId, subscriberId],
    );
    return rowCount;
  }
}

/** Preferences in PostgreSQL: one JSON document per subscriber. */
export class PostgresPreferenceStore implements PreferenceStore {
  private readonly p: string;

  constructor(private readonly h: PostgresHandle) {
    this.p = h.t.preferences;
  }

  async get(tenantId: string, subscriberId: string) {
    const { rows } = await this.h.query<StoredPreferences>(
      `SELECT data, updated_at FROM ${this.p} WHERE tenant_id = $1 AND subscriber_id = $2`,
      [tenantId, subscriberId],
    );
    return rows[0] ?? null;
  }

  async put(tenantId: string, subscriberId: string, prefs: StoredPreferences) {
    await this.h.query(
      `INSERT INTO ${this.p} (tenant_id, subscriber_id, data, updated_at)
       VALUES ($1, $2, $3::jsonb, $4)
       ON CONFLICT (tenant_id, subscriber_id) DO UPDATE SET data = EXCLUDED.data,
       updated_at = EXCLUDED.updated_at`,
      [tenantId, subscriberId, JSON.stringify(prefs.data), prefs.updated_at],
    );
  }

  async remove(tenantId: string, subscriberId: string) {
    const { rowCount } = await this.h.query(
      `DELETE FROM ${this.p} WHERE tenant_id = $1 AND subscriber_id = $2`,
      [tenantId, subscriberId],
    );
    return rowCount > 0;
  }
}
