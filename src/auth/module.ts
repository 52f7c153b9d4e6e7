import type { Config } from '../config/options.js';
import type { ModuleContext, NotifydModule } from '../modules/contract.js';
import { KeyService } from './api-keys.js';
import { createJwtVerifier, type JwtVerifier } from './jwt.js';
import { keyRoutes } from './routes.js';

export interface AuthNeeds {
  /** Keys with every scope besides `auth.admin_key` (e.g. the bootstrap key file's). */
  adminKeys: readonly string[];
}

export interface AuthServices {
  /** API keys: who a service is, with which scopes. */
  keys: KeyService;
  /** End users' tokens. */
  jwt: JwtVerifier;
}

/** Identity: API keys (and their admin routes) and end-user JWTs. */
export function createAuthModule(
  ctx: ModuleContext<Config['auth'], AuthNeeds>,
): NotifydModule<AuthServices> {
  const { options } = ctx;
  const keys = new KeyService(ctx.store.keys, ctx.clock, ctx.ids, options.key_cache_ms, [
    options.admin_key,
    ...ctx.services.adminKeys,
  ]);
  return {
    name: 'auth',
    services: { keys, jwt: createJwtVerifier(options.jwt, ctx.clock) },
    routes: keyRoutes(keys, ctx.bus.emit.bind(ctx.bus)),
  };
}
