import type { Statement } from 'better-sqlite3';
import type { ApiKeyRecord, KeyStore } from '../types.js';
import type { SqliteHandle } from './handle.js';
import {
  type ApiKeyRow,
  KEY_COLUMNS,
  keyParams,
  type Param,
  placeholders,
  toApiKey,
} from './rows.js';

/** API keys in SQLite; the hash column is unique. */
export class SqliteKeyStore implements KeyStore {
  private readonly insert: Statement<Param[]>;
  private readonly byHash: Statement<[string], ApiKeyRow>;
  private readonly byId: Statement<[string], ApiKeyRow>;
  private readonly all: Statement<[], ApiKeyRow>;
  private readonly ofTenant: Statement<[string], ApiKeyRow>;
  private readonly revokeOne: Statement<[number, string]>;
  private readonly touchOne: Statement<[number, string]>;
  private readonly countAll: Statement<[], { n: number }>;

  constructor(private readonly h: SqliteHandle) {
    const { db } = h;
    this.insert = db.prepare<Param[]>(
      `INSERT INTO api_keys (${KEY_COLUMNS}) VALUES (${placeholders(KEY_COLUMNS)})`,
    );
    this.byHash = db.prepare('SELECT * FROM api_keys WHERE hash = ?');
    this.byId = db.prepare('SELECT * FROM api_keys WHERE id = ?');
    this.all = db.prepare('SELECT * FROM api_keys ORDER BY created_at, id');
    this.ofTenant = db.prepare(
      'SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id',
    );
    this.revokeOne = db.prepare(
      'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
    );
    this.touchOne = db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?');
    this.countAll = db.prepare('SELECT COUNT(*) AS n FROM api_keys');
  }

  create(record: ApiKeyRecord): Promise<void> {
    return this.h.run(() => {
      this.insert.run(...keyParams(record));
    });
  }

  findByHash(hash: string): Promise<ApiKeyRecord | null> {
    return this.h.run(() => {
      const row = this.byHash.get(hash);
      return row ? toApiKey(row) : null;
    });
  }

  get(id: string): Promise<ApiKeyRecord | null> {
    return this.h.run(() => {
      const row = this.byId.get(id);
      return row ? toApiKey(row) : null;
    });
  }

  list(tenantId?: string): Promise<ApiKeyRecord[]> {
    return this.h.run(() =>
      (tenantId === undefined ? this.all.all() : this.ofTenant.all(tenantId)).map(toApiKey),
    );
  }

  revoke(id: string, at: number): Promise<boolean> {
    return this.h.run(() => this.revokeOne.run(at, id).changes > 0);
  }

  touch(id: string, at: number): Promise<void> {
    return this.h.run(() => {
      this.touchOne.run(at, id);
    });
  }

  count(): Promise<number> {
    return this.h.run(() => this.countAll.get()!.n);
  }
}
