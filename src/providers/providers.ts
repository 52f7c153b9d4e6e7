/**
 * The running providers: the configured plugins loaded at start-up (a provider that fails to
 * load or whose options fail its schema stops the daemon) and runtime ones synced from the
 * store, in priority order with their health, and the delivery workers over the delivery port.
 */
import { NotifydError } from '../core/errors.js';
import { SecretBox } from '../core/secrets.js';
import type { ModuleContext } from '../modules/contract.js';
import type {
  DeliveryPort,
  DeliveryReports,
  ProviderChannels,
} from '../notifications/delivery-port.js';
import type { Caller } from '../objects/tenancy.js';
import type { RateLimitStore } from '../ratelimit/spec.js';
import type { SchedulerService } from '../scheduler/service.js';
import { LaterOutcomes } from './later-outcomes.js';
import {
  type LoadedProvider,
  type LoaderDeps,
  loadConsoleFallback,
  loadProviders,
  ProviderLoadError,
} from './loader.js';
import { ProviderMetrics } from './metrics.js';
import type { DeliveryOptions, ProvidersConfig } from './options.js';
import type { ProviderLinks } from './plugin.js';
import { type TestOutcome, testProvider } from './provider-test.js';
import { ProviderRegistry, type ProviderView, type RegisteredProvider } from './registry.js';
import { type ProviderChange, RuntimeProviderStore } from './runtime.js';
import { RuntimeProviderSync } from './runtime-sync.js';
import { StatusPoller } from './status-poll.js';
import type { EmailOptOut } from './unsubscribe-route.js';
import { UnsubscribeTokens, unsubscribeUrl } from './unsubscribe-token.js';
import { DeliveryWorker, type Timer } from './worker.js';

/** `providers.*` and `delivery.*`, and where plugins and `${NAME}` references are read. */
export interface ProvidersOptions {
  providers: ProvidersConfig;
  delivery: DeliveryOptions;
  /** `encryption.key`: seals runtime providers' credentials; empty refuses runtime providers. */
  encryption_key?: string;
  /** `server.public_url`: status callbacks and unsubscribe links point at it; empty: none. */
  public_url?: string;
  /** Relative plugin paths and package names resolve from here. Default: process.cwd(). */
  cwd?: string;
  env?: Record<string, string | undefined>;
  builtinsDir?: string;
}

/** What the module takes from the others: the delivery port (the workers run only with it). */
export interface ProvidersNeeds {
  deliveries?: DeliveryPort;
  /** Where status callbacks settle deliveries (Twilio's). */
  reports?: DeliveryReports;
  /** Where one-click unsubscribes turn a category's email off. */
  preferences?: EmailOptOut;
  /**
   * The rate-limit engine's limiter, which counts providers' `rate_limit`s (default: the
   * store's rate-limit state, unguarded).
   */
  limiter?: RateLimitStore;
  /** Where status polls run (providers that answer `confirms_later: 'poll'`). */
  scheduler?: SchedulerService;
  /** Tests: the backoff's jitter and the timers. */
  random?: () => number;
  timer?: Timer;
}

/** The running providers: what the routes and the server read. */
export class Providers implements ProviderChannels {
  registry: ProviderRegistry | null = null;
  worker: DeliveryWorker | null = null;
  /** The providers added through the API, in the store. */
  readonly runtime: RuntimeProviderStore;
  private readonly abort = new AbortController();
  private readonly metrics: ProviderMetrics;
  /** Where providers' later reports (callbacks, polls) settle deliveries. */
  readonly outcomes: LaterOutcomes;
  /** Status polls; null without a scheduler (a 'poll' send then counts as delivered). */
  private readonly poller: StatusPoller | null;
  private unsubscribe: (() => void) | null = null;
  private readonly deps: LoaderDeps;
  /** Runtime providers: loaded from the store, kept in line with it, changed by the API. */
  private readonly runtimeSync: RuntimeProviderSync;
  /** `server.public_url` without a trailing slash; '' when unset. */
  readonly publicUrl: string;
  private readonly unsubscribeTokens: UnsubscribeTokens | null;

