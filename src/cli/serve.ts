import type { Command } from 'commander';
import { loadBootstrapKey } from '../auth/bootstrap.js';
import { createLogger } from '../core/logger.js';
import { createServer } from '../server/app.js';
import { openStore } from '../store/index.js';
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
      const store = await openStore(config.store, logger);
      const bootstrap = await loadBootstrapKey(
        config.auth.bootstrap_key_file,
        config.auth.admin_key !== '',
        store.keys,
      );
      const server = createServer(config, {
        store,
        logger,
        adminKeys: bootstrap.key ? [bootstrap.key] : [],
      });
      const stopping = nextSignal();
      const port = await server.listen();
      const where =
        config.store.backend === 'sqlite'
          ? `sqlite ${config.store.sqlite.path}`
          : config.store.backend;
      logger.info(
        { version: VERSION, host: config.server.host, port, store: where },
        `notifyd ${VERSION} listening on http://${config.server.host}:${port} (store: ${where})`,
      );
      if (bootstrap.created) {
        logger.info(
          { key_file: bootstrap.path },
          `Wrote a bootstrap admin key to ${bootstrap.path}. Create a key for your backend with: ` +
            'notifyd keys create --scope notifications:send --name backend',
        );
      } else if (!bootstrap.key && !config.auth.admin_key && (await store.keys.count()) === 0) {
        logger.warn(
          'No API key exists and no admin key is set: set NOTIFYD_ADMIN_KEY to create the first one.',
        );
      }
      const signal = await stopping;
      logger.info({ signal }, 'shutting down');
      await server.close();
      await store.close();
      logger.info('stopped');
    });
}
