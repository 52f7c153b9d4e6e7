import { listedTenants, storedTenant, tenantOf } from '../object-rows.js';
import type { ObjectQuery, ObjectStore, ObjectWriteOutcome, StoredObject } from '../types.js';
import type { RedisHandle } from './handle.js';
import { CREATE_OBJECT, LIST_OBJECTS, REMOVE_OBJECT, UPDATE_OBJECT } from './lua/objects.js';
import { type FlatHash, hashOf } from './records.js';

function toObject(flat: FlatHash): StoredObject {
  const h = hashOf(flat);
  return {
    kind: h.kind!,
    id: h.id!,
    tenant_id: tenantOf(h.tenant!),
    key: h.key ?? null,
    data: JSON.parse(h.data!) as Record<string, unknown>,
    version: Number(h.version),
    created_at: Number(h.created_at),
    updated_at: Number(h.updated_at),
  };
}

function outcome(reply: [string, FlatHash?]): ObjectWriteOutcome {
  switch (reply[0]) {
    case 'ok':
      return { status: 'ok', object: toObject(reply[1]!) };
    case 'version_conflict':
      return { status: 'version_conflict', current: toObject(reply[1]!) };
    case 'key_taken':
      return { status: 'key_taken' };
    default:
      return { status: 'not_found' };
  }
}

/**
 * Configuration objects in Redis: a hash per object, creation-ordered sorted sets of ids per
 * kind and per kind and tenant, a hash of keys per kind and tenant, and a revision per kind.
 * Every write is one script, so indexes and revision never disagree with the objects.
 */
export class RedisObjectStore implements ObjectStore {
  constructor(private readonly h: RedisHandle) {}

  create(input: Omit<StoredObject, 'version' | 'updated_at'>): Promise<StoredObject> {
    return this.h.run(async () =>
      toObject(
        (await this.h.script(CREATE_OBJECT, [
          input.kind,
          input.id,
          storedTenant(input.tenant_id),
          input.key ?? '',
          input.key === null ? 0 : 1,
          JSON.stringify(input.data),
          input.created_at,
        ])) as FlatHash,
      ),
    );
  }

  get(kind: string, id: string): Promise<StoredObject | null> {
    return this.h.run(async (client) => {
      const hash = await client.hgetall(this.h.names.name('obj', kind, id));
      return hash.id === undefined ? null : toObject(Object.entries(hash).flat());
    });
  }

  getByKey(kind: string, tenantId: string | null, key: string): Promise<StoredObject | null> {
    return this.h.run(async (client) => {
      const id = await client.hget(this.h.names.name('objkey', kind, storedTenant(tenantId)), key);
      if (id === null) return null;
      const hash = await client.hgetall(this.h.names.name('obj', kind, id));
      return hash.id === undefined ? null : toObject(Object.entries(hash).flat());
    });
  }

  update: ObjectStore['update'] = (kind, id, change, expectedVersion, at) => {
    return this.h.run(async () =>
      outcome(
        (await this.h.script(UPDATE_OBJECT, [
          kind,
          id,
          JSON.stringify(change.data),
          change.key ?? '',
          change.key === null ? 0 : 1,
          expectedVersion,
          at,
        ])) as [string, FlatHash?],
      ),
    );
  };

  remove(kind: string, id: string, expectedVersion?: number): Promise<ObjectWriteOutcome> {
    return this.h.run(async () =>
      outcome(
        (await this.h.script(REMOVE_OBJECT, [kind, id, expectedVersion ?? ''])) as [
          string,
          FlatHash?,
        ],
      ),
    );
  }

  list(query: ObjectQuery): Promise<{ items: StoredObject[]; total: number }> {
    const tenants = listedTenants(query);
    if (tenants !== null && tenants.length === 0) return Promise.resolve({ items: [], total: 0 });
    return this.h.run(async () => {
      const [total, ...rows] = (await this.h.script(LIST_OBJECTS, [
        query.kind,
        query.offset ?? 0,
        query.limit ?? -1,
        tenants?.length ?? 0,
        ...(tenants ?? []),
      ])) as [number, ...FlatHash[]];
      return { items: rows.map(toObject), total };
    });
  }

  revision(kinds: readonly string[]): Promise<number> {
    if (kinds.length === 0) return Promise.resolve(0);
    return this.h.run(async (client) => {
      const values = await client.hmget(this.h.names.name('objrev'), ...kinds);
      return values.reduce((sum, v) => sum + Number(v ?? 0), 0);
    });
  }
}
