import type { Statement } from 'better-sqlite3';
import type {
  RequestPage,
  RequestQuery,
  SendRequestRecord,
} from '../../notifications/request-records.js';
import type { SendRequestStore } from '../types.js';
import { GroupCommit } from './group-commit.js';
import { isConstraintError, type SqliteHandle, translateError } from './handle.js';
import { prep, type Row } from './prepared.js';

const COLUMNS =
  'tenant_id, id, type, status, recipient_id, topic, accepted, skipped, rejected, errors, created_at, completed_at';

function params(r: SendRequestRecord) {
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
 * Send requests in SQLite (`send_requests`, migration 15). A single send writes its request
 * beside its notification, so puts are group-committed like inserts: many concurrent sends
 * cost one transaction.
 */
export class SqliteRequestStore implements SendRequestStore {
  private readonly group: GroupCommit<SendRequestRecord, undefined>;
  private readonly one: Statement<[string, string], Row>;

  constructor(private readonly h: SqliteHandle) {
    const upsert = h.db.prepare(
      `INSERT INTO send_requests (${COLUMNS}) VALUES (${COLUMNS.split(', ')
        .map(() => '?')
        .join(', ')})
       ON CONFLICT (tenant_id, id) DO UPDATE SET type = excluded.type, status = excluded.status,
         recipient_id = excluded.recipient_id, topic = excluded.topic,
         accepted = excluded.accepted, skipped = excluded.skipped, rejected = excluded.rejected,
         errors = excluded.errors, created_at = excluded.created_at,
         completed_at = excluded.completed_at`,
    );
    const write = h.db.transaction((records: SendRequestRecord[]): undefined[] => {
      for (const r of records) upsert.run(...params(r));
      return records.map(() => undefined);
    });
    this.group = new GroupCommit({
      write,
      retryAlone: isConstraintError,
      translate: translateError,
    });
    this.one = h.db.prepare('SELECT * FROM send_requests WHERE tenant_id = ? AND id = ?');
  }

  put(record: SendRequestRecord): Promise<void> {
    if (this.h.closed) return this.h.run(() => undefined);
    return this.group.submit(record);
  }

  /** Writes whatever is queued now (before closing). */
  flush(): void {
    this.group.flush();
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
