import type { Command } from 'commander';
import { loadBootstrapKey } from '../auth/bootstrap.js';
import type { Config } from '../config/options.js';
import type { Logger } from '../core/logger.js';
import { createLogger } from '../core/logger.js';
import { ProviderLoadError } from '../providers/loader.js';
import type { NotifydServer } from '../server/app.js';
import { createServer } from '../server/app.js';
import { connectConfiguredStore } from '../store/index.js';
import { adapterOf } from '../store/registry.js';
import type { Store } from '../store/types.js';
import { VERSION } from '../version.js';
import { loadConfigForCli } from './config.js';
import { CliError, type CliIO } from './io.js';
import { removeRuntimeFile, writeRuntimeFile } from './runtime-file.js';

interface ServeOptions {
  config?: string;
  port?: string;
  host?: string;
}

/** Resolves on the first SIGTERM or SIGINT. */
function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

const reasonOf = (err: unknown) =>
  err instanceof Error
    ? err.cause instanceof Error
      ? err.cause.message
      : err.message
    : String(err);

/**
 * The bootstrap admin key (see auth/bootstrap.ts), once the store can say whether any key
 * exists; tells the user how to go on.
 */
async function bootstrap(config: Config, store: Store, server: NotifydServer, logger: Logger) {
  const found = await loadBootstrapKey(
    config.auth.bootstrap_key_file,
    config.auth.admin_key !== '',
    store.keys,
  );
  if (found.key) server.keys.addAdminKey(found.key);
  if (found.created) {
    logger.info(
      { key_file: found.path },
      `Wrote a bootstrap admin key to ${found.path}. Create a key for your backend with: ` +
        'notifyd keys create --scope notifications:send --name backend',
    );
  } else if (!found.key && !config.auth.admin_key && (await store.keys.count()) === 0) {
    logger.warn(
      'No API key exists and no admin key is set: set NOTIFYD_ADMIN_KEY to create the first one.',
    );
  }
}

/** Below this many bytes an HS256 secret is shorter than its hash (RFC 7518, 3.2). */
const MIN_HS256_SECRET_BYTES = 32;

/**
 * Without any key for end-user tokens every WebSocket, SSE and /me request fails with
 * AUTH_FAILED; say so at start rather than at the first refused connection. A short HMAC
 * secret works, but can be guessed offline from any one token a user holds: say that too.
 */
export function warnWithoutTokenKey(config: Config, logger: Logger): void {
  const { secret, public_key, jwks_file } = config.auth.jwt;
  const bytes = Buffer.byteLength(secret);
  if (secret && bytes < MIN_HS256_SECRET_BYTES) {
    logger.warn(
      `auth.jwt.secret (JWT_SECRET) is ${bytes} bytes: HS256 wants at least ` +
        `${MIN_HS256_SECRET_BYTES} random bytes, else a user's token lets the secret be guessed ` +
        'offline and tokens for anyone be forged. Use e.g. `openssl rand -base64 48`.',
    );
  }
  if (secret || public_key || jwks_file) return;
  logger.warn(
    'No key for end-user tokens is configured: WebSocket, SSE and /api/v1/me requests will ' +
      'fail with AUTH_FAILED. Set JWT_SECRET (HS256), or auth.jwt.public_key / ' +
      'auth.jwt.jwks_file (JWT_PUBLIC_KEY) for RS256/ES256.',
  );
}

/** `notifyd serve`: run the daemon until SIGTERM/SIGINT, then stop gracefully. */
export function registerServeCommand(program: Command, io: CliIO): void {
  program
    .command('serve')
    .description('run the notification daemon')
    .option('--config <file>', 'YAML config file (default: NOTIFYD_CONFIG or ./notifyd.yaml)')
    .option('--port <port>', 'override server.port')
    .option('--host <host>', 'override server.host')
    .action(async (opts: ServeOptions) => {
      const env = { ...io.env };
      if (opts.port !== undefined) env.NOTIFYD_SERVER__PORT = opts.port;
      if (opts.host !== undefined) env.NOTIFYD_SERVER__HOST = opts.host;
      const config = loadConfigForCli({ ...io, env }, opts.config);
      const logger = createLogger({ level: config.log.level });
      const where = adapterOf(config.store.backend).describe(config.store);
      const store = await connectConfiguredStore(config.store, logger, {
        maxDelayMs: config.store.connect_retry_max_ms,
        onRetry: (err, delayMs, attempt) =>
          logger.error(
            { err, attempt, retry_in_ms: delayMs },
            `The store (${where}) cannot be reached: ${reasonOf(err)}. Retrying in ` +
              `${(delayMs / 1000).toFixed(1)} s; /readyz answers 503 until it is up.`,
          ),
      });
      warnWithoutTokenKey(config, logger);
      const server = createServer(config, { store, logger });
      const stopping = nextSignal();
      const bootstrapped = store.ready.then(() => bootstrap(config, store, server, logger));
      // Normally the store opens at once, and the bootstrap key is ready before the port is.
      const opened = await store.firstAttempt;
      if (opened) await bootstrapped;
      let port: number;
      try {
        port = await server.listen();
      } catch (err) {
        if (!(err instanceof ProviderLoadError)) throw err;
        // A provider that cannot start stops the daemon before it takes any traffic.
        await server.close().catch(() => {});
        await store.close();
        throw new CliError(`cannot start: ${err.message}`);
      }
      try {
        writeRuntimeFile(config.server.runtime_file, config.server.host, port);
      } catch (err) {
        logger.warn({ err }, `Cannot write server.runtime_file: ${reasonOf(err)}`);
      }
      logger.info(
        { version: VERSION, host: config.server.host, port, store: where },
        `notifyd ${VERSION} listening on http://${config.server.host}:${port} (store: ${where})`,
      );
      const failed = bootstrapped.then(
        () => {
          if (!opened) logger.info({ store: where }, `The store (${where}) is connected.`);
          return stopping;
        },
        (err: unknown) => {
          logger.fatal({ err }, `The store (${where}) cannot be used: ${reasonOf(err)}`);
          process.exitCode = 1;
          return 'SIGTERM' as const;
        },
      );
      const signal = await Promise.race([stopping, failed]);
      logger.info({ signal }, 'shutting down');
      await server.close();
      removeRuntimeFile(config.server.runtime_file);
      logger.debug('server closed; closing the store');
      await store.close();
      logger.info('stopped');
    });
}
