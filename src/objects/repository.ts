import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import { StoreConflictError } from '../store/errors.js';
import type { ObjectStore, StoredObject } from '../store/types.js';
import type { ObjectKind } from './kind.js';
import type { ListQuery } from './schemas.js';
import { type Caller, listedTenants, targetTenant, visible } from './tenancy.js';

export type { Caller } from './tenancy.js';

/** A stored object with its document typed. */
export type Stored<D> = Omit<StoredObject, 'data'> & { data: D };

/** What a change makes of the object it is given: its new document and key. */
export type Change<D> = (
  current: Stored<D>,
) => Promise<{ data: D; key: string | null }> | { data: D; key: string | null };

/** One page of a list, as the services answer it. */
export interface Page<T> {
  items: T[];
  page: number;
  per_page: number;
  total: number;
}

const DEFAULT_PER_PAGE = 50;

/**
 * One kind of tenant-scoped, versioned admin object in the object store, with the tenancy
 * rules of `tenancy.ts`: a caller sees its tenant's objects (and the global ones where the
 * kind allows); a tenant-bound key reaches no other tenant; only an unbound admin key writes
 * global objects. Every admin object kind (rate-limit policies, webhooks, templates…) is one.
 */
export class ObjectRepository<D extends object> {
  /** The object-store kind, e.g. `ratelimit_policy`. */
  readonly kind: string;