  constructor(private readonly ctx: ModuleContext<ProvidersOptions, ProvidersNeeds>) {
    this.metrics = new ProviderMetrics(ctx.metrics);
    const { options, clock, logger, store, ids, services, bus } = ctx;
    this.outcomes = new LaterOutcomes({
      reports: services.reports,
      emit: (type, tenant, data) => bus.emit(type, tenant, data),
      clock,
      metrics: this.metrics,
    });
    this.poller = services.scheduler
      ? new StatusPoller({
          scheduler: services.scheduler,
          provider: (name) => this.registry?.get(name),
          outcomes: this.outcomes,
          settings: options.delivery.status_poll,
          clock,
          logger,
          metrics: this.metrics,
        })
      : null;
    this.publicUrl = (options.public_url ?? '').replace(/\/+$/, '');
    this.unsubscribeTokens = UnsubscribeTokens.fromEncryptionKey(options.encryption_key ?? '');
    this.deps = { logger, clock, signal: this.abort.signal, links: this.links() };
    if (options.cwd) this.deps.cwd = options.cwd;
    if (options.env) this.deps.env = options.env;
    if (options.builtinsDir) this.deps.builtinsDir = options.builtinsDir;
    const box = SecretBox.fromKey(options.encryption_key ?? '');
    this.runtime = new RuntimeProviderStore(store.objects, clock, ids, box);
    this.runtimeSync = new RuntimeProviderSync(
      this.runtime,
      this.deps,
      {
        registry: () => this.registry,
        register: (p) => this.register(p),
        view: (name) => this.view(name),
      },
      { logger, bus },
    );
  }

  /** What plugins get to link back to notifyd (Twilio's status callback, unsubscribe links). */
  private links(): ProviderLinks {
    const publicUrl = this.publicUrl || null;
    const tokens = this.unsubscribeTokens;
    return {
      publicUrl,
      unsubscribe: (tenant_id, subscriber_id, category) =>
        publicUrl && tokens
          ? unsubscribeUrl(publicUrl, tokens, { tenant_id, subscriber_id, category })
          : null,
    };
  }

  /** The one-click unsubscribe tokens' signer; null without `encryption.key`. */
  get unsubscribeSigner(): UnsubscribeTokens | null {
    return this.unsubscribeTokens;
  }

  /** The twilio providers running now. */
  twilioProviders(): RegisteredProvider[] {
    return this.registry?.all().filter((p) => p.plugin === 'twilio') ?? [];
  }

  serves(channel: string): boolean {
    return (this.registry?.forChannel(channel).length ?? 0) > 0;
  }

  /**
   * Loads every configured provider (throws ProviderLoadError), then the runtime ones from
   * the store (one that fails is logged and skipped; a store that is down is read later),
   * then starts the workers.
   */
  async start(): Promise<void> {
    const { options, clock, logger, bus, services } = this.ctx;
    const loaded = await loadProviders(options.providers, this.deps);
    if (this.publicUrl && !this.unsubscribeTokens && loaded.some((p) => p.plugin === 'smtp')) {
      throw new ProviderLoadError(
        'smtp',
        'server.public_url is set and an smtp provider is configured, but encryption.key (NOTIFYD_ENCRYPTION_KEY) is not: it signs the one-click unsubscribe links emails carry. Set it (e.g. `openssl rand -base64 32`), or unset server.public_url.',
      );
    }
    if (loaded.length === 0 && options.delivery.console_fallback) {
      loaded.push(...(await loadConsoleFallback(this.deps)));
      logger.info(
        'no provider is configured: the built-in console serves push, sms, email and webhook (it only logs them); configure providers to deliver, or set delivery.console_fallback: false',
      );
    }
    const { delivery } = options;
    this.registry = new ProviderRegistry(
      loaded,
      {
        ...delivery.circuit,
        timeout_ms: delivery.timeout_ms,
        limiter: services.limiter ?? this.ctx.store.ratelimit,
      },
      clock,
      (p, state, lastError) => {
        this.metrics.circuitChanged(p.name, p.channel, state);
        bus.emit('provider.circuit_changed', null, {
          provider: p.name,
          channel: p.channel,
          state,
          last_error: lastError,
        });
        logger.warn(
          { provider: p.name, state, last_error: lastError },
          `provider ${p.name}: circuit ${state}`,
        );
      },
    );
    for (const p of loaded) this.announce(p);
    await this.sync().catch((err: unknown) =>
      logger.warn({ err }, 'providers: cannot read the runtime providers yet; retried'),
    );
    const port = services.deliveries;
    if (!port) return;
    this.worker = new DeliveryWorker({
      port,
      registry: this.registry,
      settings: delivery,
      clock,
      logger,
      emit: (type, tenant, data) => bus.emit(type, tenant, data),
      metrics: this.metrics,
      ...(this.poller ? { poller: this.poller } : {}),
      ...(services.random ? { random: services.random } : {}),
      ...(services.timer ? { timer: services.timer } : {}),
    });
    if (!delivery.workers.enabled) return;
    this.unsubscribe = port.onQueued((channels) => {
      if (channels.some((c) => this.serves(c))) this.worker?.nudge();
    });
    this.worker.start();
  }

