import type { Command } from 'commander';
import { stringify } from 'yaml';
import {
  type Config,
  ConfigError,
  findConfigFile,
  formatIssues,
  loadConfig,
  maskConfig,
  renderExampleYaml,
} from '../config/index.js';
import { systemClock } from '../core/clock.js';
import { createLogger } from '../core/logger.js';
import { loadProviders, ProviderLoadError } from '../providers/loader.js';
import { CliError, type CliIO } from './io.js';

interface FileOptions {
  config?: string;
}

const CONFIG_HELP = 'YAML config file (default: NOTIFYD_CONFIG, else ./notifyd.yaml if present)';

/**
 * Loads the configuration as a command sees it: the file, the command's environment and
 * working directory. A ConfigError becomes a CliError listing every issue, one per line.
 */
export function loadConfigForCli(io: CliIO, file?: string): Config {
  try {
    return loadConfig({ file, env: io.env, cwd: io.cwd });
  } catch (err) {
    if (err instanceof ConfigError) {
      throw new CliError(`config invalid (${err.source}):\n${formatIssues(err.issues)}`);
    }
    throw err;
  }
}

/**
 * Loads every configured provider as `serve` would (plugin found, options checked against its
 * schema with `${NAME}` read from the command's environment, created), then closes them:
 * a bad one is a CliError naming the provider, where it is configured and the bad option.
 */
async function checkProviders(io: CliIO, config: Config): Promise<number> {
  const abort = new AbortController();
  try {
    const loaded = await loadProviders(config.providers, {
      logger: createLogger({ level: 'silent' }),
      clock: systemClock,
      signal: abort.signal,
      cwd: io.cwd,
      env: io.env,
    });
    await Promise.allSettled(loaded.map((p) => p.instance.close?.()));
    return loaded.length;
  } catch (err) {
    if (err instanceof ProviderLoadError) throw new CliError(`config invalid: ${err.message}`);
    throw err;
  } finally {
    abort.abort();
  }
}

/** `notifyd config check|print|example`: validate, show and explain the configuration. */
export function registerConfigCommands(program: Command, io: CliIO): void {
  const config = program.command('config').description('check, print or explain the configuration');

  config
    .command('check')
    .description('validate the configuration (file and environment) and exit non-zero if invalid')
    .option('--config <file>', CONFIG_HELP)
    .action(async (opts: FileOptions) => {
      const config = loadConfigForCli(io, opts.config);
      const loaded = await checkProviders(io, config);
      const file = findConfigFile({ file: opts.config, env: io.env, cwd: io.cwd });
      const providers =
        loaded === 0 ? '' : loaded === 1 ? ' (1 provider loaded)' : ` (${loaded} providers loaded)`;
      io.stdout.write(`config OK: ${file ?? 'defaults + environment'}${providers}\n`);
    });

  config
    .command('print')
    .description('print the effective configuration, secrets masked')
    .option('--config <file>', CONFIG_HELP)
    .option('--json', 'print JSON instead of YAML')
    .action((opts: FileOptions & { json?: boolean }) => {
      const masked = maskConfig(loadConfigForCli(io, opts.config));
      io.stdout.write(opts.json ? `${JSON.stringify(masked, null, 2)}\n` : stringify(masked));
    });

  config
    .command('example')
    .description('print an annotated example configuration with every option')
    .action(() => {
      io.stdout.write(renderExampleYaml());
    });
}
