import type { ApiKeyRecord, KeyStore } from '../types.js';
import type { PostgresHandle } from './handle.js';
import { type ApiKeyRow, KEY_COLUMNS, keyParams, placeholders } from './rows.js';

/** API keys in PostgreSQL; the hash column is unique. */
export class PostgresKeyStore implements KeyStore {
  private readonly k: string;

  constructor(private readonly h: PostgresHandle) {
    this.k = h.t.apiKeys;
  }

  async create(record: ApiKeyRecord): Promise<void> {
    await this.h.query(
      `INSERT INTO ${this.k} (${KEY_COLUMNS}) VALUES (${placeholders(KEY_COLUMNS)})`,
      keyParams(record),
    );
  }

  findByHash(hash: string): Promise<ApiKeyRecord | null> {
    return this.one('hash = $1', hash);
  }

  get(id: string): Promise<ApiKeyRecord | null> {
    return this.one('id = $1', id);
  }

  async list(tenantId?: string): Promise<ApiKeyRecord[]> {
    const { rows } =
      tenantId === undefined
        ? await this.h.query<ApiKeyRow>(
            `SELECT ${KEY_COLUMNS} FROM ${this.k} ORDER BY created_at, id`,
          )
        : await this.h.query<ApiKeyRow>(
            `SELECT ${KEY_COLUMNS} FROM ${this.k} WHERE tenant_id = $1 ORDER BY created_at, id`,
            [tenantId],
          );
    return rows;
  }

  async revoke(id: string, at: number): Promise<boolean> {
    const { rowCount } = await this.h.query(
      `UPDATE ${this.k} SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`,
      [id, at],
    );
    return rowCount > 0;
  }

  async touch(id: string, at: number): Promise<void> {
    await this.h.query(`UPDATE ${this.k} SET last_used_at = $2 WHERE id = $1`, [id, at]);
  }

  async count(): Promise<number> {
    const { rows } = await this.h.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${this.k}`);
    return rows[0].n;
  }

  private async one(where: string, value: string): Promise<ApiKeyRecord | null> {
    const { rows } = await this.h.query<ApiKeyRow>(
      `SELECT ${KEY_COLUMNS} FROM ${this.k} WHERE ${where}`,
      [value],
    );
    return rows[0] ?? null;
  }
}
