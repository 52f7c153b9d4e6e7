/**
 * Custom event types: a name and a property schema (`string|number|boolean|datetime`,
 * `required`) that events of the type must meet, as admin objects of the tenant. Ingestion
 * checks events against a cached copy, reloaded when the kind's revision moves.
 */
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { ObjectKind } from '../objects/kind.js';
import { ObjectRepository, type Stored } from '../objects/repository.js';
import type { Caller } from '../objects/tenancy.js';
import type { ObjectStore } from '../store/types.js';
import type { CreateEventTypeBody, PropertySchema } from './schemas.js';

export const EVENT_TYPE_OBJECT: ObjectKind<'analytics_event_type'> = {
  kind: 'analytics_event_type',
  idKind: 'aet',
  notFound: 'EVENT_TYPE_NOT_FOUND',
  global: {
    visibleToTenants: true,
    writeScope: 'analytics:manage',
    refusal: 'A global event type needs an analytics:manage key bound to no tenant.',
  },
};

export interface EventTypeData {
  name: string;
  description: string;
  properties_schema: Record<string, PropertySchema>;
}

export type StoredEventType = Stored<EventTypeData>;

/** How long a node uses its copy of the schemas before asking the store for changes. */
const CACHE_MS = 1000;

export class EventTypes {
  readonly repo: ObjectRepository<EventTypeData>;
  private cache: { revision: number; byTenant: Map<string, EventTypeData> } | null = null;
  private checkedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: Clock,
    ids: IdGenerator,
  ) {
    this.repo = new ObjectRepository(store, EVENT_TYPE_OBJECT, clock, ids);
  }

  async create(caller: Caller, body: CreateEventTypeBody): Promise<StoredEventType> {
    const tenant = this.repo.targetTenant(caller, undefined);
    const created = await this.repo.create(
      tenant,
      {
        name: body.name,
        description: body.description ?? '',
        properties_schema: body.properties_schema ?? {},
      },
      body.name,
    );
    this.checkedAt = Number.NEGATIVE_INFINITY;
    return created;
  }

  /** Removes a type's schema (its events stay). */
  async remove(caller: Caller, idOrName: string): Promise<StoredEventType> {
    const found = await this.repo.resolve(caller, idOrName);
    const removed = await this.repo.remove(caller, found.id);
    this.checkedAt = Number.NEGATIVE_INFINITY;
    return removed;
  }

  /** Declared types the caller sees. */
  async declared(caller: Caller): Promise<StoredEventType[]> {
    return this.repo.all(caller.tenant_bound ? [caller.tenant_id, null] : undefined);
  }

  /**
   * The schemas events must meet (a type's in the tenant, else the global one), as they are
   * now, as a synchronous lookup: a batch of events asks the store at most once.
   */
  async lookup(): Promise<SchemaLookup> {
    const now = this.clock.now();
    if (!this.cache || now - this.checkedAt >= CACHE_MS) {
      const revision = await this.store.revision([EVENT_TYPE_OBJECT.kind]);
      this.checkedAt = now;
      if (!this.cache || this.cache.revision !== revision) {
        const byTenant = new Map<string, EventTypeData>();
        for (const o of await this.repo.all())
          byTenant.set(`${o.tenant_id ?? ''}\0${o.data.name}`, o.data);
        this.cache = { revision, byTenant };
      }
    }
    const { byTenant } = this.cache;
    if (byTenant.size === 0) return noSchemas;
    return (tenant, type) =>
      byTenant.get(`${tenant}\0${type}`) ?? byTenant.get(`\0${type}`) ?? null;
  }
}

/** Finds the schema events of a type in a tenant must meet; null when none is declared. */
export type SchemaLookup = (tenant: string, type: string) => EventTypeData | null;

const noSchemas: SchemaLookup = () => null;

/** Checks properties against a schema; EVENT_SCHEMA_ERROR naming the first property that fails. */
export function checkProperties(
  schema: EventTypeData,
  properties: Record<string, unknown>,
  where: string,
): void {
  for (const [name, spec] of Object.entries(schema.properties_schema)) {
    const value = properties[name];
    const fail = (reason: string) => {
      throw new NotifydError(
        'EVENT_SCHEMA_ERROR',
        `${where}.properties.${name} ${reason} (event type ${schema.name}).`,
        { property: name, event_type: schema.name, expected: spec.type },
      );
    };
    if (value === undefined || value === null) {
      if (spec.required) fail('is required');
      continue;
    }
    if (spec.type === 'datetime') {
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) fail('must be a date-time');
    } else if (typeof value !== spec.type) {
      fail(`must be a ${spec.type}`);
    }
  }
}
