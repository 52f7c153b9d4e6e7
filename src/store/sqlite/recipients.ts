import type { Statement } from 'better-sqlite3';
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
import type { SqliteHandle } from './handle.js';

type Row = Record<string, unknown>;

const statements = new WeakMap<SqliteHandle, Map<string, Statement>>();

/** A statement prepared once per database and reused. */
function prep(h: SqliteHandle, sql: string): Statement {
  let cache = statements.get(h);
  if (!cache) {
    cache = new Map();
    statements.set(h, cache);
  }
  let stmt = cache.get(sql);
  if (!stmt) {
    stmt = h.db.prepare(sql);
    cache.set(sql, stmt);
  }
  return stmt;
}
const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
const parsed = (v: unknown) => (v === null ? null : JSON.parse(v as string));

const SUBSCRIBER_FIELDS = [
  'email',
  'phone',
  'locale',
  'timezone',
  'name',
  'avatar_url',
  'data',
] as const;

function toSubscriber(row: Row): Subscriber {
  const { email_key: _, ...rest } = row;
  return { ...(rest as unknown as Subscriber), data: parsed(row.data) };
}

/** Subscribers in SQLite, keyed by tenant and id. */
export class SqliteSubscriberStore implements SubscriberStore {
  private readonly upsertTx: (
    tenantId: string,
    input: SubscriberInput,
    at: number,
  ) => {
    subscriber: Subscriber;
    created: boolean;
  };

