/**
 * The providers of each channel in priority order, with their health: what the worker
 * picks from (failover goes down the list) and what `GET /providers` shows.
 */
import { maskSecretKeys } from '../config/mask-config.js';
import type { Clock } from '../core/clock.js';
import type { RateLimitStore } from '../ratelimit/spec.js';
import {
  type CircuitSettings,
  type CircuitState,
  type HealthView,
  ProviderHealth,
} from './health.js';
import { type LimitsView, ProviderLimits } from './limits.js';
import type { LoadedProvider } from './loader.js';

/** Where a provider was declared: the configuration file, or the API (stored, every node). */
export type ProviderOrigin = 'config' | 'runtime';

/** A provider with its health and its limits. */
export interface RegisteredProvider extends LoadedProvider {
  health: ProviderHealth;
  limits: ProviderLimits;
  origin: ProviderOrigin;
}

/** A provider as `GET /providers` shows it: options with secrets masked, health, limits. */
export interface ProviderView {
  name: string;
  channel: string;
  plugin: string;
  source: ProviderOrigin;
  loaded_from: LoadedProvider['source'];
  priority: number;
  timeout_ms: number;
  devices: string[] | null;
  options: Record<string, unknown>;
  health: HealthView;
  limits: LimitsView;
}

const MASK = '********';

type OnCircuit = (p: LoadedProvider, state: CircuitState, lastError: string | null) => void;

export class ProviderRegistry {
  private readonly byChannel = new Map<string, RegisteredProvider[]>();
  private readonly byName = new Map<string, RegisteredProvider>();
  private readonly defaultTimeoutMs: number;

  constructor(
    providers: readonly LoadedProvider[],
    private readonly settings: CircuitSettings & {
      timeout_ms: number;
      /** Counts providers' rate limits: the rate-limit engine's store (needed for one). */
      limiter?: RateLimitStore;
    },
    private readonly clock: Clock,
    private readonly onCircuit: OnCircuit = () => {},
  ) {
    this.defaultTimeoutMs = settings.timeout_ms;
    for (const p of providers) this.add(p, 'config');
  }

  /**
   * Adds a provider (in its channel's priority order; equal priorities keep the order added),
   * replacing one of the same name, which is answered so that the caller closes it.
   */
  add(p: LoadedProvider, origin: ProviderOrigin): RegisteredProvider | undefined {
    if (p.rate_limit && !this.settings.limiter) {
      throw new Error(`provider ${p.name} has a rate_limit, and the registry no limiter`);
    }
    const replaced = this.remove(p.name);
    const registered: RegisteredProvider = {
      ...p,
      origin,
      limits: new ProviderLimits(
        p.name,
        p.concurrency,
        p.rate_limit,
        this.settings.limiter ?? null,
        this.clock,
      ),
      health: new ProviderHealth(this.settings, this.clock, (state, err) =>
        this.onCircuit(p, state, err),
      ),
    };
    this.byName.set(p.name, registered);
    const list = this.byChannel.get(p.channel) ?? [];
    list.push(registered);
    // A stable sort: equal priorities keep the order they were added in.
    list.sort((a, b) => a.priority - b.priority);
    this.byChannel.set(p.channel, list);
    return replaced;
  }

  /** Takes a provider out (its sends in flight finish); answers it, for the caller to close. */
  remove(name: string): RegisteredProvider | undefined {
    const found = this.byName.get(name);
    if (!found) return undefined;
    this.byName.delete(name);
    const list = (this.byChannel.get(found.channel) ?? []).filter((p) => p !== found);
    if (list.length === 0) this.byChannel.delete(found.channel);
    else this.byChannel.set(found.channel, list);
    return found;
  }

  /** The channels that have at least one provider (what the workers claim). */
  channels(): string[] {
    return [...this.byChannel.keys()];
  }

  /** The channel's providers, first choice first; for push, those reaching `deviceKind`. */
  forChannel(channel: string, deviceKind?: string | null): RegisteredProvider[] {
    const list = this.byChannel.get(channel) ?? [];
    if (!deviceKind) return list;
    return list.filter((p) => p.devices === null || p.devices.includes(deviceKind));
  }

  get(name: string): RegisteredProvider | undefined {
    return this.byName.get(name);
  }

  all(): RegisteredProvider[] {
    return [...this.byChannel.values()].flat();
  }

  /** How long one send of `p` may take. */
  timeoutOf(p: LoadedProvider): number {
    return p.timeout_ms ?? this.defaultTimeoutMs;
  }

  view(p: RegisteredProvider): ProviderView {
    return {
      name: p.name,
      channel: p.channel,
      plugin: p.plugin,
      source: p.origin,
      loaded_from: p.source,
      priority: p.priority,
      timeout_ms: this.timeoutOf(p),
      devices: p.devices ? [...p.devices] : null,
      options: maskOptions(p.options, p.secrets),
      health: p.health.view(),
      limits: p.limits.view(),
    };
  }

  /** Closes every provider; one that fails to close does not stop the others. */
  async close(): Promise<void> {
    await Promise.allSettled(this.all().map((p) => p.instance.close?.()));
  }
}

/**
 * A provider's options for display: those the plugin declares secret masked whole, and
 * credential-like keys (`auth_token`, `private_key`, …) at any depth, even undeclared.
 */
export function maskOptions(
  options: Record<string, unknown>,
  secrets: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    out[k] = secrets.includes(k) && v !== '' && v !== null && v !== undefined ? MASK : v;
  }
  return maskSecretKeys(out) as Record<string, unknown>;
}
