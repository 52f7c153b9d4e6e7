/**
 * The providers module: loads the configured provider plugins at start-up (a provider that
 * fails to load or whose options fail its schema stops the daemon), keeps them in priority
 * order with their health, runs the delivery workers over the notification engine's
 * delivery port, and offers routing which channels are served.
 */
import type { Config } from '../config/options.js';
import type { ModuleContext, NotifydModule } from '../modules/contract.js';
import type { ProviderChannels } from '../notifications/delivery-port.js';
import { Providers, type ProvidersNeeds, type ProvidersOptions } from './providers.js';
import { pushKeyRoutes } from './push-key-route.js';
import { providerRoutes } from './routes.js';
import { twilioStatusRoutes } from './twilio-status-route.js';
import { unsubscribeRoutes } from './unsubscribe-route.js';

/** The providers module's options, from the configuration. */
export const providersOptions = (c: Config): ProvidersOptions => ({
  providers: c.providers,
  delivery: c.delivery,
  encryption_key: c.encryption.key,
  public_url: c.server.public_url,
});

/** Channel providers as plugins, and the delivery workers. */
export function createProvidersModule(
  ctx: ModuleContext<ProvidersOptions, ProvidersNeeds>,
): NotifydModule<{ providers: Providers; channels: ProviderChannels }> {
  const providers = new Providers(ctx);
  return {
    name: 'providers',
    services: { providers, channels: providers },
    routes: [
      ...providerRoutes(providers),
      ...pushKeyRoutes(providers),
      ...twilioStatusRoutes({
        twilioProviders: () => providers.twilioProviders(),
        publicUrl: providers.publicUrl,
        outcomes: providers.outcomes,
        logger: ctx.logger,
        registry: ctx.metrics,
      }),
      ...unsubscribeRoutes({
        tokens: providers.unsubscribeSigner,
        preferences: ctx.services.preferences,
      }),
    ],
    jobs: [
      {
        name: 'runtime providers reload',
        everyMs: ctx.options.delivery.providers_reload_ms,
        run: () => providers.sync(),
      },
    ],
    start: () => providers.start(),
    stop: () => providers.stop(),
  };
}
