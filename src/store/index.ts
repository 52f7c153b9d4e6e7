import type { Store } from './types.js';

/** The `store` section of the configuration. */
export interface StoreSettings {
  backend: 'memory' | 'sqlite';
  sqlite: { path: string; synchronous: 'NORMAL' | 'FULL'; busy_timeout_ms: number };
}

/**
 * Opens the configured backend. SQLite is imported only when chosen, so a memory-only
 * install never loads the native module.
 */
export async function openStore(settings: StoreSettings): Promise<Store> {
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
  const { path, synchronous, busy_timeout_ms } = settings.sqlite;
  return sqlite.openSqliteStore({ path, synchronous, busyTimeoutMs: busy_timeout_ms });
}
