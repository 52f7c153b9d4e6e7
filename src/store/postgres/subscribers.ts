import type { Subscriber, SubscriberInput } from '../../notifications/ports.js';
import { emailKey, type SubscriberStore } from '../../recipients/store.js';
import { SUBSCRIBER_FIELDS as FIELDS, jsonOrNull as json } from '../recipient-fields.js';
import type { Param, PostgresHandle } from './handle.js';

const SUBSCRIBER_COLUMNS =
  'id, tenant_id, email, phone, locale, timezone, name, avatar_url, data, created_at, updated_at';

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

  async getMany(tenantId: string, ids: string[]) {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    const { rows } = await this.h.query<Subscriber>(
      `SELECT ${SUBSCRIBER_COLUMNS} FROM ${this.s} WHERE tenant_id = $1 AND id = ANY($2)`,
      [tenantId, unique],
    );
    const found = new Map(rows.map((r) => [r.id, r]));
    return unique.flatMap((id) => found.get(id) ?? []);
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
