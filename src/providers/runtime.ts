/**
 * Providers added through the API (`PUT /providers/{name}`): kept in the object store, so
 * that every node loads them, with their credentials sealed by `encryption.key`
 * (AES-256-GCM). A credential is an option the plugin declares secret, or any option whose
 * key looks like one (`auth_token`, `private_key`, …) at any depth: the same rule that masks
 * them in `GET /providers`.
 */
import { isSecretKey } from '../config/mask-config.js';
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import { isSealed, type SecretBox } from '../core/secrets.js';
import type { ObjectKind } from '../objects/kind.js';
import { ObjectRepository, type Stored } from '../objects/repository.js';
import type { Caller } from '../objects/tenancy.js';
import type { ObjectStore } from '../store/types.js';
import type { ProviderSpec } from './loader.js';
import type { ProviderRateLimit } from './options.js';

/** Providers serve every tenant: they are global objects, written by an unbound admin key. */
export const PROVIDER_OBJECT: ObjectKind<'provider'> = {
  kind: 'provider',
  idKind: 'prv',
  notFound: 'PROVIDER_NOT_FOUND',
  global: {
    visibleToTenants: true,
    writeScope: 'notifications:admin',
    refusal:
      'Providers serve every tenant: adding, changing or removing one needs a notifications:admin key bound to no tenant.',
  },
};

/** The stored document of kind `provider` (keyed by the provider's name). */
export type RuntimeProviderData = {
  plugin: string;
  /** null: the plugin's own channel. */
  channel: string | null;
  priority: number;
  timeout_ms: number | null;
  /** Absent in documents stored before limits existed: no limit. */
  concurrency?: number | null;
  rate_limit?: ProviderRateLimit | null;
  /** The options as given, each credential sealed (`enc:v1:…`). */
  options: Record<string, unknown>;
};

export type StoredProvider = Stored<RuntimeProviderData>;

/** What `PUT /providers/{name}` sets. */
export interface ProviderChange {
  plugin: string;
  channel?: string | undefined;
  priority?: number | undefined;
  timeout_ms?: number | undefined;
  concurrency?: number | undefined;
  rate_limit?: ProviderRateLimit | undefined;
  options?: Record<string, unknown> | undefined;
}

/** What a credential is shown as; given back in a PUT, it keeps the stored value. */
export const MASK = '********';

/** The runtime providers in the store, sealed on the way in and opened on the way out. */
export class RuntimeProviderStore {
  private readonly objects: ObjectRepository<RuntimeProviderData>;

  constructor(
    private readonly store: ObjectStore,
    clock: Clock,
    ids: IdGenerator,
    private readonly box: SecretBox | null,
  ) {
    this.objects = new ObjectRepository(store, PROVIDER_OBJECT, clock, ids);
  }

  /** Moves whenever a runtime provider is added, changed or removed (on any node). */
  revision(): Promise<number> {
    return this.store.revision([PROVIDER_OBJECT.kind]);
  }

  /** Every stored provider. */
  all(): Promise<StoredProvider[]> {
    return this.objects.all([null]);
  }

  /** The stored provider of this name, or null. */
  async find(name: string): Promise<StoredProvider | null> {
    return (await this.store.getByKey(PROVIDER_OBJECT.kind, null, name)) as StoredProvider | null;
  }

  /** Refuses before anything is loaded when no key could seal the credentials. */
  requireKey(): void {
    if (!this.box) throw new NotifydError('ENCRYPTION_KEY_MISSING');
  }

  /**
   * The change with masked credentials (`********`, as GET shows them) replaced by the ones
   * stored, so that what GET answered can be sent back with one option changed.
   */
  async unmasked(name: string, change: ProviderChange): Promise<Record<string, unknown>> {
    const given = change.options ?? {};
    const current = await this.find(name);
    if (!current) return given;
    return keepMasked(given, this.openOptions(current.data.options)) as Record<string, unknown>;
  }

