import type pg from 'pg';
import * as stored from '../object-rows.js';
import type { ObjectQuery, ObjectStore, ObjectWriteOutcome, StoredObject } from '../types.js';
import type { Param, PostgresHandle } from './handle.js';

/** A row of `objects`: pg parses the jsonb document. */
type ObjectRow = stored.ObjectRow<Record<string, unknown>>;

const COLUMNS = 'kind, id, tenant_id, key, data, version, created_at, updated_at';

const toObject = (row: ObjectRow): StoredObject => stored.objectFrom(row, row.data);

/** Configuration objects in PostgreSQL: one table for every kind, documents as jsonb. */
export class PostgresObjectStore implements ObjectStore {
  private readonly o: string;

  constructor(private readonly h: PostgresHandle) {
    this.o = h.t.objects;
  }

  async create(input: Omit<StoredObject, 'version' | 'updated_at'>): Promise<StoredObject> {
    const { rows } = await this.h.query<ObjectRow>(
      `INSERT INTO ${this.o} (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, 1, $6, $6)
       RETURNING ${COLUMNS}`,
      [...stored.newObjectValues(input), input.created_at],
    );
    return toObject(rows[0]);
  }

  get(kind: string, id: string): Promise<StoredObject | null> {
    return this.one('kind = $1 AND id = $2', [kind, id]);
  }

  getByKey(kind: string, tenantId: string | null, key: string): Promise<StoredObject | null> {
    return this.one('kind = $1 AND tenant_id = $2 AND key = $3', [
      kind,
      stored.storedTenant(tenantId),
      key,
    ]);
  }

  update: ObjectStore['update'] = (kind, id, change, expectedVersion, at) => {
    return this.h.transaction(async (client) => {
      const current = await this.locked(client, kind, id);
      if (!current) return { status: 'not_found' };
      if (current.version !== expectedVersion) return { status: 'version_conflict', current };
      if (change.key !== null) {
        const holder = await client.query(
          `SELECT 1 FROM ${this.o} WHERE kind = $1 AND tenant_id = $2 AND key = $3 AND id <> $4`,
          [kind, stored.storedTenant(current.tenant_id), change.key, id],
        );
        if ((holder.rowCount ?? 0) > 0) return { status: 'key_taken' };
      }
      try {
        const { rows } = await client.query<ObjectRow>(
          `UPDATE ${this.o} SET data = $3, key = $4, version = version + 1, updated_at = $5
           WHERE kind = $1 AND id = $2 RETURNING ${COLUMNS}`,
          [kind, id, JSON.stringify(change.data), change.key, at],
        );
        return { status: 'ok', object: toObject(rows[0]!) };
      } catch (err) {
        // Another transaction took the key between the check and the write.
        if ((err as { code?: string }).code === '23505') return { status: 'key_taken' };
        throw err;
      }
    });
  };

  remove(kind: string, id: string, expectedVersion?: number): Promise<ObjectWriteOutcome> {
    return this.h.transaction(async (client) => {
      const current = await this.locked(client, kind, id);
      if (!current) return { status: 'not_found' };
      if (expectedVersion !== undefined && current.version !== expectedVersion) {
        return { status: 'version_conflict', current };
      }
      await client.query(`DELETE FROM ${this.o} WHERE kind = $1 AND id = $2`, [kind, id]);
      return { status: 'ok', object: current };
    });
  }

  async list(query: ObjectQuery): Promise<{ items: StoredObject[]; total: number }> {
    const tenants = stored.listedTenants(query);
    if (tenants !== null && tenants.length === 0) return { items: [], total: 0 };
    const where = tenants === null ? 'kind = $1' : 'kind = $1 AND tenant_id = ANY($2::text[])';
    const params: Param[] = tenants === null ? [query.kind] : [query.kind, tenants];
    const n = params.length;
    const [page, count] = await Promise.all([
      this.h.query<ObjectRow>(
        `SELECT ${COLUMNS} FROM ${this.o} WHERE ${where} ORDER BY created_at, id
         LIMIT $${n + 1} OFFSET $${n + 2}`,
        [...params, query.limit ?? null, query.offset ?? 0],
      ),
      this.h.query<{ n: number }>(
        `SELECT COUNT(*)::integer AS n FROM ${this.o} WHERE ${where}`,
        params,
      ),
    ]);
    return { items: page.rows.map(toObject), total: count.rows[0].n };
  }

  async revision(kinds: readonly string[]): Promise<number> {
    if (kinds.length === 0) return 0;
    const { rows } = await this.h.query<{ n: number }>(
      `SELECT COALESCE(SUM(revision), 0)::double precision AS n FROM ${this.h.t.objectRevisions}
       WHERE kind = ANY($1::text[])`,
      [[...kinds]],
    );
    return rows[0].n;
  }

  private async one(where: string, params: Param[]): Promise<StoredObject | null> {
    const { rows } = await this.h.query<ObjectRow>(
      `SELECT ${COLUMNS} FROM ${this.o} WHERE ${where}`,
      params,
    );
    return rows[0] ? toObject(rows[0]) : null;
  }

  /** The object's row, locked until the transaction ends, so version checks hold. */
  private async locked(
    client: pg.PoolClient,
    kind: string,
    id: string,
  ): Promise<StoredObject | null> {
    const { rows } = await client.query<ObjectRow>(
      `SELECT ${COLUMNS} FROM ${this.o} WHERE kind = $1 AND id = $2 FOR UPDATE`,
      [kind, id],
    );
    return rows[0] ? toObject(rows[0]) : null;
  }
}
