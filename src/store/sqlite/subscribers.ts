import type { Subscriber, SubscriberInput } from '../../notifications/ports.js';
import { emailKey, type SubscriberStore } from '../../recipients/store.js';
import { jsonOrNull as json, SUBSCRIBER_FIELDS } from '../recipient-fields.js';
import type { SqliteHandle } from './handle.js';
import { allInChunks, prep, type Row } from './prepared.js';
import { toSubscriber } from './recipient-rows.js';

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

  getMany(tenantId: string, ids: string[]) {
    return this.h.run(() => {
      const unique = [...new Set(ids)];
      const found = new Map<string, Subscriber>();
      const rows = allInChunks<Row>(
        this.h,
        tenantId,
        unique,
        (marks) => `SELECT * FROM subscribers WHERE tenant_id = ? AND id IN (${marks})`,
      );
      for (const r of rows) {
        const sub = toSubscriber(r);
        found.set(sub.id, sub);
      }
      return unique.flatMap((id) => found.get(id) ?? []);
    });
  }

  existing(tenantId: string, ids: string[]) {
    return this.h.run(() => {
      const unique = [...new Set(ids)];
      if (unique.length === 0) return [];
      const rows = allInChunks<{ id: string }>(
        this.h,
        tenantId,
        unique,
        (marks) => `SELECT id FROM subscribers WHERE tenant_id = ? AND id IN (${marks})`,
      );
      const found = new Set(rows.map((r) => r.id));
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
