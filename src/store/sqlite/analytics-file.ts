/**
 * Analytics in a SQLite file of its own, beside the main database: its own connection, WAL
 * and checkpoint worker. Tracked events arrive by the thousand; written into the main file
 * they doubled the WAL the checkpoint copies back and held notification writes during each
 * catch-up (BENCHMARKS.md, "Analytics in a SQLite file of its own").
 * The two files are not one snapshot; nothing reads across them.
 */
import type Database from 'better-sqlite3';
import { activityRowsMigration } from '../activity-migration.js';
import type { Migration, MigrationResult } from '../types.js';
import { ANALYTICS_TABLES, migrate, schemaVersion } from './migrations.js';

/** Where analytics lives when `store.sqlite.analytics_path` is empty: beside the main file. */
export function analyticsPathOf(mainPath: string, configured = ''): string {
  if (configured !== '') return configured;
  if (mainPath === ':memory:' || mainPath === '') return ':memory:';
  return mainPath.endsWith('.db')
    ? `${mainPath.slice(0, -3)}-analytics.db`
    : `${mainPath}-analytics`;
}

/** The analytics file's schema, versioned apart from the main file's. */
export const ANALYTICS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'analytics events and rollups',
    sql: ANALYTICS_TABLES,
  },
  activityRowsMigration(
    2,
    `
      CREATE TABLE analytics_activity (
        tenant_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        day INTEGER NOT NULL,
        first INTEGER NOT NULL,
        last INTEGER NOT NULL,
        prev_last INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, user_id, day)
      ) WITHOUT ROWID;
    `,
  ),
  {
    version: 3,
    name: 'analytics events by type and user',
    sql: `
      -- Funnels (AnalyticsStore.funnel): a user's first event of a type after a time is one
      -- index seek instead of a scan of every event of the type. The tenant comes last: a
      -- query across tenants (a user id counted once) seeks as one in a tenant does.
      CREATE INDEX analytics_events_funnel
        ON analytics_events (event_type, user_id, timestamp, id, tenant_id)
        WHERE user_id IS NOT NULL;
    `,
  },
];

/** The schema version of the analytics file this build writes. */
export const ANALYTICS_SCHEMA_VERSION =
  ANALYTICS_MIGRATIONS[ANALYTICS_MIGRATIONS.length - 1].version;

/** Whether the attached main database still holds analytics tables (schema before 18). */
function mainHoldsAnalytics(db: Database.Database): boolean {
  return (
    db
      .prepare(
        "SELECT 1 FROM legacy.sqlite_master WHERE type = 'table' AND name = 'analytics_events'",
      )
      .get() !== undefined
  );
}

/**
 * Brings the analytics file up to date. A new one takes over the events and rollups the main
 * database at `mainPath` holds (versions before analytics had a file of its own), in the
 * transaction that creates its schema (its activity rows are made again from those events by
 * migration 2): if notifyd dies meanwhile, nothing was taken and the next start does it
 * again. Only then may the main database drop its copy (its migration 18, which
 * `openSqliteStore` and `migrateSqlite` run after this one).
 */
export function migrateAnalytics(db: Database.Database, mainPath: string | null): MigrationResult {
  const importing = mainPath !== null && schemaVersion(db) === 0;
  if (importing) db.prepare('ATTACH DATABASE ? AS legacy').run(mainPath);
  try {
    const copy = importing && mainHoldsAnalytics(db);
    const migrations = ANALYTICS_MIGRATIONS.map((m) =>
      m.version === 1 && copy
        ? {
            ...m,
            sql: `${m.sql}
              INSERT INTO main.analytics_events SELECT * FROM legacy.analytics_events;
              INSERT INTO main.analytics_rollups SELECT * FROM legacy.analytics_rollups;`,
          }
        : m,
    );
    return migrate(db, migrations);
  } finally {
    if (importing) db.exec('DETACH DATABASE legacy');
  }
}
