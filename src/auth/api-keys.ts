import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import { DEFAULT_TENANT } from '../core/tenancy.js';
import type { ServicePrincipal } from './principal.js';
import type { ApiKeyRecord, KeyStore } from './store.js';

/** A new key's parameters. */
export interface NewKey {
  name: string;
  scopes: string[];
  tenant_id: string | null;
  ip_allowlist: string[];
  expires_at: number | null;
}

/** Keys look like `nk_` and 32 URL-safe characters; only their SHA-256 is stored. */
export function generateKey(): string {
  return `nk_${randomBytes(24).toString('base64url')}`;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Parses `10.0.0.0/8`, `::1/128` or a bare address into a range; throws on anything else. */
function addRange(list: BlockList, cidr: string): void {
  const [address, bits] = cidr.split('/');
  const family = isIP(address ?? '');
  if (family === 0) throw new Error(`${cidr} is not an IP address or CIDR range`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (bits === undefined) {
    list.addAddress(address, type);
    return;
  }
  const prefix = Number(bits);
  if (!/^\d+$/.test(bits) || prefix > (family === 4 ? 32 : 128)) {
    throw new Error(`${cidr} has an invalid prefix length`);
  }
  list.addSubnet(address, prefix, type);
}

/** Checks every entry of an allowlist, naming the first bad one. */
export function validateAllowlist(entries: string[]): void {
  const list = new BlockList();
  for (const entry of entries) {
    try {
      addRange(list, entry);
    } catch (err) {
      throw new NotifydError('VALIDATION_ERROR', (err as Error).message, {
        issues: [{ field: 'body.ip_allowlist', message: (err as Error).message }],
      });
    }
  }
}

function buildAllowlist(entries: string[]): BlockList | null {
  if (entries.length === 0) return null;
  const list = new BlockList();
  for (const entry of entries) addRange(list, entry);
  return list;
}

function allowed(list: BlockList | null, ip: string): boolean {
  if (list === null) return true;
  const family = isIP(ip);
  if (family === 0) return false;
  if (family === 6 && ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4) {
    return list.check(ip.slice(7), 'ipv4') || list.check(ip, 'ipv6');
  }
  return list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

interface CachedKey {
  record: ApiKeyRecord;
  allowlist: BlockList | null;
  until: number;
}

/**
 * Issues, lists, revokes and checks API keys. Verified keys are remembered for
 * `cacheMs` so the send path does not read the store on every request.
 */
export class KeyService {
  private readonly cache = new Map<string, CachedKey>();
  private readonly adminHashes: Buffer[];

  constructor(
    private readonly store: KeyStore,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly cacheMs: number,
    adminKeys: string[],
  ) {
    this.adminHashes = adminKeys.filter(Boolean).map((k) => Buffer.from(hashKey(k), 'hex'));
  }

  /** Accepts one more admin key from now on (the bootstrap key, once the store is up). */
  addAdminKey(key: string): void {
    this.adminHashes.push(Buffer.from(hashKey(key), 'hex'));
  }

  /** Creates a key; the plain key is in the result and nowhere else, ever. */
  async create(input: NewKey): Promise<{ key: string; record: ApiKeyRecord }> {
    validateAllowlist(input.ip_allowlist);
    const key = generateKey();
    const record: ApiKeyRecord = {
      id: this.ids('key'),
      name: input.name,
      hash: hashKey(key),
      prefix: key.slice(0, 10),
      scopes: [...new Set(input.scopes)],
      tenant_id: input.tenant_id,
      ip_allowlist: input.ip_allowlist,
      created_at: this.clock.now(),
      expires_at: input.expires_at,
      revoked_at: null,
      last_used_at: null,
    };
    await this.store.create(record);
    return { key, record };
  }

  list(tenantId?: string): Promise<ApiKeyRecord[]> {
    return this.store.list(tenantId);
  }

  /** The scopes of a key the caller (of `tenantId`, or of all) can see; KEY_NOT_FOUND else. */
  async scopesOf(id: string, tenantId?: string): Promise<string[]> {
    return (await this.visible(id, tenantId)).scopes;
  }

  private async visible(id: string, tenantId?: string): Promise<ApiKeyRecord> {
    const record = await this.store.get(id);
    if (!record || (tenantId !== undefined && record.tenant_id !== tenantId)) {
      throw new NotifydError('KEY_NOT_FOUND', undefined, { id });
    }
    return record;
  }

  /** Revokes a key; answers it as it was. */
  async revoke(id: string, tenantId?: string): Promise<ApiKeyRecord> {
    const record = await this.visible(id, tenantId);
    if (!(await this.store.revoke(id, this.clock.now()))) {
      throw new NotifydError('KEY_NOT_FOUND', 'The key is already revoked.', { id });
    }
    for (const [hash, cached] of this.cache) if (cached.record.id === id) this.cache.delete(hash);
    return record;
  }

  /**
   * Resolves the caller of a request. `requestedTenant` (X-Tenant-ID) is honoured only for
   * keys bound to no tenant; a tenant-bound key always acts in its own tenant.
   */
  async authenticate(
    key: string,
    remoteAddress: string,
    requestedTenant: string | undefined,
  ): Promise<ServicePrincipal> {
    const hash = hashKey(key);
    const digest = Buffer.from(hash, 'hex');
    if (this.adminHashes.some((h) => timingSafeEqual(h, digest))) {
      return {
        kind: 'service',
        key_id: 'admin',
        scopes: ['*'],
        tenant_id: requestedTenant ?? DEFAULT_TENANT,
        tenant_bound: false,
      };
    }
    const now = this.clock.now();
    let cached = this.cache.get(hash);
    if (!cached || cached.until <= now) {
      const record = await this.store.findByHash(hash);
      if (!record) throw new NotifydError('UNAUTHORIZED', 'The API key is not valid.');
      cached = {
        record,
        allowlist: buildAllowlist(record.ip_allowlist),
        until: now + this.cacheMs,
      };
      if (this.cacheMs > 0) this.cache.set(hash, cached);
      void this.store.touch(record.id, now).catch(() => {});
    }
    const { record, allowlist } = cached;
    if (record.revoked_at !== null) {
      throw new NotifydError('UNAUTHORIZED', 'The API key was revoked.');
    }
    if (record.expires_at !== null && record.expires_at <= now) {
      throw new NotifydError('UNAUTHORIZED', 'The API key has expired.');
    }
    if (!allowed(allowlist, remoteAddress)) {
      throw new NotifydError('IP_NOT_ALLOWED', undefined, { address: remoteAddress });
    }
    return {
      kind: 'service',
      key_id: record.id,
      scopes: record.scopes,
      tenant_id: record.tenant_id ?? requestedTenant ?? DEFAULT_TENANT,
      tenant_bound: record.tenant_id !== null,
    };
  }
}