  /** Creates or replaces the provider; `secrets` are the plugin's declared secret options. */
  async put(
    caller: Caller,
    name: string,
    change: ProviderChange,
    options: Record<string, unknown>,
    secrets: readonly string[],
  ): Promise<StoredProvider> {
    const data: RuntimeProviderData = {
      plugin: change.plugin,
      channel: change.channel ?? null,
      priority: change.priority ?? 0,
      timeout_ms: change.timeout_ms ?? null,
      concurrency: change.concurrency ?? null,
      rate_limit: change.rate_limit ?? null,
      options: this.sealOptions(options, secrets),
    };
    const tenant = this.objects.targetTenant(caller, null);
    for (let attempt = 0; ; attempt++) {
      const current = await this.find(name);
      if (current) return this.objects.update(caller, current.id, () => ({ data, key: name }));
      try {
        return await this.objects.create(tenant, data, name);
      } catch (err) {
        // Another node created it in between: update that one instead.
        if (!(err instanceof NotifydError && err.code === 'ALREADY_EXISTS') || attempt > 2)
          throw err;
      }
    }
  }

  /** Deletes the provider; 404 PROVIDER_NOT_FOUND when there is none. */
  async remove(caller: Caller, name: string): Promise<StoredProvider> {
    const current = await this.find(name);
    if (!current) throw new NotifydError('PROVIDER_NOT_FOUND', undefined, { name });
    return this.objects.remove(caller, current.id);
  }

  /** What the loader needs to load a stored provider, credentials opened. */
  specOf(o: StoredProvider): ProviderSpec {
    return {
      name: o.key ?? o.id,
      plugin: o.data.plugin,
      channel: o.data.channel ?? undefined,
      priority: o.data.priority,
      timeout_ms: o.data.timeout_ms ?? undefined,
      concurrency: o.data.concurrency ?? undefined,
      rate_limit: o.data.rate_limit ?? undefined,
      options: this.openOptions(o.data.options),
      where: `runtime provider ${o.key}`,
      expandEnv: false,
    };
  }

  /** Options with every credential sealed (a JSON text of its value, sealed). */
  sealOptions(
    options: Record<string, unknown>,
    secrets: readonly string[],
  ): Record<string, unknown> {
    const box = this.box;
    if (!box) throw new NotifydError('ENCRYPTION_KEY_MISSING');
    const seal = (value: unknown, secret: boolean): unknown => {
      if (secret && value !== '' && value !== null && value !== undefined) {
        return box.seal(JSON.stringify(value));
      }
      if (Array.isArray(value)) return value.map((v) => seal(v, false));
      if (typeof value === 'object' && value !== null) {
        return Object.fromEntries(
          Object.entries(value).map(([k, v]) => [k, seal(v, isSecretKey(k))]),
        );
      }
      return value;
    };
    return Object.fromEntries(
      Object.entries(options).map(([k, v]) => [k, seal(v, secrets.includes(k) || isSecretKey(k))]),
    );
  }

  /** Options with every sealed credential opened (throws SecretOpenError on another key). */
  openOptions(options: Record<string, unknown>): Record<string, unknown> {
    const box = this.box;
    const open = (value: unknown): unknown => {
      if (isSealed(value)) {
        if (!box) throw new NotifydError('ENCRYPTION_KEY_MISSING');
        return JSON.parse(box.open(value));
      }
      if (Array.isArray(value)) return value.map(open);
      if (typeof value === 'object' && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, open(v)]));
      }
      return value;
    };
    return open(options) as Record<string, unknown>;
  }
}

/** `given` with each `********` replaced by the value at the same place in `stored`. */
function keepMasked(given: unknown, stored: unknown): unknown {
  if (given === MASK) return stored === undefined ? given : stored;
  if (Array.isArray(given)) {
    return given.map((v, i) => keepMasked(v, Array.isArray(stored) ? stored[i] : undefined));
  }
  if (typeof given === 'object' && given !== null) {
    const base = (typeof stored === 'object' && stored !== null ? stored : {}) as Record<
      string,
      unknown
    >;
    return Object.fromEntries(Object.entries(given).map(([k, v]) => [k, keepMasked(v, base[k])]));
  }
  return given;
}
