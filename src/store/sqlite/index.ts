import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { NotifydError } from '../../core/errors.js';
import { storeUnavailable } from '../errors.js';
import { ANALYTICS_CACHE_MB } from '../options.js';
import type { Store } from '../types.js';
import { SqliteAnalyticsStore } from './analytics.js';
import { analyticsPathOf, migrateAnalytics } from './analytics-file.js';
import { ANALYTICS_WAL_RESTART_PAGES, startWalCheckpointer } from './checkpointer.js';
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
import { sameFile } from './same-file.js';
import { SqliteSubscriberStore } from './subscribers.js';
import { SqliteTopicMemberStore } from './topic-members.js';
import { SqliteUserQueueStore } from './user-queues.js';

export {
  ANALYTICS_MIGRATIONS,
  ANALYTICS_SCHEMA_VERSION,
  analyticsPathOf,
} from './analytics-file.js';
export type { SqliteOptions } from './connection.js';
export { MIGRATIONS, type MigrationResult, SQLITE_SCHEMA_VERSION } from './migrations.js';

/** The SQLite store, which also says where it lives and what opening it migrated. */
export interface SqliteStore extends Store {
  readonly backend: 'sqlite';
  /** The database file it was opened on. */
  readonly path: string;
  /** The schema migrations applied when it was opened. */
  readonly migrations: MigrationResult;
  /** The analytics file beside it. */
  readonly analyticsPath: string;
  /** The analytics file's migrations applied when it was opened. */
  readonly analyticsMigrations: MigrationResult;
}

/** Both files' migrations: the analytics file first (it takes the main file's old rows). */
function migrateBoth(
  db: Database.Database,
  adb: Database.Database,
): { main: MigrationResult; analytics: MigrationResult } {
  const importFrom = db.memory ? null : db.name;
  const analytics = migrateAnalytics(adb, importFrom);
  return { main: migrate(db), analytics };
}

/**
 * The analytics file of `options`, refused when it is the main file itself, however spelled
 * (a symlink, a hard link, another path to it).
 */
function analyticsFileOf(options: SqliteOptions): string {
  const path = analyticsPathOf(options.path, options.analyticsPath);
  if (sameFile(path, options.path)) {
    throw new Error(
      `store.sqlite.analytics_path is the main database (${options.path}); give analytics a file of its own, or leave it empty for one beside it.`,
    );
  }
  return path;
}

/**
 * Opens (creating if needed) the SQLite database at `options.path` and the analytics file
 * beside it, both in WAL mode with a checkpoint worker each, brings their schemas up to
 * date, and returns a store on them. Concurrent inserts are group-committed.
 */
export function openSqliteStore(options: SqliteOptions): SqliteStore {
  const analyticsPath = analyticsFileOf(options);
  const db = openDatabase(options);
  let adb: Database.Database | undefined;
  let migrated: ReturnType<typeof migrateBoth>;
  try {
    adb = openDatabase(
      { ...options, path: analyticsPath },
      options.analyticsCacheMb ?? ANALYTICS_CACHE_MB,
    );
    migrated = migrateBoth(db, adb);
  } catch (err) {
    adb?.close();
    db.close();
    throw err;
  }
  const h = new SqliteHandle(db);
  const ah = new SqliteHandle(adb);
  const checkpointer = startWalCheckpointer(db, options, () => notifications.holdWrites());
  const analytics = new SqliteAnalyticsStore(ah);
  const analyticsCheckpointer = startWalCheckpointer(
    adb,
    options,
    () => analytics.hold(),
    ANALYTICS_WAL_RESTART_PAGES,
  );
  const notifications = new SqliteNotificationStore(h);
  const pingQuery: Statement<[], unknown> = db.prepare('SELECT 1');
  return {
    backend: 'sqlite',
    backendOf: () => 'sqlite',
    path: options.path,
    migrations: migrated.main,
    analyticsPath,
    analyticsMigrations: migrated.analytics,
    notifications,
    deliveries: new SqliteDeliveryQueue(h),
    keys: new SqliteKeyStore(h),
    counters: new SqliteCounterStore(h),
    queues: new SqliteUserQueueStore(h),
    objects: new SqliteObjectStore(h),
    ratelimit: new SqliteRateLimitStore(h),
    analytics,
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
      await Promise.all([checkpointer?.stop(), analyticsCheckpointer?.stop()]);
      notifications.flush();
      analytics.flush();
      h.closed = true;
      ah.closed = true;
      db.close();
      adb.close();
    },
  };
}

/**
 * Brings the database at `path` and its analytics file up to date without opening a store
 * (`notifyd migrate`): the main file's result, with the analytics file's.
 */
export function migrateSqlite(
  path: string,
  analyticsPath = '',
): MigrationResult & { analytics: MigrationResult } {
  const options = { path, analyticsPath, checkpointIntervalMs: 0 };
  const apath = analyticsFileOf(options);
  const db = openDatabase(options);
  try {
    const adb = openDatabase({ ...options, path: apath });
    try {
      const { main, analytics } = migrateBoth(db, adb);
      return { ...main, analytics };
    } finally {
      adb.close();
    }
  } finally {
    db.close();
  }
}
