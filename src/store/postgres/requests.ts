import type {
  RequestPage,
  RequestQuery,
  SendRequestRecord,
} from '../../notifications/request-records.js';
import { REQUEST_COLUMNS } from '../columns.js';
import type { SendRequestStore } from '../types.js';
import type { Param, PostgresHandle } from './handle.js';

const RECORDSET = `tenant_id text, id text, type text, status text, recipient_id text,
  topic text, accepted integer, skipped integer, rejected integer, errors jsonb,
  created_at bigint, completed_at bigint`;

/**
 * Writes the records of $1 (a JSON array of SendRequestRecord, one per tenant and id; see
 * lastOfEach), replacing the tenant's ones with their ids.
 */
export function upsertRequests(table: string): string {
  return `INSERT INTO ${table} (${REQUEST_COLUMNS})
    SELECT ${REQUEST_COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS x(${RECORDSET})
    ON CONFLICT (tenant_id, id) DO UPDATE SET type = EXCLUDED.type, status = EXCLUDED.status,
      recipient_id = EXCLUDED.recipient_id, topic = EXCLUDED.topic,
      accepted = EXCLUDED.accepted, skipped = EXCLUDED.skipped, rejected = EXCLUDED.rejected,
      errors = EXCLUDED.errors, created_at = EXCLUDED.created_at,
      completed_at = EXCLUDED.completed_at`;
}

/**
 * The last of the records with each tenant and id, as JSON (one statement may not update a
 * row twice, and a caller may reuse a request id), sorted by key so that two nodes'
 * transactions lock the rows they share in the same order.
 */
export function lastOfEach(records: Array<{ key: string; json: string }>): string {
  const last = new Map<string, string>();
  for (const r of records) last.set(r.key, r.json);
  const keys = [...last.keys()].sort();
  return `[${keys.map((key) => last.get(key)).join(',')}]`;
}

/** Send requests in PostgreSQL (`send_requests`, migration 15), keyed by tenant and id. */
export class PostgresRequestStore implements SendRequestStore {
  private readonly r: string;
  private readonly upsert: string;

  constructor(private readonly h: PostgresHandle) {
    this.r = h.t.sendRequests;
    this.upsert = upsertRequests(this.r);
  }

  async put(r: SendRequestRecord): Promise<void> {
    await this.h.query(this.upsert, [JSON.stringify([r])]);
  }

  async get(tenantId: string, id: string): Promise<SendRequestRecord | null> {
    const { rows } = await this.h.query<SendRequestRecord>(
      `SELECT ${REQUEST_COLUMNS} FROM ${this.r} WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }

  async list(q: RequestQuery): Promise<RequestPage> {
    const args: Param[] = [q.tenant_id];
    const where = ['tenant_id = $1'];
    const add = (sql: (n: number) => string, value: Param) => {
      args.push(value);
      where.push(sql(args.length));
    };
    const equal = { status: q.status, type: q.type, recipient_id: q.recipient_id, topic: q.topic };
    for (const [column, value] of Object.entries(equal)) {
      if (value !== undefined) add((n) => `${column} = $${n}`, value);
    }
    if (q.created_after !== undefined) add((n) => `created_at >= $${n}`, q.created_after);
    if (q.created_before !== undefined) add((n) => `created_at < $${n}`, q.created_before);
    if (q.after) {
      args.push(q.after.created_at, q.after.id);
      const [at, id] = [args.length - 1, args.length];
      where.push(`(created_at < $${at} OR (created_at = $${at} AND id < $${id}))`);
    }
    args.push(q.limit + 1);
    const { rows } = await this.h.query<SendRequestRecord>(
      `SELECT ${REQUEST_COLUMNS} FROM ${this.r} WHERE ${where.join(' AND ')}
       ORDER BY created_at DESC, id DESC LIMIT $${args.length}`,
      args,
    );
    const items = rows.slice(0, q.limit);
    const last = items.at(-1);
    return {
      items,
      next: rows.length > q.limit && last ? { created_at: last.created_at, id: last.id } : null,
    };
  }

  async purgeBefore(before: number, limit: number): Promise<number> {
    const { rowCount } = await this.h.query(
      `DELETE FROM ${this.r} WHERE ctid IN
         (SELECT ctid FROM ${this.r} WHERE created_at < $1 LIMIT $2)`,
      [before, limit],
    );
    return rowCount;
  }
}
