import { StoreConflictError } from '../errors.js';
import type { ApiKeyRecord, KeyStore } from '../types.js';
import type { OpenState } from './open-state.js';

/** API keys in memory, found by id or by hash. */
export class MemoryKeyStore implements KeyStore {
  private readonly byId = new Map<string, ApiKeyRecord>();
  private readonly idByHash = new Map<string, string>();

  constructor(private readonly state: OpenState) {}

  async create(record: ApiKeyRecord): Promise<void> {
    this.state.check();
    if (this.byId.has(record.id) || this.idByHash.has(record.hash)) {
      throw new StoreConflictError('An API key with this id or hash already exists.');
    }
    this.byId.set(record.id, structuredClone(record));
    this.idByHash.set(record.hash, record.id);
  }

  async findByHash(hash: string): Promise<ApiKeyRecord | null> {
    this.state.check();
    const id = this.idByHash.get(hash);
    return id === undefined ? null : structuredClone(this.byId.get(id)!);
  }

  async get(id: string): Promise<ApiKeyRecord | null> {
    this.state.check();
    const record = this.byId.get(id);
    return record ? structuredClone(record) : null;
  }

  async list(tenantId?: string): Promise<ApiKeyRecord[]> {
    this.state.check();
    return [...this.byId.values()]
      .filter((k) => tenantId === undefined || k.tenant_id === tenantId)
      .sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1))
      .map((k) => structuredClone(k));
  }

  async revoke(id: string, at: number): Promise<boolean> {
    this.state.check();
    const record = this.byId.get(id);
    if (!record || record.revoked_at !== null) return false;
    record.revoked_at = at;
    return true;
  }

  async touch(id: string, at: number): Promise<void> {
    this.state.check();
    const record = this.byId.get(id);
    if (record) record.last_used_at = at;
  }

  async count(): Promise<number> {
    this.state.check();
    return this.byId.size;
  }
}
