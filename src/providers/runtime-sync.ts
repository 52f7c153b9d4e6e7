/**
 * Runtime providers on this node: those added through the API (`PUT /providers/{name}`),
 * loaded from the store into the running registry, kept in line with it as other nodes
 * change it, and changed through the API here. One sync or change runs at a time.
 */
import { NotifydError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { EventBus } from '../events/bus.js';
import type { Caller } from '../objects/tenancy.js';
import { type LoadedProvider, type LoaderDeps, loadProvider, ProviderLoadError } from './loader.js';
import type { ProviderRegistry, ProviderView, RegisteredProvider } from './registry.js';
import type { ProviderChange, RuntimeProviderStore, StoredProvider } from './runtime.js';

/** What the sync needs of the running providers. */
export interface RuntimeHost {
  /** The running registry; null before start. */
  registry(): ProviderRegistry | null;
  /** Puts a loaded provider in the registry, closing the one it replaces; starts idle workers. */
  register(p: LoadedProvider): void;
  /** A provider's view by name (404 PROVIDER_NOT_FOUND). */
  view(name: string): ProviderView;
}

export class RuntimeProviderSync {
  /** Runtime providers this node runs: name → the stored `id:version` it loaded. */
  private readonly loaded = new Map<string, string>();
  private seenRevision: number | null = null;
  private stopped = false;
  /** One sync at a time, and API changes wait for it (and it for them). */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly runtime: RuntimeProviderStore,
    private readonly deps: LoaderDeps,
    private readonly host: RuntimeHost,
    private readonly ctx: { logger: Logger; bus: EventBus },
  ) {}

  /** Runs `fn` after every sync and change before it on this node. */
  private inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.turn.then(fn, fn);
    this.turn = run.catch(() => {});
    return run;
  }

  private unregister(name: string): void {
    void this.host
      .registry()
      ?.remove(name)
      ?.instance.close?.()
      ?.catch(() => {});
    this.loaded.delete(name);
  }

  /** Syncs no more (the daemon is stopping). */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Brings this node's runtime providers in line with the store: loads those added or
   * changed (on any node) since the last look, drops those removed. Cheap when nothing
   * changed (one revision read); runs every `delivery.providers_reload_ms`.
   */
  sync(): Promise<void> {
    return this.inTurn(async () => {
      const registry = this.host.registry();
      if (!registry || this.stopped) return;
      const revision = await this.runtime.revision();
      if (revision === this.seenRevision) return;
      const stored = await this.runtime.all();
      const names = new Set<string>();
      for (const o of stored) {
        const name = o.key ?? o.id;
        names.add(name);
        const tag = `${o.id}:${o.version}`;
        if (this.loaded.get(name) === tag) continue;
        this.loaded.set(name, tag);
        const existing = registry.get(name);
        if (existing && existing.origin === 'config') {
          this.ctx.logger.warn(
            { provider: name },
            `runtime provider ${name} is ignored: the configuration file has a provider of that name`,
          );
          continue;
        }
        try {
          this.host.register(await loadProvider(this.runtime.specOf(o), this.deps));
        } catch (err) {
          this.ctx.logger.error(
            { err, provider: name },
            `runtime provider ${name} cannot be loaded on this node; it is skipped`,
          );
          if (existing) this.unregister(name);
          this.loaded.set(name, tag);
        }
      }
      for (const name of [...this.loaded.keys()]) {
        if (!names.has(name)) this.unregister(name);
      }
      this.seenRevision = revision;
    });
  }

  private configured(name: string): RegisteredProvider | undefined {
    const p = this.host.registry()?.get(name);
    return p?.origin === 'config' ? p : undefined;
  }

  private readOnly(name: string): NotifydError {
    return new NotifydError(
      'PROVIDER_READ_ONLY',
      `Provider "${name}" comes from the configuration file; change it there (or give the runtime provider another name).`,
      { name, source: 'config' },
    );
  }

  /**
   * Adds or replaces a runtime provider: loaded and checked first (400 naming the bad
   * option), then stored with its credentials sealed, then serving on this node at once.
   */
  put(caller: Caller, name: string, change: ProviderChange): Promise<ProviderView> {
    return this.inTurn(async () => {
      if (this.configured(name)) throw this.readOnly(name);
      this.runtime.requireKey();
      const options = await this.runtime.unmasked(name, change);
      let loaded: LoadedProvider;
      try {
        loaded = await loadProvider(
          {
            name,
            plugin: change.plugin,
            channel: change.channel,
            priority: change.priority ?? 0,
            timeout_ms: change.timeout_ms,
            concurrency: change.concurrency,
            rate_limit: change.rate_limit,
            options,
            where: `PUT /providers/${name}`,
            expandEnv: false,
          },
          this.deps,
        );
      } catch (err) {
        if (!(err instanceof ProviderLoadError)) throw err;
        const field = `body.${err.field ?? 'plugin'}`;
        throw new NotifydError('VALIDATION_ERROR', `${field}: ${err.reason}`, {
          issues: [{ field, message: err.reason }],
        });
      }
      let stored: StoredProvider;
      try {
        stored = await this.runtime.put(caller, name, change, options, loaded.secrets);
      } catch (err) {
        await loaded.instance.close?.();
        throw err;
      }
      this.loaded.set(name, `${stored.id}:${stored.version}`);
      this.host.register(loaded);
      this.ctx.bus.emit('notification.provider.configured', null, {
        provider: name,
        channel: loaded.channel,
        plugin: loaded.plugin,
        version: stored.version,
        actor: caller.key_id,
      });
      return this.host.view(name);
    });
  }

  /** Removes a runtime provider from the store and from this node (others follow). */
  remove(caller: Caller, name: string): Promise<void> {
    return this.inTurn(async () => {
      if (this.configured(name)) throw this.readOnly(name);
      const removed = await this.runtime.remove(caller, name);
      const channel = this.host.registry()?.get(name)?.channel ?? removed.data.channel ?? '';
      this.unregister(name);
      this.ctx.bus.emit('notification.provider.removed', null, {
        provider: name,
        channel,
        plugin: removed.data.plugin,
        version: removed.version,
        actor: caller.key_id,
      });
    });
  }
}
