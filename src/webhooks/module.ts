import { Counter } from 'prom-client';
import type { Config } from '../config/options.js';
import { SecretBox } from '../core/secrets.js';
import type { ModuleContext, NotifydModule } from '../modules/contract.js';
import { webhookRoutes } from './routes.js';
import { Webhooks } from './webhooks.js';

/** `webhooks.*`, how long shutdown may wait for deliveries in flight, and the key sealing secrets. */
export type WebhooksOptions = Config['webhooks'] & {
  shutdown_timeout_ms: number;
  encryption_key?: string;
};

/** The webhooks module's options, from the configuration. */
export const webhooksOptions = (c: Config): WebhooksOptions => ({
  ...c.webhooks,
  shutdown_timeout_ms: c.server.shutdown_timeout_ms,
  encryption_key: c.encryption.key,
});

/** Outgoing webhooks: subscriptions, and the dispatcher that takes bus events to them. */
export function createWebhooksModule(
  ctx: ModuleContext<WebhooksOptions>,
): NotifydModule<{ webhooks: Webhooks }> {
  const { options } = ctx;
  const deliveries = new Counter({
    name: 'notifyd_webhook_deliveries_total',
    help: 'Webhook delivery attempts by result: delivered, retried, failed (final), dropped (queue full or shut down).',
    labelNames: ['result'] as const,
    registers: [ctx.metrics],
  });
  const webhooks = new Webhooks({
    store: ctx.store.objects,
    bus: ctx.bus,
    clock: ctx.clock,
    ids: ctx.ids,
    settings: options,
    count: (result) => deliveries.inc({ result }),
    logger: ctx.logger,
    box: SecretBox.fromKey(options.encryption_key ?? ''),
  });
  // Listening from the start: an event emitted before the server listens is not lost.
  webhooks.dispatcher.start();
  return {
    name: 'webhooks',
    services: { webhooks },
    routes: webhookRoutes(webhooks, ctx.bus.emit.bind(ctx.bus)),
    // Requests are done, so no more events; deliveries in flight get a moment to finish.
    stop: () =>
      webhooks.dispatcher.close(Math.min(options.timeout_ms, options.shutdown_timeout_ms)),
  };
}
