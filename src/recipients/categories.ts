import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { Channel } from '../notifications/channels.js';
import type { Category } from '../notifications/ports.js';
import type { ObjectKind } from '../objects/kind.js';
import { ObjectRepository, type Page, type Stored } from '../objects/repository.js';
import type { ListQuery } from '../objects/schemas.js';
import type { Caller } from '../objects/tenancy.js';
import type { ObjectStore } from '../store/types.js';
import type { CategoryData, CreateCategoryBody, UpdateCategoryBody } from './schemas.js';
import { invalid } from './validation.js';

/** Categories as admin objects, keyed by their slug; global ones apply in every tenant. */
export const CATEGORY_OBJECT: ObjectKind<'notification_category'> = {
  kind: 'notification_category',
  idKind: 'cat',
  notFound: 'CATEGORY_NOT_FOUND',
  global: {
    visibleToTenants: true,
    writeScope: 'notifications:admin',
    refusal:
      'A global category applies in every tenant: it needs a notifications:admin key bound to no tenant.',
  },
};

export type StoredCategory = Stored<CategoryData>;

const iso = (ms: number) => new Date(ms).toISOString();

export function categoryView(o: StoredCategory) {
  return {
    id: o.key as string,
    tenant_id: o.tenant_id,
    name: o.data.name,
    description: o.data.description,
    default_channels: o.data.default_channels,
    mandatory: o.data.mandatory,
    parent: o.data.parent,
    version: o.version,
    created_at: iso(o.created_at),
    updated_at: iso(o.updated_at),
  };
}

/** How long routing uses a category it read before reading it again. */
const CACHE_MS = 1000;
/** How deep a parent chain may go. */
export const MAX_DEPTH = 8;

/** Categories: their admin API, and the cached reads routing and preferences make. */
export class CategoryService {
  private readonly objects: ObjectRepository<CategoryData>;
  private readonly cache = new Map<string, { at: number; category: Category | null }>();

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: Clock,
    ids: IdGenerator,
  ) {
    this.objects = new ObjectRepository(store, CATEGORY_OBJECT, clock, ids);
  }

  async create(caller: Caller, body: CreateCategoryBody & { tenant_id?: string | null }) {
    const tenant = this.objects.targetTenant(caller, body.tenant_id);
    const parent = body.parent ?? null;
    if (parent !== null) await this.checkParent(caller, body.id, parent);
    const created = await this.objects.create(
      tenant,
      {
        name: body.name,
        description: body.description ?? null,
        default_channels: body.default_channels ?? ['in_app'],
        mandatory: body.mandatory ?? false,
        parent,
      },
      body.id,
    );
    this.cache.clear();
    return created;
  }

  list(caller: Caller, query: ListQuery): Promise<Page<StoredCategory>> {
    return this.objects.list(caller, query);
  }

  /** By slug: the tenant's, else the global one; 404 CATEGORY_NOT_FOUND. */
  async get(caller: Caller, slug: string): Promise<StoredCategory> {
    const found = await this.objects.findByKey(caller, slug);
    if (!found) throw new NotifydError('CATEGORY_NOT_FOUND', undefined, { id: slug });
    return found;
  }

  async update(caller: Caller, slug: string, body: UpdateCategoryBody) {
    const current = await this.get(caller, slug);
    const { version, ...change } = body;
    if (change.parent) await this.checkParent(caller, slug, change.parent);
    const updated = await this.objects.update(
      caller,
      current.id,
      (o) => ({ data: { ...o.data, ...change }, key: o.key }),
      version,
    );
    this.cache.clear();
    return updated;
  }

  async remove(caller: Caller, slug: string) {
    const current = await this.get(caller, slug);
    const removed = await this.objects.remove(caller, current.id);
    this.cache.clear();
    return removed;
  }

  /** A category as routing sees it (the tenant's, else the global one), cached briefly. */
  async lookup(tenantId: string, slug: string): Promise<Category | null> {
    const key = `${tenantId}\u0000${slug}`;
    const now = this.clock.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < CACHE_MS) return hit.category;
    const o = ((await this.store.getByKey(CATEGORY_OBJECT.kind, tenantId, slug)) ??
      (await this.store.getByKey(CATEGORY_OBJECT.kind, null, slug))) as StoredCategory | null;
    const category: Category | null = o
      ? {
          id: slug,
          tenant_id: tenantId,
          name: o.data.name,
          description: o.data.description,
          default_channels: o.data.default_channels as Channel[],
          mandatory: o.data.mandatory,
          parent: o.data.parent,
        }
      : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { at: now, category });
    return category;
  }

  /** The category and its parents, nearest first (bounded, cycles cut). */
  async chain(tenantId: string, slug: string): Promise<Category[]> {
    const out: Category[] = [];
    const seen = new Set<string>();
    let next: string | null = slug;
    while (next !== null && out.length < MAX_DEPTH && !seen.has(next)) {
      seen.add(next);
      const c = await this.lookup(tenantId, next);
      if (!c) break;
      out.push(c);
      next = c.parent;
    }
    return out;
  }

  /** Every category the tenant sees (its own and the global ones). */
  async allOf(tenantId: string): Promise<StoredCategory[]> {
    const all = await this.objects.all([tenantId, null]);
    const own = new Set(all.filter((o) => o.tenant_id !== null).map((o) => o.key));
    return all.filter((o) => o.tenant_id !== null || !own.has(o.key));
  }

  /** The parent must exist and must not lead back to the category. */
  private async checkParent(caller: Caller, slug: string, parent: string): Promise<void> {
    if (parent === slug) throw invalid('body.parent', 'cannot be the category itself');
    if (!(await this.objects.findByKey(caller, parent))) {
      throw invalid('body.parent', `names no category (${parent})`);
    }
    const chain = await this.chain(caller.tenant_id, parent);
    if (chain.some((c) => c.id === slug)) throw invalid('body.parent', 'would make a cycle');
  }
}
