import type { Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { EventBus } from '../events/bus.js';
import type { AnyRoute } from '../http/route.js';
import type { Store } from '../store/types.js';

/**
 * What a module is built from. A module (notifications, ratelimit, webhooks, cluster,
 * triggers, …) reads only its own options, the store's concerns it owns, and the services
 * other modules gave it; it never reaches into another module's store.
 */
export interface ModuleContext<Options, Needs = Record<string, never>> {
  /** The module's own options: its sections of the configuration. */
  options: Options;
  store: Store;
  /** Where the module reports what happened (webhooks and analytics listen). */
  bus: EventBus;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  /** The Prometheus registry the module adds its own metrics to. */
  metrics: Registry;
  /** The services of other modules this one uses. */
  services: Needs;
}

/** Background work of a module: run every `everyMs` once the server listens, never overlapping. */
export interface Job {
  /** What it does, for logs. */
  name: string;
  everyMs: number;
  run(): Promise<void>;
}

/**
 * A built module: its HTTP routes, the services it offers other modules, its background
 * jobs, and its lifecycle. The server starts modules in the order it lists them and stops
 * them in the reverse order.
 */
export interface NotifydModule<Services = unknown> {
  readonly name: string;
  readonly routes: readonly AnyRoute[];
  readonly services: Services;
  readonly jobs?: readonly Job[];
  /** Before the server listens: connect, subscribe, start workers. */
  start?(): Promise<void> | void;
  /**
   * Once every module has started and the server listens: work that needs other modules'
   * started services (e.g. resuming topic sends needs the providers loaded).
   */
  started?(): void;
  /** When the server starts draining: stop taking new work from outside HTTP. */
  pause?(): Promise<void> | void;
  /** Once requests in flight are done: flush and release. */
  stop?(): Promise<void> | void;
}

/** A module's context for its own options and needs, from the context every module shares. */
export function contextFor<Options, Needs>(
  shared: Omit<ModuleContext<unknown, unknown>, 'options' | 'services'>,
  options: Options,
  services: Needs,
): ModuleContext<Options, Needs> {
  return { ...shared, options, services };
}
