/**
 * A configuration object as stored: a JSON document of some kind (a rate-limit policy, a
 * template, a webhook…), owned by a tenant or global, with an optimistic version. Ids are
 * unique within a kind; `key`, when set, is unique within its kind and tenant (a name, a
 * plan id) so that a lookup by it is one read and two writers cannot both take it.
 */
export interface StoredObject {
  kind: string;
  id: string;
  /** The owning tenant; null for a global object. */
  tenant_id: string | null;
  /** A name unique within kind and tenant, or null. */
  key: string | null;
  /** The document; the store keeps it exactly as given (JSON values only). */
  data: Record<string, unknown>;
  /** 1 when created; every update adds 1. */
  version: number;
  created_at: number;
  updated_at: number;
}

/** What `ObjectStore.update` and `remove` did. */
export type ObjectWriteOutcome =
  | { status: 'ok'; object: StoredObject }
  | { status: 'not_found' }
  /** The stored version was not the one expected; `current` is what is stored. */
  | { status: 'version_conflict'; current: StoredObject }
  /** Another object of the kind and tenant holds the key. */
  | { status: 'key_taken' };

/** What `ObjectStore.update` replaces: the document and the key. */
export interface ObjectChange {
  data: Record<string, unknown>;
  key: string | null;
}

/** Which objects of one kind a list returns, and which page. */
export interface ObjectQuery {
  kind: string;
  /** Only objects of these tenants (null: global ones); absent: every tenant's and global. */
  tenants?: ReadonlyArray<string | null>;
  /** Objects to skip, oldest first (default 0). */
  offset?: number;
  /** Most objects to return (default all). */
  limit?: number;
}

/**
 * Configuration objects of any kind: put, get, list and delete JSON documents. Writes check
 * the stored version (optimistic locking); an update adds 1 to it and never changes the
 * object's tenant or creation.
 */
export interface ObjectStore {
  /** Stores a new object at version 1; StoreConflictError when its id or key is taken. */
  create(object: Omit<StoredObject, 'version' | 'updated_at'>): Promise<StoredObject>;
  /** The object of this kind with this id, or null. */
  get(kind: string, id: string): Promise<StoredObject | null>;
  /** The object of this kind and tenant (null: global) holding `key`, or null. */
  getByKey(kind: string, tenantId: string | null, key: string): Promise<StoredObject | null>;
  /** Replaces document and key if the stored version is `expectedVersion`; `updated_at` = `at`. */
  update(
    kind: string,
    id: string,
    change: ObjectChange,
    expectedVersion: number,
    at: number,
  ): Promise<ObjectWriteOutcome>;
  /** Deletes an object if its stored version is `expectedVersion` (any version when absent). */
  remove(kind: string, id: string, expectedVersion?: number): Promise<ObjectWriteOutcome>;
  /** One page of a kind's objects, oldest first (by created_at, then id), and how many match. */
  list(query: ObjectQuery): Promise<{ items: StoredObject[]; total: number }>;
  /** A number that moves at each write to these kinds, by any store on the data: caches poll it. */
  revision(kinds: readonly string[]): Promise<number>;
}
