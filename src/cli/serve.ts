import type { Command } from 'commander';
import { loadBootstrapKey } from '../auth/bootstrap.js';
import type { Config } from '../config/options.js';
import type { Logger } from '../core/logger.js';
import { createLogger } from '../core/logger.js';
import type { NotifydServer } from '../server/app.js';
import { createServer } from '../server/app.js';
import { connectConfiguredStore } from '../store/index.js';
import { adapterOf } from '../store/registry.js';
import type { Store } from '../store/types.js';
import { VERSION } from '../version.js';
import { loadConfigForCli } from './config.js';
import type { CliIO } from './io.js';

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
      const server = createServer(config, { store, logger });
      const stopping = nextSignal();
      const bootstrapped = store.ready.then(() => bootstrap(config, store, server, logger));
      // Normally the store opens at once, and the bootstrap key is ready before the port is.
      const opened = await store.firstAttempt;
      if (opened) await bootstrapped;
      const port = await server.listen();
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
      logger.debug('server closed; closing the store');
      await store.close();
      logger.info('stopped');
    });
}
