import type { Config, StoreBackend } from '../config/options.js';
import type { Logger } from '../core/logger.js';
import type { Store } from './types.js';

/** The `store` section of the configuration. */
export type StoreSettings = Config['store'];

/** A module an adapter lives in, loaded only when chosen. */
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

/**
 * Opens one backend. Adapters are imported only when chosen, so an install that never
 * uses SQLite never loads its native module. Rejects with STORE_UNAVAILABLE when the
 * backend cannot be reached (worth retrying), with another error when it cannot work.
 */
export async function openBackend(
  backend: StoreBackend,
  settings: StoreSettings,
  logger?: Logger,
): Promise<Store> {
  const warn = (message: string, err: unknown) => logger?.warn({ err }, message);
  switch (backend) {
    case 'memory': {
      const { createMemoryStore } = await import('./memory/index.js');
      return createMemoryStore();
    }
    case 'sqlite': {
      const sqlite = await load('sqlite', 'better-sqlite3', () => import('./sqlite/index.js'));
      const { path, synchronous, busy_timeout_ms, checkpoint_interval_ms } = settings.sqlite;
      return sqlite.openSqliteStore({
        path,
        synchronous,
        busyTimeoutMs: busy_timeout_ms,
        checkpointIntervalMs: checkpoint_interval_ms,
        onWarning: warn,
      });
    }
    case 'postgres': {
      const postgres = await load('postgres', 'pg', () => import('./postgres/index.js'));
      const { url, pool_size, schema, statement_timeout_ms, migrate_on_start } = settings.postgres;
      return postgres.openPostgresStore({
        url,
        poolSize: pool_size,
        schema,
        statementTimeoutMs: statement_timeout_ms,
        migrate: migrate_on_start,
        onWarning: warn,
      });
    }
    case 'redis': {
      const redis = await load('redis', 'ioredis', () => import('./redis/index.js'));
      return redis.openRedisStore({
        url: settings.redis.url,
        prefix: settings.redis.prefix,
        onWarning: warn,
      });
    }
  }
}

/**
 * Opens the configured store: `store.backend` for everything, except the concerns given
 * their own backend (`store.ratelimit` for rate-limit counters and limiter state, `store.queues` for the
 * offline queue and ack tracking), each backend opened once.
 */
export async function openStore(settings: StoreSettings, logger?: Logger): Promise<Store> {
  const main = await openBackend(settings.backend, settings, logger);
  const opened = new Map<StoreBackend, Store>([[settings.backend, main]]);
  const backendFor = async (choice: StoreBackend | '') => {
    const backend = choice || settings.backend;
    let store = opened.get(backend);
    if (!store) {
      store = await openBackend(backend, settings, logger);
      opened.set(backend, store);
    }
    return store;
  };
  let counters: Store;
  let queues: Store;
  try {
    counters = await backendFor(settings.ratelimit);
    queues = await backendFor(settings.queues);
  } catch (err) {
    await Promise.all([...opened.values()].map((s) => s.close()));
    throw err;
  }
  if (opened.size === 1) return main;
  const all = [...opened.values()];
  return {
    backend: main.backend,
    notifications: main.notifications,
    deliveries: main.deliveries,
    keys: main.keys,
    counters: counters.counters,
    ratelimit: counters.ratelimit,
    queues: queues.queues,
    // Configuration objects are durable configuration: they stay on the main backend.
    objects: main.objects,
    async ping() {
      await Promise.all(all.map((s) => s.ping()));
    },
    async close() {
      await Promise.all(all.map((s) => s.close()));
    },
  };
}
