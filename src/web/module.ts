import type { ModuleContext, NotifydModule } from '../modules/contract.js';
import { AssetStore, packageRoot } from './assets.js';
import type { WebOptions } from './options.js';
import { webRoutes } from './routes.js';

/** The web surfaces: the embeddable inbox (with its demo) and the admin console. */
export function createWebModule(
  ctx: ModuleContext<WebOptions>,
  root: string = packageRoot(),
): NotifydModule<Record<string, never>> {
  return {
    name: 'web',
    services: {},
    routes: webRoutes(ctx.options, new AssetStore(root)),
  };
}
