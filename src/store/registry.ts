import type { Config } from '../config/options.js';
import type { Logger } from '../core/logger.js';
import { type BackendTraits, type StoreBackend, traitsOf } from './backends.js';
import type { MigrationResult } from './migrations.js';
import type { Store } from './types.js';

/** The `store` section of the configuration. */
export type StoreSettings = Config['store'];

/** What `notifyd migrate` did to a backend's schema, and where. */
export interface SchemaMigration {
  /** What was migrated, for people: `sqlite ./data/notifyd.db`, `postgres schema public`. */
  target: string;
  result: MigrationResult;
  /** Further schemas migrated with it (SQLite's analytics file). */
  also?: SchemaMigration[];
}

/** One backend, as notifyd opens it. Its code is imported only when it is used. */
export interface StoreAdapter {
  readonly name: StoreBackend;
  readonly traits: BackendTraits;
  /**
   * Opens the backend. Rejects with STORE_UNAVAILABLE when it cannot be reached (worth
   * retrying), with another error when it cannot work.
   */
  open(settings: StoreSettings, logger?: Logger): Promise<Store>;
  /** Where it keeps its data, for logs: `sqlite ./data/notifyd.db`, `postgres`. */
  describe(settings: StoreSettings): string;
  /** Brings its schema up to date without opening a store; only for `traits.schema`. */
  migrate?(settings: StoreSettings): Promise<SchemaMigration>;
}

/** An adapter's module, loaded only when chosen; a missing driver says what to install. */
async function load<M>(backend: string, pkg: string, importer: () => Promise<M>): Promise<M> {
  try {
    return await importer();
  } catch (err) {
    throw new Error(
      `The ${backend} store needs the ${pkg} package: run \`npm install ${pkg}\`, ` +
        'or choose another store.backend.',
      { cause: err },
    );
  }
}

const sqlite = () => load('sqlite', 'better-sqlite3', () => import('./sqlite/index.js'));
const postgres = () => load('postgres', 'pg', () => import('./postgres/index.js'));
const redis = () => load('redis', 'ioredis', () => import('./redis/index.js'));

/** Hands an adapter's warnings (problems it works around) to the log. */
const warnings = (logger?: Logger) => (message: string, err: unknown) =>
  logger?.warn({ err }, message);

const ADAPTERS: { [B in StoreBackend]: Omit<StoreAdapter, 'name' | 'traits'> } = {
  memory: {
    async open() {
      const { createMemoryStore } = await import('./memory/index.js');
      return createMemoryStore();
    },
    describe: () => 'memory',
  },
  sqlite: {
    async open(settings, logger) {
      const {
        path,
        analytics_path,
        analytics_cache_mb,
        synchronous,
        busy_timeout_ms,
        checkpoint_interval_ms,
      } = settings.sqlite;
      return (await sqlite()).openSqliteStore({
        path,
        analyticsPath: analytics_path,
        analyticsCacheMb: analytics_cache_mb,
        synchronous,
        busyTimeoutMs: busy_timeout_ms,
        checkpointIntervalMs: checkpoint_interval_ms,
        onWarning: warnings(logger),
      });
    },
    describe: (settings) => `sqlite ${settings.sqlite.path}`,
    async migrate(settings) {
      const { path, analytics_path } = settings.sqlite;
      const { migrateSqlite, analyticsPathOf } = await sqlite();
      const { analytics, ...result } = migrateSqlite(path, analytics_path);
      const also = [
        { target: `sqlite ${analyticsPathOf(path, analytics_path)}`, result: analytics },
      ];
      return { target: `sqlite ${path}`, result, also };
    },
  },
  postgres: {
    async open(settings, logger) {
      const { url, pool_size, schema, statement_timeout_ms, migrate_on_start } = settings.postgres;
      return (await postgres()).openPostgresStore({
        url,
        poolSize: pool_size,
        schema,
        statementTimeoutMs: statement_timeout_ms,
        migrate: migrate_on_start,
        onWarning: warnings(logger),
      });
    },
    describe: () => 'postgres',
    async migrate(settings) {
      const { url, schema } = settings.postgres;
      const result = await (await postgres()).migratePostgres({ url, schema });
      return { target: `postgres schema ${schema}`, result };
    },
  },
  redis: {
    async open(settings, logger) {
      const { url, prefix } = settings.redis;
      return (await redis()).openRedisStore({ url, prefix, onWarning: warnings(logger) });
    },
    describe: () => 'redis',
  },
};

/** The adapter of a backend. */
export function adapterOf(backend: StoreBackend): StoreAdapter {
  return { name: backend, traits: traitsOf(backend), ...ADAPTERS[backend] };
}
