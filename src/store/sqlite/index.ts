import type { Statement } from 'better-sqlite3';
import { NotifydError } from '../../core/errors.js';
import { storeUnavailable } from '../errors.js';
import type { Store } from '../types.js';
import { SqliteAnalyticsStore } from './analytics.js';
import { startWalCheckpointer } from './checkpointer.js';
import { openDatabase, type SqliteOptions } from './connection.js';
import { SqliteCounterStore } from './counters.js';
import { SqliteDeliveryQueue } from './deliveries.js';
import { SqliteDeviceStore } from './devices.js';
import { SqliteHandle } from './handle.js';
import { SqliteJobStore } from './jobs.js';
import { SqliteKeyStore } from './keys.js';
import { type MigrationResult, migrate } from './migrations.js';
import { SqliteNotificationStore } from './notifications.js';
import { SqliteObjectStore } from './objects.js';
import { SqlitePreferenceStore } from './preferences.js';
import { SqliteRateLimitStore } from './ratelimit.js';
import { SqliteRequestStore } from './requests.js';
import { SqliteSubscriberStore } from './subscribers.js';
import { SqliteTopicMemberStore } from './topic-members.js';
import { SqliteUserQueueStore } from './user-queues.js';

export type { SqliteOptions } from './connection.js';
export { MIGRATIONS, type MigrationResult, SQLITE_SCHEMA_VERSION } from './migrations.js';

/** The SQLite store, which also says where it lives and what opening it migrated. */
export interface SqliteStore extends Store {
  readonly backend: 'sqlite';
  /** The database file it was opened on. */
  readonly path: string;
  /** The schema migrations applied when it was opened. */
  readonly migrations: MigrationResult;
}

/**
 * Opens (creating if needed) the SQLite database at `options.path` in WAL mode, brings its
 * schema up to date, and returns a store on it. Concurrent inserts are group-committed.
 */
export function openSqliteStore(options: SqliteOptions): SqliteStore {
  const db = openDatabase(options);
  let migrations: MigrationResult;
  try {
    migrations = migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  const h = new SqliteHandle(db);
  const checkpointer = startWalCheckpointer(db, options, () => notifications.holdWrites());
  const notifications = new SqliteNotificationStore(h);
  const pingQuery: Statement<[], unknown> = db.prepare('SELECT 1');
  return {
    backend: 'sqlite',
    backendOf: () => 'sqlite',
    path: options.path,
    migrations,
    notifications,
    deliveries: new SqliteDeliveryQueue(h),
    keys: new SqliteKeyStore(h),
    counters: new SqliteCounterStore(h),
    queues: new SqliteUserQueueStore(h),
    objects: new SqliteObjectStore(h),
    ratelimit: new SqliteRateLimitStore(h),
    analytics: new SqliteAnalyticsStore(h),
    subscribers: new SqliteSubscriberStore(h),
    devices: new SqliteDeviceStore(h),
    topicMembers: new SqliteTopicMemberStore(h),
    preferences: new SqlitePreferenceStore(h),
    jobs: new SqliteJobStore(h),
    requests: new SqliteRequestStore(h),
    async ping() {
      try {
        await h.run(() => pingQuery.get());
      } catch (err) {
        throw err instanceof NotifydError ? err : storeUnavailable(err);
      }
    },
    async close() {
      if (h.closed) return;
      await checkpointer?.stop();
      notifications.flush();
      h.closed = true;
      db.close();
    },
  };
}

/** Brings the database at `path` up to date without opening a store (`notifyd migrate`). */
export function migrateSqlite(path: string): MigrationResult {
  const db = openDatabase({ path, checkpointIntervalMs: 0 });
  try {
    return migrate(db);
  } finally {
    db.close();
  }
}
