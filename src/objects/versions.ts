/**
 * The past versions of a versioned admin object (a template, a workflow): every change keeps
 * the version it replaces as an object of its own kind, keyed `<object id>:<version>` in the
 * object's tenant, so that any version stays readable after the object moved on.
 */
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { ObjectStore } from '../store/types.js';
import type { ObjectKind } from './kind.js';
import {
  type Caller,
  type Change,
  ObjectRepository,
  type Page,
  type Stored,
} from './repository.js';

/** The key a past version is kept under. */
export const versionKey = (objectId: string, version: number) => `${objectId}:${version}`;

export class PastVersions<D extends object, V extends object> {
  private readonly repo: ObjectRepository<V>;

  constructor(
    private readonly store: ObjectStore,
    private readonly kind: ObjectKind,
    clock: Clock,
    ids: IdGenerator,
    /** The current version as a past one is kept. */
    private readonly snapshot: (current: Stored<D>) => V,
  ) {
    this.repo = new ObjectRepository<V>(store, kind, clock, ids);
  }

  /** Keeps the version about to be replaced (once: a retried change finds it kept). */
  async keep(current: Stored<D>): Promise<void> {
    try {
      await this.repo.create(
        current.tenant_id,
        this.snapshot(current),
        versionKey(current.id, current.version),
      );
    } catch (err) {
      if (!(err instanceof NotifydError && err.code === 'ALREADY_EXISTS')) throw err;
    }
  }

  /**
   * Version `version` of `current`: itself, or a kept one; null for one never kept (made
   * before versions were kept) or not made yet.
   */
  async find(current: Stored<D>, version: number): Promise<V | null> {
    if (version === current.version) return this.snapshot(current);
    if (version < 1 || version > current.version) return null;
    const found = await this.store.getByKey(
      this.kind.kind,
      current.tenant_id,
      versionKey(current.id, version),
    );
    return found ? (found.data as unknown as V) : null;
  }

  /** Like find, but a missing version is 404 with the kind's `notFound` code. */
  async get(current: Stored<D>, version: number): Promise<V> {
    const found = await this.find(current, version);
    if (found) return found;
    throw new NotifydError(this.kind.notFound, undefined, {
      id: current.id,
      version,
      current: current.version,
    });
  }

  /** A page of versions, newest first (the current one first); ones never kept are left out. */
  async page<T>(
    current: Stored<D>,
    query: { page?: number; per_page?: number },
    view: (v: V, isCurrent: boolean) => T,
  ): Promise<Page<T>> {
    const page = query.page ?? 1;
    const perPage = query.per_page ?? 50;
    const items: T[] = [];
    const first = current.version - (page - 1) * perPage;
    for (let n = first; n > 0 && n > first - perPage; n--) {
      const v = await this.find(current, n);
      if (v) items.push(view(v, n === current.version));
    }
    return { items, page, per_page: perPage, total: current.version };
  }

  /** Forgets the past versions of an object that was deleted. */
  async discard(removed: Stored<D>): Promise<void> {
    for (let n = 1; n < removed.version; n++) {
      const kept = await this.store.getByKey(
        this.kind.kind,
        removed.tenant_id,
        versionKey(removed.id, n),
      );
      if (kept) await this.repo.discard(kept.id);
    }
  }
}

/**
 * The repository of a versioned kind: every change through `update` keeps the version it
 * replaces (in `past`), and `remove` forgets them with the object. (`replace`, notifyd's own
 * write, keeps none: no versioned kind uses it.)
 */
export class VersionedRepository<D extends object, V extends object> extends ObjectRepository<D> {
  /** The kind's past versions. */
  readonly past: PastVersions<D, V>;

  constructor(
    store: ObjectStore,
    kind: ObjectKind,
    /** The kind its past versions are kept as. */
    versionKind: ObjectKind,
    clock: Clock,
    ids: IdGenerator,
    /** The current version as a past one is kept. */
    snapshot: (current: Stored<D>) => V,
  ) {
    super(store, kind, clock, ids);
    this.past = new PastVersions(store, versionKind, clock, ids, snapshot);
  }

  /** As ObjectRepository.update, keeping the version replaced once `change` has passed. */
  override update(
    caller: Caller,
    id: string,
    change: Change<D>,
    version?: number,
  ): Promise<Stored<D>> {
    return super.update(
      caller,
      id,
      async (current) => {
        const next = await change(current);
        await this.past.keep(current);
        return next;
      },
      version,
    );
  }

  /** Deletes an object and its past versions. */
  override async remove(
    caller: Caller,
    id: string,
    guard?: (o: Stored<D>) => Promise<void>,
  ): Promise<Stored<D>> {
    const removed = await super.remove(caller, id, guard);
    await this.past.discard(removed);
    return removed;
  }

  /**
   * A page of the versions of the object `idOrKey` names, newest first (the current one
   * first), each as `view` makes it from the version, whether it is current, and the object.
   */
  async versions<T>(
    caller: Caller,
    idOrKey: string,
    query: { page?: number; per_page?: number },
    view: (v: V, isCurrent: boolean, current: Stored<D>) => T,
  ): Promise<Page<T>> {
    const current = await this.resolve(caller, idOrKey);
    return this.past.page(current, query, (v, isCurrent) => view(v, isCurrent, current));
  }
}
