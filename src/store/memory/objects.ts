import { StoreConflictError } from '../errors.js';
import { compareIds } from '../order.js';
import type { ObjectQuery, ObjectStore, ObjectWriteOutcome, StoredObject } from '../types.js';
import { entryOf } from './maps.js';
import type { OpenState } from './open-state.js';

/** Creation order: created_at, then id. */
export function byCreation(a: StoredObject, b: StoredObject): number {
  return a.created_at - b.created_at || compareIds(a.id, b.id);
}

/** Configuration objects in memory: one map per kind, and a key index per kind and tenant. */
export class MemoryObjectStore implements ObjectStore {
  private readonly kinds = new Map<string, Map<string, StoredObject>>();
  private readonly revisions = new Map<string, number>();

  constructor(private readonly state: OpenState) {}

  async create(input: Omit<StoredObject, 'version' | 'updated_at'>): Promise<StoredObject> {
    this.state.check();
    const objects = this.kind(input.kind);
    if (objects.has(input.id)) {
      throw new StoreConflictError(`A ${input.kind} with id ${input.id} already exists.`);
    }
    if (input.key !== null && this.holder(input.kind, input.tenant_id, input.key)) {
      throw new StoreConflictError(`A ${input.kind} with key ${input.key} already exists.`);
    }
    const object: StoredObject = {
      ...structuredClone(input),
      version: 1,
      updated_at: input.created_at,
    };
    objects.set(object.id, object);
    this.bump(object.kind);
    return structuredClone(object);
  }

  async get(kind: string, id: string): Promise<StoredObject | null> {
    this.state.check();
    const object = this.kinds.get(kind)?.get(id);
    return object ? structuredClone(object) : null;
  }

  async getByKey(kind: string, tenantId: string | null, key: string): Promise<StoredObject | null> {
    this.state.check();
    const object = this.holder(kind, tenantId, key);
    return object ? structuredClone(object) : null;
  }

  update: ObjectStore['update'] = async (kind, id, change, expectedVersion, at) => {
    this.state.check();
    const object = this.kinds.get(kind)?.get(id);
    if (!object) return { status: 'not_found' };
    if (object.version !== expectedVersion) {
      return { status: 'version_conflict', current: structuredClone(object) };
    }
    if (change.key !== null) {
      const holder = this.holder(kind, object.tenant_id, change.key);
      if (holder && holder.id !== id) return { status: 'key_taken' };
    }
    object.data = structuredClone(change.data);
    object.key = change.key;
    object.version += 1;
    object.updated_at = at;
    this.bump(kind);
    return { status: 'ok', object: structuredClone(object) };
  };

  async remove(kind: string, id: string, expectedVersion?: number): Promise<ObjectWriteOutcome> {
    this.state.check();
    const objects = this.kinds.get(kind);
    const object = objects?.get(id);
    if (!objects || !object) return { status: 'not_found' };
    if (expectedVersion !== undefined && object.version !== expectedVersion) {
      return { status: 'version_conflict', current: structuredClone(object) };
    }
    objects.delete(id);
    this.bump(kind);
    return { status: 'ok', object: structuredClone(object) };
  }

  async list(query: ObjectQuery): Promise<{ items: StoredObject[]; total: number }> {
    this.state.check();
    const tenants = query.tenants ? new Set(query.tenants) : null;
    const all = [...(this.kinds.get(query.kind)?.values() ?? [])]
      .filter((o) => tenants === null || tenants.has(o.tenant_id))
      .sort(byCreation);
    const offset = query.offset ?? 0;
    const end = query.limit === undefined ? undefined : offset + query.limit;
    return { items: all.slice(offset, end).map((o) => structuredClone(o)), total: all.length };
  }

  async revision(kinds: readonly string[]): Promise<number> {
    this.state.check();
    let sum = 0;
    for (const kind of kinds) sum += this.revisions.get(kind) ?? 0;
    return sum;
  }

  private kind(kind: string): Map<string, StoredObject> {
    return entryOf(this.kinds, kind, () => new Map());
  }

  // Objects of a kind are few (configuration), so a scan is cheaper than keeping an index right.
  private holder(kind: string, tenantId: string | null, key: string): StoredObject | undefined {
    for (const o of this.kinds.get(kind)?.values() ?? []) {
      if (o.tenant_id === tenantId && o.key === key) return o;
    }
    return undefined;
  }

  private bump(kind: string): void {
    this.revisions.set(kind, (this.revisions.get(kind) ?? 0) + 1);
  }
}
