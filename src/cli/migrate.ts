import type { Command } from 'commander';
import type { MigrationResult } from '../store/types.js';
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
      if (backend === 'memory' || backend === 'redis') {
        io.stdout.write(`The ${backend} store keeps no schema: nothing to migrate.\n`);
        return;
      }
      let where: string;
      let result: MigrationResult;
      if (backend === 'postgres') {
        const { migratePostgres } = await import('../store/postgres/index.js');
        const { url, schema } = config.store.postgres;
        result = await migratePostgres({ url, schema });
        where = `postgres schema ${schema}`;
      } else {
        const { migrateSqlite } = await import('../store/sqlite/index.js');
        result = migrateSqlite(config.store.sqlite.path);
        where = `sqlite ${config.store.sqlite.path}`;
      }
      if (opts.json) {
        io.stdout.write(`${JSON.stringify({ backend, ...result })}\n`);
        return;
      }
      const what = result.applied.length
        ? `applied ${result.applied.join(', ')}`
        : 'already up to date';
      io.stdout.write(`${where}: schema version ${result.to} (${what}).\n`);
    });
}
