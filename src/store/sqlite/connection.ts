import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { NotifydError } from '../../core/errors.js';

/** How to open the SQLite database. */
export interface SqliteOptions {
  /** The database file; its folder is created if missing. `:memory:` for a private one. */
  path: string;
  /**
   * The analytics file (its own connection, WAL and checkpoints); empty or absent: beside
   * `path` (`notifyd.db` → `notifyd-analytics.db`), private when `path` is.
   */
  analyticsPath?: string;
  /** NORMAL survives a process crash; FULL also survives power loss. Default NORMAL. */
  synchronous?: 'NORMAL' | 'FULL';
  /** How long a write waits for another connection's lock. Default 5000. */
  busyTimeoutMs?: number;
  /**
   * How often a worker thread checkpoints the WAL, in ms. 0 leaves checkpoints to SQLite on
   * the writing connection, where each one stalls the event loop. Default 200.
   */
  checkpointIntervalMs?: number;
  /**
   * The page cache of the analytics file's connection, in MiB. Tracked events land at random
   * places in indexes by user, so a cache smaller than their hot pages reads and writes a page
   * for nearly every event. Default 256; better-sqlite3's own is 16.
   */
  analyticsCacheMb?: number;
  /** Hears problems the store works around by itself, e.g. the checkpoint worker dying. */
  onWarning?: (message: string, err: unknown) => void;
}

/** SQLite's own automatic checkpoint, in pages, when no worker does it. */
export const AUTO_CHECKPOINT_PAGES = 1000;

const SYNCHRONOUS = new Set(['NORMAL', 'FULL']);

/**
 * Opens the database in WAL mode with the pragmas notifyd relies on; `cacheMb` sizes its page
 * cache (better-sqlite3's default of 16 MiB when absent).
 */
export function openDatabase(options: SqliteOptions, cacheMb?: number): Database.Database {
  const synchronous = options.synchronous ?? 'NORMAL';
  if (!SYNCHRONOUS.has(synchronous)) {
    throw new TypeError(`synchronous must be NORMAL or FULL, not ${synchronous}`);
  }
  const inMemory = options.path === ':memory:' || options.path === '';
  let db: Database.Database | undefined;
  try {
    if (!inMemory) {
      mkdirSync(dirname(resolve(options.path)), { recursive: true });
      createPrivately(options.path);
    }
    db = new Database(options.path, { timeout: options.busyTimeoutMs ?? 5000 });
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous}`);
    db.pragma('foreign_keys = ON');
    // The checkpoint worker (checkpointer.ts) copies the WAL back; the writing connection
    // only does it when there is no worker. After a checkpoint the WAL restarts from its
    // beginning and is cut back to 64 MB.
    const workerCheckpoints = !inMemory && (options.checkpointIntervalMs ?? 200) > 0;
    db.pragma(`wal_autocheckpoint = ${workerCheckpoints ? 0 : AUTO_CHECKPOINT_PAGES}`);
    db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    if (cacheMb !== undefined) db.pragma(`cache_size = ${-cacheMb * 1024}`);
    return db;
  } catch (err) {
    db?.close();
    throw openFailure(options.path, err);
  }
}

/**
 * Creates a new database file readable by its owner only (0600): it holds notification
 * content and recipients' addresses. SQLite gives its WAL and shared-memory files the mode
 * of the database file, and takes an empty file as a new database. An existing file keeps
 * the mode its owner gave it.
 */
function createPrivately(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

function openFailure(path: string, err: unknown): Error {
  const reason = err instanceof Error ? err.message : String(err);
  // better-sqlite3 loads its native addon on first open, not on import.
  if (/bindings|better_sqlite3\.node|NODE_MODULE_VERSION/.test(reason)) {
    return new Error(
      `The sqlite store needs better-sqlite3's native module, which did not load (${reason}). ` +
        'Run `npm rebuild better-sqlite3` or `npm install better-sqlite3`, or set store.backend: memory.',
      { cause: err },
    );
  }
  // A file that is not a database, or a damaged one, stays so: no use retrying.
  if (err instanceof Database.SqliteError && /^SQLITE_(NOTADB|CORRUPT)/.test(err.code)) {
    return new Error(
      `${path} is not a usable SQLite database (${reason}); move it away or set store.sqlite.path.`,
      { cause: err },
    );
  }
  const failure = new NotifydError(
    'STORE_UNAVAILABLE',
    `Cannot open the SQLite database at ${path}: ${reason}`,
    { path },
  );
  failure.cause = err;
  return failure;
}