  private announce(p: LoadedProvider): void {
    this.metrics.register(p.name, p.channel);
    this.ctx.logger.info(
      { provider: p.name, channel: p.channel, plugin: p.plugin, source: p.source },
      `provider ${p.name} (${p.plugin}) serves ${p.channel}`,
    );
  }

  /** Puts a provider in the registry, closing the one it replaces; starts idle workers. */
  private register(p: LoadedProvider): void {
    const replaced = this.registry?.add(p, 'runtime');
    void replaced?.instance.close?.()?.catch(() => {});
    this.announce(p);
    if (this.ctx.options.delivery.workers.enabled) this.worker?.start();
  }

  /** Loads and drops runtime providers to match the store (see RuntimeProviderSync.sync). */
  sync(): Promise<void> {
    return this.runtimeSync.sync();
  }

  /** A provider's view by name, whichever its source; 404 PROVIDER_NOT_FOUND. */
  view(name: string): ProviderView {
    const p = this.registry?.get(name);
    if (!this.registry || !p) {
      throw new NotifydError('PROVIDER_NOT_FOUND', `No provider is named "${name}".`, { name });
    }
    return this.registry.view(p);
  }

  /** Adds or replaces a runtime provider (see RuntimeProviderSync.put). */
  put(caller: Caller, name: string, change: ProviderChange): Promise<ProviderView> {
    return this.runtimeSync.put(caller, name, change);
  }

  /** Removes a runtime provider from the store and from this node (others follow). */
  remove(caller: Caller, name: string): Promise<void> {
    return this.runtimeSync.remove(caller, name);
  }

  /** Stops claiming, lets the sends in flight finish, closes the providers. */
  async stop(): Promise<void> {
    this.runtimeSync.stop();
    this.unsubscribe?.();
    await this.worker?.stop();
    this.abort.abort();
    await this.registry?.close();
  }

  /**
   * The VAPID public key browsers subscribe with: that of the first push provider (by
   * priority, from the file or the API) reaching web push devices with a
   * `vapid_public_key` option; 404 VAPID_KEY_NOT_CONFIGURED when there is none.
   */
  vapidPublicKey(): string {
    for (const p of this.registry?.forChannel('push', 'webpush') ?? []) {
      const key = p.options.vapid_public_key;
      if (typeof key === 'string' && key !== '') return key;
    }
    throw new NotifydError('VAPID_KEY_NOT_CONFIGURED');
  }

  /** Every provider, first choice of each channel first; secrets masked. */
  list(): ProviderView[] {
    const registry = this.registry;
    return registry ? registry.all().map((p) => registry.view(p)) : [];
  }

  /**
   * Runs a provider's own check (credentials, reachability) without sending to anyone:
   * `target` names a provider, or a channel (its first provider).
   */
  async test(target: string): Promise<TestOutcome> {
    const registry = this.registry;
    const provider = registry?.get(target) ?? registry?.forChannel(target)[0];
    if (!registry || !provider) {
      throw new NotifydError(
        'PROVIDER_NOT_FOUND',
        `No provider and no served channel is named "${target}".`,
      );
    }
    return testProvider(provider, this.ctx.clock);
  }
}
