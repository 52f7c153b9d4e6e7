import type { Statement } from 'better-sqlite3';
import type {
  RequestPage,
  RequestQuery,
  SendRequestRecord,
} from '../../notifications/request-records.js';
import { REQUEST_COLUMNS } from '../columns.js';
import type { SendRequestStore } from '../types.js';
import type { SqliteHandle } from './handle.js';
import { prep, type Row } from './prepared.js';
import type { Param } from './rows.js';

/** Writes a request, replacing the tenant's one with its id; its parameters: requestParams. */
export const UPSERT_REQUEST = `INSERT INTO send_requests (${REQUEST_COLUMNS}) VALUES (${REQUEST_COLUMNS.split(
  ', ',
)
  .map(() => '?')
  .join(', ')})
  ON CONFLICT (tenant_id, id) DO UPDATE SET type = excluded.type, status = excluded.status,
    recipient_id = excluded.recipient_id, topic = excluded.topic,
    accepted = excluded.accepted, skipped = excluded.skipped, rejected = excluded.rejected,
    errors = excluded.errors, created_at = excluded.created_at,
    completed_at = excluded.completed_at`;

export function requestParams(r: SendRequestRecord): Param[] {
  return [
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
  ];
}

function toRequest(row: Row): SendRequestRecord {
  return { ...(row as unknown as SendRequestRecord), errors: JSON.parse(row.errors as string) };
}

/**
 * Send requests in SQLite (`send_requests`, migration 15). A single send's request is
 * written by the notification writer, in the notification's transaction (insert.ts);
 * batches and topic sends put theirs here.
 */
export class SqliteRequestStore implements SendRequestStore {
  private readonly upsert: Statement<Param[]>;
  private readonly one: Statement<[string, string], Row>;

  constructor(private readonly h: SqliteHandle) {
    this.upsert = h.db.prepare<Param[]>(UPSERT_REQUEST);
    this.one = h.db.prepare('SELECT * FROM send_requests WHERE tenant_id = ? AND id = ?');
  }

  put(record: SendRequestRecord): Promise<void> {
    return this.h.run(() => {
      this.upsert.run(...requestParams(record));
    });
  }

  get(tenantId: string, id: string): Promise<SendRequestRecord | null> {
    return this.h.run(() => {
      const row = this.one.get(tenantId, id);
      return row ? toRequest(row) : null;
    });
  }

  list(q: RequestQuery): Promise<RequestPage> {
    return this.h.run(() => {
      const where = ['tenant_id = ?'];
      const args: unknown[] = [q.tenant_id];
      const equal = {
        status: q.status,
        type: q.type,
        recipient_id: q.recipient_id,
        topic: q.topic,
      };
      for (const [column, value] of Object.entries(equal)) {
        if (value === undefined) continue;
        where.push(`${column} = ?`);
        args.push(value);
      }
      if (q.created_after !== undefined) {
        where.push('created_at >= ?');
        args.push(q.created_after);
      }
      if (q.created_before !== undefined) {
        where.push('created_at < ?');
        args.push(q.created_before);
      }
      if (q.after) {
        where.push('(created_at < ? OR (created_at = ? AND id < ?))');
        args.push(q.after.created_at, q.after.created_at, q.after.id);
      }
      const sql = `SELECT * FROM send_requests WHERE ${where.join(' AND ')}
        ORDER BY created_at DESC, id DESC LIMIT ?`;
      const rows = prep(this.h, sql).all(...args, q.limit + 1) as Row[];
      const items = rows.slice(0, q.limit).map(toRequest);
      const last = items.at(-1);
      return {
        items,
        next: rows.length > q.limit && last ? { created_at: last.created_at, id: last.id } : null,
      };
    });
  }

  purgeBefore(before: number, limit: number): Promise<number> {
    return this.h.run(
      () =>
        prep(
          this.h,
          `DELETE FROM send_requests WHERE rowid IN
             (SELECT rowid FROM send_requests WHERE created_at < ? LIMIT ?)`,
        ).run(before, limit).changes,
    );
  }
}
