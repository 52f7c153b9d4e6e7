import type { Command } from 'commander';
import { adapterOf } from '../store/registry.js';
import { loadConfigForCli } from './config.js';
import type { CliIO } from './io.js';

/**
 * `notifyd migrate`: bring the configured store's schema up to date without serving.
 * `serve` migrates on start too; this is for deploys that migrate as a separate step.
 */
export function registerMigrateCommand(program: Command, io: CliIO): void {
  program
    .command('migrate')
    .description("bring the store's schema up to date")
    .option('--config <file>', 'YAML config file')
    .option('--json', 'print JSON for scripts')
    .action(async (opts: { config?: string; json?: boolean }) => {
      const config = loadConfigForCli(io, opts.config);
      const { backend } = config.store;
      const adapter = adapterOf(backend);
      if (!adapter.migrate) {
        io.stdout.write(`The ${backend} store keeps no schema: nothing to migrate.\n`);
        return;
      }
      const { target, result, also = [] } = await adapter.migrate(config.store);
      if (opts.json) {
        // SQLite's analytics file is `analytics` beside the main file's result.
        const more = Object.fromEntries(also.map((m) => ['analytics', m.result]));
        io.stdout.write(`${JSON.stringify({ backend, ...result, ...more })}\n`);
        return;
      }
      for (const m of [{ target, result }, ...also]) {
        const what = m.result.applied.length
          ? `applied ${m.result.applied.join(', ')}`
          : 'already up to date';
        io.stdout.write(`${m.target}: schema version ${m.result.to} (${what}).\n`);
      }
    });
}
