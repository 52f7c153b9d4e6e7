import type { Config } from '../config/options.js';
import type { Logger } from '../core/logger.js';
import type { Store } from './types.js';

/** The `store` section of the configuration. */
export type StoreSettings = Config['store'];

/**
 * Opens the configured backend. SQLite is imported only when chosen, so a memory-only
 * install never loads the native module.
 */
export async function openStore(settings: StoreSettings, logger?: Logger): Promise<Store> {
  if (settings.backend === 'memory') {
    const { createMemoryStore } = await import('./memory/index.js');
    return createMemoryStore();
  }
  let sqlite: typeof import('./sqlite/index.js');
  try {
    sqlite = await import('./sqlite/index.js');
  } catch (err) {
    throw new Error(
      'The sqlite store needs the better-sqlite3 package: run `npm install better-sqlite3`, ' +
        'or set store.backend: memory.',
      { cause: err },
    );
  }
  const { path, synchronous, busy_timeout_ms, checkpoint_interval_ms } = settings.sqlite;
  return sqlite.openSqliteStore({
    path,
    synchronous,
    busyTimeoutMs: busy_timeout_ms,
    checkpointIntervalMs: checkpoint_interval_ms,
    onWarning: (message, err) => logger?.warn({ err }, message),
  });
}