  constructor(private readonly h: SqliteHandle) {
    const { db } = h;
    const select = db.prepare('SELECT * FROM subscribers WHERE tenant_id = ? AND id = ?');
    const insert = db.prepare(
      `INSERT INTO subscribers (tenant_id, id, email, email_key, phone, locale, timezone, name,
       avatar_url, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const update = db.prepare(
      `UPDATE subscribers SET email = ?, email_key = ?, phone = ?, locale = ?, timezone = ?,
       name = ?, avatar_url = ?, data = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`,
    );
    this.upsertTx = db.transaction((tenantId: string, input: SubscriberInput, at: number) => {
      const row = select.get(tenantId, input.id) as Row | undefined;
      const current = (row ? toSubscriber(row) : {}) as Record<string, unknown>;
      const next: Record<string, unknown> = {};
      for (const f of SUBSCRIBER_FIELDS)
        next[f] = input[f] !== undefined ? input[f] : (current[f] ?? null);
      const values = [
        next.email,
        emailKey(next.email as string | null),
        next.phone,
        next.locale,
        next.timezone,
        next.name,
        next.avatar_url,
        json(next.data),
      ];
      if (row) update.run(...values, at, tenantId, input.id);
      else insert.run(tenantId, input.id, ...values, at, at);
      return {
        subscriber: toSubscriber(select.get(tenantId, input.id) as Row),
        created: !row,
      };
    });
  }

  upsert(tenantId: string, input: SubscriberInput, at: number) {
    return this.h.run(() => this.upsertTx(tenantId, input, at));
  }

  get(tenantId: string, id: string) {
    return this.h.run(() => {
      const row = prep(this.h, 'SELECT * FROM subscribers WHERE tenant_id = ? AND id = ?').get(
        tenantId,
        id,
      ) as Row | undefined;
      return row ? toSubscriber(row) : null;
    });
  }

  existing(tenantId: string, ids: string[]) {
    return this.h.run(() => {
      const unique = [...new Set(ids)];
      if (unique.length === 0) return [];
      const found = new Set<string>();
      // Bounded chunks: SQLite limits the number of bound parameters.
      for (let i = 0; i < unique.length; i += 500) {
        const part = unique.slice(i, i + 500);
        const rows = prep(
          this.h,
          `SELECT id FROM subscribers WHERE tenant_id = ? AND id IN (${part.map(() => '?').join(',')})`,
        ).all(tenantId, ...part) as Array<{ id: string }>;
        for (const r of rows) found.add(r.id);
      }
      return unique.filter((id) => found.has(id));
    });
  }

  list(tenantId: string, query: { after?: string; limit: number; email?: string }) {
    return this.h.run(() => {
      const params: unknown[] = [tenantId, query.after ?? ''];
      let where = 'tenant_id = ? AND id > ?';
      if (query.email !== undefined) {
        where += ' AND email_key = ?';
        params.push(emailKey(query.email));
      }
      params.push(query.limit);
      return (
        prep(this.h, `SELECT * FROM subscribers WHERE ${where} ORDER BY id LIMIT ?`).all(
          ...params,
        ) as Row[]
      ).map(toSubscriber);
    });
  }

  remove(tenantId: string, id: string) {
    return this.h.run(
      () =>
        prep(this.h, 'DELETE FROM subscribers WHERE tenant_id = ? AND id = ?').run(tenantId, id)
          .changes > 0,
    );
  }
}

function toDevice(row: Row): DeviceRecord {
  const { address: _, ...rest } = row;
  return {
    ...(rest as unknown as DeviceRecord),
    keys: parsed(row.keys),
    info: parsed(row.info),
    active: row.active === 1,
  };
}

/** Devices in SQLite; (tenant, address) is unique. */
export class SqliteDeviceStore implements DeviceStore {
  private readonly registerTx: (d: DeviceRecord) => { device: DeviceRecord; created: boolean };

  constructor(private readonly h: SqliteHandle) {
    const { db } = h;
    const byAddress = db.prepare('SELECT id FROM devices WHERE tenant_id = ? AND address = ?');
    const insert = db.prepare(
      `INSERT INTO devices (id, tenant_id, subscriber_id, kind, address, endpoint, keys, token,
       info, active, last_used_at, failure_count, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const reuse = db.prepare(
      `UPDATE devices SET subscriber_id = ?, keys = ?, info = ?, active = 1, failure_count = 0,
       updated_at = ? WHERE id = ?`,
    );
    const byId = db.prepare('SELECT * FROM devices WHERE id = ?');
    this.registerTx = db.transaction((d: DeviceRecord) => {
      const address = deviceAddress(d);
      const known = byAddress.get(d.tenant_id, address) as { id: string } | undefined;
      if (known) {
        reuse.run(d.subscriber_id, json(d.keys), json(d.info), d.updated_at, known.id);
        return { device: toDevice(byId.get(known.id) as Row), created: false };
      }
      insert.run(
        d.id,
        d.tenant_id,
        d.subscriber_id,
        d.kind,
        address,
        d.endpoint,
        json(d.keys),
        d.token,
        json(d.info),
        d.active ? 1 : 0,
        d.last_used_at,
        d.failure_count,
        d.created_at,
        d.updated_at,
      );
      return { device: toDevice(byId.get(d.id) as Row), created: true };
    });
  }

  register(device: DeviceRecord) {
    return this.h.run(() => this.registerTx(device));
  }

  get(tenantId: string, id: string) {
    return this.h.run(() => this.one(tenantId, id));
  }

  list(tenantId: string, subscriberId: string) {
    return this.h.run(() =>
      (
        prep(
          this.h,
          'SELECT * FROM devices WHERE tenant_id = ? AND subscriber_id = ? ORDER BY created_at, id',
        ).all(tenantId, subscriberId) as Row[]
      ).map(toDevice),
    );
  }

  update(tenantId: string, id: string, change: DeviceChange, at: number) {
    return this.h.run(() => {
      const sets: string[] = ['updated_at = ?'];
      const params: unknown[] = [at];
      for (const [field, value] of Object.entries(change)) {
        if (value === undefined) continue;
        sets.push(`${field} = ?`);
        params.push(
          field === 'keys' || field === 'info'
            ? json(value)
            : field === 'active'
              ? value
                ? 1
                : 0
              : value,
        );
      }
      const done = prep(
        this.h,
        `UPDATE devices SET ${sets.join(', ')} WHERE id = ? AND tenant_id = ?`,
      ).run(...params, id, tenantId);
      return done.changes > 0 ? this.one(tenantId, id) : null;
    });
  }

  remove(tenantId: string, id: string) {
    return this.h.run(() => {
      const found = this.one(tenantId, id);
      if (found) prep(this.h, 'DELETE FROM devices WHERE id = ?').run(id);
      return found;
    });
  }

  removeAll(tenantId: string, subscriberId: string) {
    return this.h.run(
      () =>
        prep(this.h, 'DELETE FROM devices WHERE tenant_id = ? AND subscriber_id = ?').run(
          tenantId,
          subscriberId,
        ).changes,
    );
  }

  private one(tenantId: string, id: string): DeviceRecord | null {
    const row = prep(this.h, 'SELECT * FROM devices WHERE id = ? AND tenant_id = ?').get(
      id,
      tenantId,
    ) as Row | undefined;
    return row ? toDevice(row) : null;
  }
}

/** Topic memberships in SQLite. */
export class SqliteTopicMemberStore implements TopicMemberStore {
  private readonly addTx: (t: string, topic: string, ids: string[], at: number) => number;
  private readonly removeTx: (t: string, topic: string, ids: string[]) => number;

  constructor(private readonly h: SqliteHandle) {
    const { db } = h;
    const insert = db.prepare(
      'INSERT OR IGNORE INTO topic_members (tenant_id, topic, subscriber_id, added_at) VALUES (?, ?, ?, ?)',
    );
    const del = db.prepare(
      'DELETE FROM topic_members WHERE tenant_id = ? AND topic = ? AND subscriber_id = ?',
    );
    this.addTx = db.transaction((t: string, topic: string, ids: string[], at: number) => {
      let n = 0;
      for (const id of new Set(ids)) n += insert.run(t, topic, id, at).changes;
      return n;
    });
    this.removeTx = db.transaction((t: string, topic: string, ids: string[]) => {
      let n = 0;
      for (const id of new Set(ids)) n += del.run(t, topic, id).changes;
      return n;
    });
  }

  add(tenantId: string, topic: string, subscriberIds: string[], at: number) {
    return this.h.run(() => this.addTx(tenantId, topic, subscriberIds, at));
  }

  remove(tenantId: string, topic: string, subscriberIds: string[]) {
    return this.h.run(() => this.removeTx(tenantId, topic, subscriberIds));
  }

  list(tenantId: string, topic: string, after: string | null, limit: number) {
    return this.h.run(() =>
      (
        prep(
          this.h,
          `SELECT subscriber_id FROM topic_members WHERE tenant_id = ? AND topic = ?
             AND subscriber_id > ? ORDER BY subscriber_id LIMIT ?`,
        ).all(tenantId, topic, after ?? '', limit) as Array<{ subscriber_id: string }>
      ).map((r) => r.subscriber_id),
    );
  }

  count(tenantId: string, topic: string) {
    return this.h.run(
      () =>
        (
          prep(
            this.h,
            'SELECT COUNT(*) AS n FROM topic_members WHERE tenant_id = ? AND topic = ?',
          ).get(tenantId, topic) as { n: number }
        ).n,
    );
  }

  clear(tenantId: string, topic: string, limit: number) {
    return this.h.run(
      () =>
        prep(
          this.h,
          `DELETE FROM topic_members WHERE tenant_id = ? AND topic = ? AND subscriber_id IN
             (SELECT subscriber_id FROM topic_members WHERE tenant_id = ? AND topic = ?
              ORDER BY subscriber_id LIMIT ?)`,
        ).run(tenantId, topic, tenantId, topic, limit).changes,
    );
  }

  topicsOf(tenantId: string, subscriberId: string) {
    return this.h.run(() =>
      (
        prep(
          this.h,
          'SELECT topic FROM topic_members WHERE tenant_id = ? AND subscriber_id = ? ORDER BY topic',
        ).all(tenantId, subscriberId) as Array<{ topic: string }>
      ).map((r) => r.topic),
    );
  }

  leaveAll(tenantId: string, subscriberId: string) {
    return this.h.run(
      () =>
        prep(this.h, 'DELETE FROM topic_members WHERE tenant_id = ? AND subscriber_id = ?').run(
          tenantId,
          subscriberId,
        ).changes,
    );
  }
}

/** Preferences in SQLite: one JSON document per subscriber. */
export class SqlitePreferenceStore implements PreferenceStore {
  constructor(private readonly h: SqliteHandle) {}

  get(tenantId: string, subscriberId: string) {
    return this.h.run(() => {
      const row = prep(
        this.h,
        'SELECT data, updated_at FROM preferences WHERE tenant_id = ? AND subscriber_id = ?',
      ).get(tenantId, subscriberId) as { data: string; updated_at: number } | undefined;
      return row ? { data: JSON.parse(row.data), updated_at: row.updated_at } : null;
    });
  }

  put(tenantId: string, subscriberId: string, prefs: StoredPreferences) {
    return this.h.run(() => {
      prep(
        this.h,
        `INSERT INTO preferences (tenant_id, subscriber_id, data, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (tenant_id, subscriber_id) DO UPDATE SET data = excluded.data,
           updated_at = excluded.updated_at`,
      ).run(tenantId, subscriberId, JSON.stringify(prefs.data), prefs.updated_at);
    });
  }

  remove(tenantId: string, subscriberId: string) {
    return this.h.run(
      () =>
        prep(this.h, 'DELETE FROM preferences WHERE tenant_id = ? AND subscriber_id = ?').run(
          tenantId,
          subscriberId,
        ).changes > 0,
    );
  }
}
