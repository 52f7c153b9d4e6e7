/** What the auth module keeps: API keys, by their hash. Every backend implements it (store/). */

/** An API key as stored: never the key itself, only its hash. */
export interface ApiKeyRecord {
  /** `key_…` */
  id: string;
  name: string;
  /** SHA-256 of the full key, hex. */
  hash: string;
  /** The first characters of the key, shown in listings to recognise it. */
  prefix: string;
  scopes: string[];
  /** The tenant the key acts for; null for a key that may name any tenant. */
  tenant_id: string | null;
  /** CIDR ranges (v4 or v6) the key may be used from; empty means anywhere. */
  ip_allowlist: string[];
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

/** API keys. */
export interface KeyStore {
  /** Stores a new key; its id and hash are unique. */
  create(record: ApiKeyRecord): Promise<void>;
  /** The key with this hash, revoked or not, or null. */
  findByHash(hash: string): Promise<ApiKeyRecord | null>;
  /** The key with this id, or null. */
  get(id: string): Promise<ApiKeyRecord | null>;
  /** Keys, oldest first: of one tenant, or all when tenantId is undefined. */
  list(tenantId?: string): Promise<ApiKeyRecord[]>;
  /** Revokes a key; false when no unrevoked key has this id. */
  revoke(id: string, at: number): Promise<boolean>;
  /** Records when a key was last used. */
  touch(id: string, at: number): Promise<void>;
  /** How many keys exist, revoked ones included. */
  count(): Promise<number>;
}
