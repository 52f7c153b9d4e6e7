import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { SecretBox } from '../core/secrets.js';
import type { EventBus } from '../events/bus.js';
import type { ObjectStore } from '../store/types.js';
import { DeliveryLog } from './delivery-log.js';
import { type DeliveryCount, type DispatchSettings, WebhookDispatcher } from './dispatcher.js';
import { WebhookService } from './service.js';
import { SubscriptionCache } from './subscriptions.js';
import { WebhookTransport } from './transport.js';

export interface WebhooksOptions {
  store: ObjectStore;
  bus: EventBus;
  clock: Clock;
  ids: IdGenerator;
  settings: DispatchSettings & { config_cache_ms: number; denied_networks: readonly string[] };
  /** Counts each delivery outcome (the server's Prometheus counter). */
  count?: (result: DeliveryCount) => void;
  logger?: Logger;
  /** Seals stored secrets (`encryption.key`); null: stored as given. */
  box?: SecretBox | null;
}

/**
 * Outgoing webhooks, assembled: the subscriptions (admin service), this node's cache of
 * them, the dispatcher that takes bus events to them, and the log of recent attempts.
 */
export class Webhooks {
  readonly service: WebhookService;
  readonly dispatcher: WebhookDispatcher;
  readonly log = new DeliveryLog();

  constructor(o: WebhooksOptions) {
    const box = o.box ?? null;
    const { config_cache_ms } = o.settings;
    const cache = new SubscriptionCache(o.store, o.clock, config_cache_ms, o.logger, box);
    const transport = new WebhookTransport(o.settings.denied_networks);
    const changed = () => cache.invalidate();
    this.service = new WebhookService(o.store, o.clock, o.ids, changed, transport, box);
    this.dispatcher = new WebhookDispatcher({
      transport,
      bus: o.bus,
      subscriptions: cache,
      log: this.log,
      clock: o.clock,
      ids: o.ids,
      settings: o.settings,
      count: o.count ?? (() => {}),
      ...(o.logger ? { logger: o.logger } : {}),
    });
  }
}