  constructor(
    private readonly store: ObjectStore,
    private readonly def: ObjectKind,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {
    this.kind = def.kind;
  }

  /** The tenant a new object goes to: the one asked for (null: global), else the caller's. */
  targetTenant(caller: Caller, requested: string | null | undefined): string | null {
    return targetTenant(this.def, caller, requested);
  }

  /** Creates an object; a taken key is 409 ALREADY_EXISTS. */
  async create(tenantId: string | null, data: D, key: string | null): Promise<Stored<D>> {
    try {
      return (await this.store.create({
        kind: this.kind,
        id: this.ids(this.def.idKind),
        tenant_id: tenantId,
        key,
        data: data as Record<string, unknown>,
        created_at: this.clock.now(),
      })) as Stored<D>;
    } catch (err) {
      if (err instanceof StoreConflictError) throw this.exists(key);
      throw err;
    }
  }

  /** An object the caller may see, or 404 with this kind's code. */
  async get(caller: Caller, id: string): Promise<Stored<D>> {
    const found = (await this.store.get(this.kind, id)) as Stored<D> | null;
    if (!found || !this.visible(caller, found)) {
      throw new NotifydError(this.def.notFound, undefined, { id });
    }
    return found;
  }

  /** By key: the caller's tenant's object first, then the global one; null when neither. */
  async findByKey(
    caller: Caller,
    key: string,
    tenantId: string | null = caller.tenant_id,
  ): Promise<Stored<D> | null> {
    if (tenantId !== null) {
      const own = await this.store.getByKey(this.kind, tenantId, key);
      if (own && this.visible(caller, own as Stored<D>)) return own as Stored<D>;
    }
    return (await this.store.getByKey(this.kind, null, key)) as Stored<D> | null;
  }

  /** An object by id, or else by key (a name people type), or 404. */
  async resolve(caller: Caller, idOrKey: string): Promise<Stored<D>> {
    if (idOrKey.startsWith(`${this.def.idKind}_`)) return this.get(caller, idOrKey);
    const found = await this.findByKey(caller, idOrKey);
    if (!found) throw new NotifydError(this.def.notFound, undefined, { id: idOrKey });
    return found;
  }

  /** A page of what the caller sees, oldest first; `keep` filters (then paging is here). */
  async list(
    caller: Caller,
    query: ListQuery,
    keep?: (o: Stored<D>) => boolean,
  ): Promise<Page<Stored<D>>> {
    const page = query.page ?? 1;
    const perPage = query.per_page ?? DEFAULT_PER_PAGE;
    const tenants = listedTenants(this.def, caller, query.scope);
    const offset = (page - 1) * perPage;
    if (!keep) {
      const { items, total } = await this.store.list({
        kind: this.kind,
        tenants,
        offset,
        limit: perPage,
      });
      return { items: items as Stored<D>[], page, per_page: perPage, total };
    }
    const all = ((await this.store.list({ kind: this.kind, tenants })).items as Stored<D>[]).filter(
      keep,
    );
    return {
      items: all.slice(offset, offset + perPage),
      page,
      per_page: perPage,
      total: all.length,
    };
  }

  /** Every object of the kind in these tenants (null: global), or of every tenant. */
  async all(tenants?: ReadonlyArray<string | null>): Promise<Stored<D>[]> {
    return (await this.store.list({ kind: this.kind, ...(tenants ? { tenants } : {}) }))
      .items as Stored<D>[];
  }

  /**
   * Changes an object the caller may write. With `version`, only at that version (else 409
   * VERSION_CONFLICT); without, a concurrent change is read again and `change` re-applied.
   */
  async update(
    caller: Caller,
    id: string,
    change: Change<D>,
    version?: number,
  ): Promise<Stored<D>> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.writable(caller, id);
      if (version !== undefined && current.version !== version) throw this.stale(current.version);
      const next = await change(current);
      const outcome = await this.store.update(
        this.kind,
        id,
        { data: next.data as Record<string, unknown>, key: next.key },
        current.version,
        this.clock.now(),
      );
      if (outcome.status === 'ok') return outcome.object as Stored<D>;
      if (outcome.status === 'key_taken') throw this.exists(next.key);
      if (outcome.status === 'not_found')
        throw new NotifydError(this.def.notFound, undefined, { id });
      if (version !== undefined || attempt >= 4) throw this.stale(outcome.current.version);
    }
  }

  /**
   * Changes `current` as notifyd itself (no caller), only while it is still at the version it
   * was read at: null when another change, or another node, came first.
   */
  async replace(current: Stored<D>, data: D, key: string | null): Promise<Stored<D> | null> {
    const outcome = await this.store.update(
      this.kind,
      current.id,
      { data: data as Record<string, unknown>, key },
      current.version,
      this.clock.now(),
    );
    return outcome.status === 'ok' ? (outcome.object as Stored<D>) : null;
  }

  /**
   * Moves an object to a new version without changing it, as notifyd itself: whoever read
   * it before (a delete checking that nothing refers to it) then fails on its version and
   * must look again. False when the object no longer exists. A concurrent change that wins
   * the race moves the version just as well.
   */
  async touch(id: string): Promise<boolean> {
    const current = await this.store.get(this.kind, id);
    if (!current) return false;
    const outcome = await this.store.update(
      this.kind,
      id,
      { data: current.data, key: current.key },
      current.version,
      this.clock.now(),
    );
    return outcome.status !== 'not_found';
  }

  /** Deletes an object as notifyd itself (undoing a write that lost a race). */
  async discard(id: string): Promise<void> {
    await this.store.remove(this.kind, id);
  }

  /** Deletes an object the caller may write, after `guard` (which may refuse) passes. */
  async remove(
    caller: Caller,
    id: string,
    guard?: (o: Stored<D>) => Promise<void>,
  ): Promise<Stored<D>> {
    const current = await this.writable(caller, id);
    await guard?.(current);
    const outcome = await this.store.remove(this.kind, id, current.version);
    if (outcome.status === 'ok') return outcome.object as Stored<D>;
    if (outcome.status === 'version_conflict') throw this.stale(outcome.current.version);
    throw new NotifydError(this.def.notFound, undefined, { id });
  }

  /** An object the caller may change: seen, and global ones only by a global admin. */
  async writable(caller: Caller, id: string): Promise<Stored<D>> {
    const found = await this.get(caller, id);
    if (found.tenant_id === null) this.targetTenant(caller, null);
    return found;
  }

  /** Whether the caller may see an object. */
  visible(caller: Caller, o: Stored<D>): boolean {
    return visible(this.def, caller, o.tenant_id);
  }

  private exists(key: string | null): NotifydError {
    return new NotifydError(
      'ALREADY_EXISTS',
      `A ${this.kind.replace(/_/g, ' ')} named ${key ?? '(none)'} already exists in this tenant.`,
      { kind: this.kind, key },
    );
  }

  private stale(version: number): NotifydError {
    return new NotifydError('VERSION_CONFLICT', undefined, { version });
  }
}
