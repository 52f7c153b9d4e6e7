import type { Database, Statement } from 'better-sqlite3';
import { StoreConflictError } from '../errors.js';
import * as stored from '../object-rows.js';
import type { ObjectQuery, ObjectStore, ObjectWriteOutcome, StoredObject } from '../types.js';
import { isConstraintError, type SqliteHandle } from './handle.js';

/** A row of `objects`: the document is JSON text. */
type ObjectRow = stored.ObjectRow<string>;

const toObject = (row: ObjectRow): StoredObject =>
  stored.objectFrom(row, JSON.parse(row.data) as Record<string, unknown>);

/** Configuration objects in SQLite: one table for every kind, documents as JSON text. */
export class SqliteObjectStore implements ObjectStore {
  private readonly db: Database;
  private readonly insert: Statement<unknown[]>;
  private readonly byId: Statement<[string, string], ObjectRow>;
  private readonly byKey: Statement<[string, string, string], ObjectRow>;
  private readonly change: Statement<unknown[]>;
  private readonly deleteOne: Statement<[string, string]>;
  private readonly lists = new Map<number, { page: Statement; count: Statement }>();

  constructor(private readonly h: SqliteHandle) {
    this.db = h.db;
    this.insert = this.db.prepare(
      `INSERT INTO objects (kind, id, tenant_id, key, data, version, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 1, ?, ?)`,
    );
    this.byId = this.db.prepare('SELECT * FROM objects WHERE kind = ? AND id = ?');
    this.byKey = this.db.prepare(
      'SELECT * FROM objects WHERE kind = ? AND tenant_id = ? AND key = ?',
    );
    this.change = this.db.prepare(
      `UPDATE objects SET data = ?, key = ?, version = version + 1, updated_at = ?
       WHERE kind = ? AND id = ?`,
    );
    this.deleteOne = this.db.prepare('DELETE FROM objects WHERE kind = ? AND id = ?');
  }

  create(input: Omit<StoredObject, 'version' | 'updated_at'>): Promise<StoredObject> {
    return this.h.run(() => {
      try {
        this.insert.run(...stored.newObjectValues(input), input.created_at, input.created_at);
      } catch (err) {
        if (isConstraintError(err)) {
          throw new StoreConflictError(`A ${input.kind} with this id or key already exists.`, {
            cause: err,
          });
        }
        throw err;
      }
      return toObject(this.byId.get(input.kind, input.id)!);
    });
  }

  get(kind: string, id: string): Promise<StoredObject | null> {
    return this.h.run(() => {
      const row = this.byId.get(kind, id);
      return row ? toObject(row) : null;
    });
  }

  getByKey(kind: string, tenantId: string | null, key: string): Promise<StoredObject | null> {
    return this.h.run(() => {
      const row = this.byKey.get(kind, stored.storedTenant(tenantId), key);
      return row ? toObject(row) : null;
    });
  }

  update: ObjectStore['update'] = (kind, id, change, expectedVersion, at) => {
    // IMMEDIATE: the version read and the write happen under one write lock, even across
    // processes sharing the file.
    const write = this.db.transaction((): ObjectWriteOutcome => {
      const row = this.byId.get(kind, id);
      if (!row) return { status: 'not_found' };
      if (row.version !== expectedVersion) {
        return { status: 'version_conflict', current: toObject(row) };
      }
      try {
        this.change.run(JSON.stringify(change.data), change.key, at, kind, id);
      } catch (err) {
        if (isConstraintError(err)) return { status: 'key_taken' };
        throw err;
      }
      return { status: 'ok', object: toObject(this.byId.get(kind, id)!) };
    });
    return this.h.run(() => write.immediate());
  };

  remove(kind: string, id: string, expectedVersion?: number): Promise<ObjectWriteOutcome> {
    const write = this.db.transaction((): ObjectWriteOutcome => {
      const row = this.byId.get(kind, id);
      if (!row) return { status: 'not_found' };
      if (expectedVersion !== undefined && row.version !== expectedVersion) {
        return { status: 'version_conflict', current: toObject(row) };
      }
      this.deleteOne.run(kind, id);
      return { status: 'ok', object: toObject(row) };
    });
    return this.h.run(() => write.immediate());
  }

  list(query: ObjectQuery): Promise<{ items: StoredObject[]; total: number }> {
    return this.h.run(() => {
      const tenants = stored.listedTenants(query);
      if (tenants !== null && tenants.length === 0) return { items: [], total: 0 };
      const { page, count } = this.listStatements(tenants?.length ?? 0);
      const params = [query.kind, ...(tenants ?? [])];
      const rows = page.all(...params, query.limit ?? -1, query.offset ?? 0) as ObjectRow[];
      const total = (count.get(...params) as { n: number }).n;
      return { items: rows.map(toObject), total };
    });
  }

  revision(kinds: readonly string[]): Promise<number> {
    return this.h.run(() => {
      if (kinds.length === 0) return 0;
      const row = this.db
        .prepare(
          `SELECT COALESCE(SUM(revision), 0) AS n FROM object_revisions
           WHERE kind IN (${kinds.map(() => '?').join(', ')})`,
        )
        .get(...kinds) as { n: number };
      return row.n;
    });
  }

  /** Statements for a list over `n` tenants (0: every tenant), prepared once per n. */
  private listStatements(n: number): { page: Statement; count: Statement } {
    let found = this.lists.get(n);
    if (!found) {
      const where =
        n === 0 ? 'kind = ?' : `kind = ? AND tenant_id IN (${Array(n).fill('?').join(', ')})`;
      found = {
        page: this.db.prepare(
          `SELECT * FROM objects WHERE ${where} ORDER BY created_at, id LIMIT ? OFFSET ?`,
        ),
        count: this.db.prepare(`SELECT COUNT(*) AS n FROM objects WHERE ${where}`),
      };
      this.lists.set(n, found);
    }
    return found;
  }
}
