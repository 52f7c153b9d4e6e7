/**
 * The providers module: loads the configured provider plugins at start-up (a provider that
 * fails to load or whose options fail its schema stops the daemon), keeps them in priority
 * order with their health, runs the delivery workers over the notification engine's
 * delivery port, and offers routing which channels are served.
 */
import type { Config } from '../config/options.js';
import { NotifydError } from '../core/errors.js';
import type { ModuleContext, NotifydModule } from '../modules/contract.js';
import type { DeliveryPort, ProviderChannels } from '../notifications/delivery-port.js';
import { type LoaderDeps, loadProviders } from './loader.js';
import { ProviderMetrics } from './metrics.js';
import type { DeliveryOptions, ProvidersConfig } from './options.js';
import { ProviderRegistry, type ProviderView } from './registry.js';
import { providerRoutes } from './routes.js';
import { DeliveryWorker, type Timer } from './worker.js';

/** `providers.*` and `delivery.*`, and where plugins and `${NAME}` references are read. */
export interface ProvidersOptions {
  providers: ProvidersConfig;
  delivery: DeliveryOptions;
  /** Relative plugin paths and package names resolve from here. Default: process.cwd(). */
  cwd?: string;
  env?: Record<string, string | undefined>;
  builtinsDir?: string;
}

export const providersOptions = (c: Config): ProvidersOptions => ({
  providers: c.providers,
  delivery: c.delivery,
});

/** What the module takes from the others: the delivery port (the workers run only with it). */
export interface ProvidersNeeds {
  deliveries?: DeliveryPort;
  /** Tests: the backoff's jitter and the timers. */
  random?: () => number;
  timer?: Timer;
}

/** What `POST /providers/{name}/test` answers. */
export interface TestOutcome {
  success: boolean;
  message: string;
  provider: string;
  latency_ms: number;
}

/** The running providers: what the routes and the server read. */
export class Providers implements ProviderChannels {
  registry: ProviderRegistry | null = null;
  worker: DeliveryWorker | null = null;
  private readonly abort = new AbortController();
  private readonly metrics: ProviderMetrics;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly ctx: ModuleContext<ProvidersOptions, ProvidersNeeds>) {
    this.metrics = new ProviderMetrics(ctx.metrics);
  }

  serves(channel: string): boolean {
    return (this.registry?.forChannel(channel).length ?? 0) > 0;
  }

  /** Loads every provider (throws ProviderLoadError), then starts the workers. */
  async start(): Promise<void> {
    const { options, clock, logger, bus, services } = this.ctx;
    const deps: LoaderDeps = { logger, clock, signal: this.abort.signal };
    if (options.cwd) deps.cwd = options.cwd;
    if (options.env) deps.env = options.env;
    if (options.builtinsDir) deps.builtinsDir = options.builtinsDir;
    const loaded = await loadProviders(options.providers, deps);
    const { delivery } = options;
    this.registry = new ProviderRegistry(
      loaded,
      { ...delivery.circuit, timeout_ms: delivery.timeout_ms },
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
    for (const p of loaded) {
      this.metrics.register(p.name, p.channel);
      logger.info(
        { provider: p.name, channel: p.channel, plugin: p.plugin, source: p.source },
        `provider ${p.name} (${p.plugin}) serves ${p.channel}`,
      );
    }
    const port = services.deliveries;
    if (!port || loaded.length === 0) return;
    this.worker = new DeliveryWorker({
      port,
      registry: this.registry,
      settings: delivery,
      clock,
      logger,
      emit: (type, tenant, data) => bus.emit(type, tenant, data),
      metrics: this.metrics,
      ...(services.random ? { random: services.random } : {}),
      ...(services.timer ? { timer: services.timer } : {}),
    });
    if (!delivery.workers.enabled) return;
    const served = new Set(this.registry.channels());
    this.unsubscribe = port.onQueued((channels) => {
      if (channels.some((c) => served.has(c))) this.worker?.nudge();
    });
    this.worker.start();
  }

  /** Stops claiming, lets the sends in flight finish, closes the providers. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.worker?.stop();
    this.abort.abort();
    await this.registry?.close();
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
    const started = this.ctx.clock.now();
    const latency = () => Math.max(0, this.ctx.clock.now() - started);
    if (!provider.instance.test) {
      return {
        success: true,
        message: 'loaded and configured (the plugin has no test of its own)',
        provider: provider.name,
        latency_ms: 0,
      };
    }
    try {
      const outcome = await provider.instance.test();
      return {
        success: outcome.ok,
        message: outcome.ok ? (outcome.detail ?? 'ok') : outcome.message,
        provider: provider.name,
        latency_ms: latency(),
      };
    } catch (err) {
      return {
        success: false,
        message: `the test threw: ${err instanceof Error ? err.message : String(err)}`,
        provider: provider.name,
        latency_ms: latency(),
      };
    }
  }
}

/** Channel providers as plugins, and the delivery workers. */
export function createProvidersModule(
  ctx: ModuleContext<ProvidersOptions, ProvidersNeeds>,
): NotifydModule<{ providers: Providers; channels: ProviderChannels }> {
  const providers = new Providers(ctx);
  return {
    name: 'providers',
    services: { providers, channels: providers },
    routes: providerRoutes(providers),
    start: () => providers.start(),
    stop: () => providers.stop(),
  };
}
