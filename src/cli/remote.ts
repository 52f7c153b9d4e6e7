import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { NotifydApiError, NotifydClient } from '../client/rest.js';
import { loadConfigForCli } from './config.js';
import { CliError, type CliIO } from './io.js';
import { localUrl, readRuntimeFile } from './runtime-file.js';

/** Options every admin command takes to reach a server. */
export interface RemoteOptions {
  url?: string;
  key?: string;
  config?: string;
  json?: boolean;
}

/** Adds --url, --key, --config and --json to an admin command. */
export function remoteOptions(cmd: Command): Command {
  return cmd
    .option(
      '--url <url>',
      'server URL (default: NOTIFYD_URL, else where a running serve recorded it, else the config file)',
    )
    .option('--key <key>', 'API key (default: NOTIFYD_API_KEY, else the admin or bootstrap key)')
    .option('--config <file>', 'config file to read defaults from')
    .option('--json', 'print JSON for scripts');
}

/**
 * A client for the server an admin command talks to. Flags win, then NOTIFYD_URL /
 * NOTIFYD_API_KEY, then where a running `serve` recorded it listens (`server.runtime_file`,
 * which knows a `--port` the config file does not), then the config file: its address, its
 * admin key, or its bootstrap key file.
 */
export function clientFor(io: CliIO, opts: RemoteOptions): NotifydClient {
  let url = opts.url ?? io.env.NOTIFYD_URL;
  let key = opts.key ?? io.env.NOTIFYD_API_KEY;
  if (!url || !key) {
    const config = loadConfigForCli(io, opts.config);
    url ??=
      readRuntimeFile(config.server.runtime_file)?.url ??
      localUrl(config.server.host, config.server.port);
    key ??= config.auth.admin_key || undefined;
    const file = config.auth.bootstrap_key_file;
    if (!key && file && existsSync(file)) key = readFileSync(file, 'utf8').trim();
  }
  if (!key) {
    throw new CliError('no API key: pass --key, set NOTIFYD_API_KEY, or run on the server host');
  }
  return new NotifydClient({ url, key });
}

/** Runs an API call, turning its failure into one line for the user. */
export async function call<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof NotifydApiError) {
      throw new CliError(err.status ? `${err.code} (${err.status}): ${err.message}` : err.message);
    }
    throw err;
  }
}
