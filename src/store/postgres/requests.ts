import type {
  RequestPage,
  RequestQuery,
  SendRequestRecord,
} from '../../notifications/request-records.js';
import type { SendRequestStore } from '../types.js';
import type { Param, PostgresHandle } from './handle.js';

const COLUMNS =
  'tenant_id, id, type, status, recipient_id, topic, accepted, skipped, rejected, errors, created_at, completed_at';

/** Send requests in PostgreSQL (`send_requests`, migration 15), keyed by tenant and id. */
export class PostgresRequestStore implements SendRequestStore {
  private readonly r: string;

  constructor(private readonly h: PostgresHandle) {
    this.r = h.t.sendRequests;
  }

  async put(r: SendRequestRecord): Promise<void> {
    await this.h.query(
      `INSERT INTO ${this.r} (${COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12)
       ON CONFLICT (tenant_id, id) DO UPDATE SET type = EXCLUDED.type, status = EXCLUDED.status,
         recipient_id = EXCLUDED.recipient_id, topic = EXCLUDED.topic,
         accepted = EXCLUDED.accepted, skipped = EXCLUDED.skipped, rejected = EXCLUDED.rejected,
         errors = EXCLUDED.errors, created_at = EXCLUDED.created_at,
         completed_at = EXCLUDED.completed_at`,
      [
        r.tenant_id,
        r.id,
        r.type,
        r.status,
        r.recipient_id,
        r.topic,
        r.accepted,
        r.skipped,
        r.rejected,
        JSON.stringify(r.errors),
        r.created_at,
        r.completed_at,
      ],
    );
  }

  async get(tenantId: string, id: string): Promise<SendRequestRecord | null> {
    const { rows } = await this.h.query<SendRequestRecord>(
      `SELECT ${COLUMNS} FROM ${this.r} WHERE tenant_id = $1 AND id = $2`,
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
      `SELECT ${COLUMNS} FROM ${this.r} WHERE ${where.join(' AND ')}
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
