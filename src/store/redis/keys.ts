import type { ApiKeyRecord, KeyStore } from '../types.js';
import type { RedisHandle } from './handle.js';
import { CREATE_KEY, LIST_KEYS, REVOKE_KEY, TOUCH_KEY } from './lua/api-keys.js';
import { apiKeyFields, type FlatHash, hashOf, toApiKey } from './records.js';

/**
 * API keys in Redis: a hash per key, a hash from key hash to id, and creation-ordered sorted
 * sets of ids (every key, and per tenant) scored by created_at; equal times order by id.
 */
export class RedisKeyStore implements KeyStore {
  constructor(private readonly h: RedisHandle) {}

  create(record: ApiKeyRecord): Promise<void> {
    const tenant = record.tenant_id;
    const args = [
      record.id,
      record.hash,
      record.created_at,
      tenant ?? '',
      tenant === null ? 0 : 1,
      ...apiKeyFields(record),
    ];
    return this.h.run(async () => {
      await this.h.script(CREATE_KEY, args);
    });
  }

  findByHash(hash: string): Promise<ApiKeyRecord | null> {
    return this.h.run(async (client) => {
      const id = await client.hget(this.h.names.apiKeyHashes(), hash);
      return id === null ? null : this.read(id);
    });
  }

  get(id: string): Promise<ApiKeyRecord | null> {
    return this.h.run(() => this.read(id));
  }

  list(tenantId?: string): Promise<ApiKeyRecord[]> {
    return this.h.run(async () => {
      const rows = (await this.h.script(LIST_KEYS, [
        this.h.names.apiKeyList(tenantId),
      ])) as FlatHash[];
      return rows.map((row) => toApiKey(hashOf(row)));
    });
  }

  revoke(id: string, at: number): Promise<boolean> {
    return this.h.run(async () => (await this.h.script(REVOKE_KEY, [id, at])) === 1);
  }

  touch(id: string, at: number): Promise<void> {
    return this.h.run(async () => {
      await this.h.script(TOUCH_KEY, [id, at]);
    });
  }

  count(): Promise<number> {
    return this.h.run((client) => client.zcard(this.h.names.apiKeyList()));
  }

  private async read(id: string): Promise<ApiKeyRecord | null> {
    const hash = await this.h.client.hgetall(this.h.names.apiKey(id));
    return hash.id === undefined ? null : toApiKey(hash);
  }
}
