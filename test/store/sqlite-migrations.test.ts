import { existsSync, linkSync, mkdirSync, symlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { migrateAnalytics } from '../../src/store/sqlite/analytics-file.js';
import {
  ANALYTICS_SCHEMA_VERSION,
  migrateSqlite,
  openSqliteStore,
} from '../../src/store/sqlite/index.js';
import {
  MIGRATIONS,
  type Migration,
  migrate,
  SQLITE_SCHEMA_VERSION,
  schemaVersion,
} from '../../src/store/sqlite/migrations.js';
import {
  checkActivityBackfill,
  checkDeadLetters,
  checkFunnelIndex,
  checkJobClaims,
  checkLeaseTokens,
  checkProviderMessageIds,
  checkSendRequests,
  SEED_DEAD_LETTER,
  SEED_DUE_JOBS,
  SEED_LEGACY_REQUEST,
  SEED_SENT_SMS,
  SEED_USER_EVENTS,
} from './migration-checks.js';

const dir = t.testdir();
let n = 0;
const freshPath = () => join(dir, `m-${++n}.db`);
const upTo = (version: number) => MIGRATIONS.filter((m) => m.version <= version);
const all = MIGRATIONS.map((m) => m.version);

/** Rows that each older schema can hold, written with that schema's SQL. */
const SEED: Record<number, string> = {
  1: `INSERT INTO notifications VALUES ('ntf_01', 't1', 'req_01', 'alice', 'news', 'normal',
        '{"title":"T","body":"B"}', NULL, NULL, 'k', '["in_app"]', 1, NULL, NULL);
      INSERT INTO deliveries VALUES ('dlv_01', 't1', 'ntf_01', 'alice', 'push', 'pending', 0, 1,
        NULL, NULL, NULL, 1, 1);
      INSERT INTO idempotency_keys VALUES ('t1', 'k', 'ntf_01', 'req_01', 9e15);`,
  2: `INSERT INTO api_keys VALUES ('key_01', 'ci', 'abc', 'nk_ab', '["*"]', NULL, '[]', 1, NULL,
        NULL, NULL);`,
  3: `INSERT INTO counters VALUES ('c', 4, 9e15);`,
  4: `INSERT INTO user_queues VALUES ('offline', 't1', 'alice', 'ntf_01', 'p', 1, 9e15);`,
  5: `INSERT INTO objects VALUES ('policy', 'pol_01', 't1', 'free', '{"a":1}', 1, 1, 1);`,
  6: `INSERT INTO ratelimit_state VALUES ('r', '{"window_start":0,"current":2,"previous":0,"tokens":0,"refilled_at":0,"burst_start":0,"burst_used":0,"cooldown_until":0,"penalty_until":0,"expires_at":9000000000000000}', 9e15);`,
  7: `INSERT INTO subscribers (tenant_id, id, email, email_key, created_at, updated_at)
        VALUES ('t1', 'alice', 'Alice@example.com', 'alice@example.com', 1, 1);`,
  8: `UPDATE notifications SET actions = '[{"id":"ok","label":"OK","type":"primary"}]',
        expires_at = 9000000000000000 WHERE id = 'ntf_01';`,
  9: `INSERT INTO analytics_events VALUES ('aev_01', 't1', 'x', NULL, NULL, '{}', 1, '{}');`,
  10: `INSERT INTO jobs VALUES ('job_01', 't1', 'notification.send', 5, '{"a":1}', 'scheduled', 0,
        NULL, NULL, 'ck', NULL, 1, 1);`,
  // A delivery leased before migration 12 added lease tokens (its lease ends at 50).
  11: `UPDATE deliveries SET attempts = 1, lease_until = 50 WHERE id = 'dlv_01';`,
  12: SEED_DEAD_LETTER,
  13: SEED_SENT_SMS,
  14: SEED_LEGACY_REQUEST,
  15: SEED_DUE_JOBS,
  16: SEED_USER_EVENTS,
  // Rollups written into the main file, the last version before analytics had a file.
  17: `INSERT INTO analytics_rollups VALUES ('day', 0, 't1', 'x', '{}', 3);`,
};

t.test('versions start at 1 and go up by one, each with a name', async (t) => {
  t.same(
    all,
    Array.from({ length: MIGRATIONS.length }, (_, i) => i + 1),
  );
  t.equal(SQLITE_SCHEMA_VERSION, MIGRATIONS.length);
  t.equal(new Set(MIGRATIONS.map((m) => m.name)).size, MIGRATIONS.length);
});

t.test('a new database gets every migration, recorded', async (t) => {
  const store = openSqliteStore({ path: freshPath() });
  t.same(store.migrations, { from: 0, to: SQLITE_SCHEMA_VERSION, applied: all });
  await store.close();
  const db = new Database(store.path, { readonly: true });
  t.teardown(() => db.close());
  const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
  t.same(
    rows,
    MIGRATIONS.map(({ version, name }) => ({ version, name })),
  );
});

t.test('migrating again applies nothing and keeps the data', async (t) => {
  const path = freshPath();
  const store = openSqliteStore({ path });
  await store.counters.increment('x', 2, 60_000, 0);
  await store.close();
  t.same(migrateSqlite(path), {
    from: SQLITE_SCHEMA_VERSION,
    to: SQLITE_SCHEMA_VERSION,
    applied: [],
    analytics: { from: ANALYTICS_SCHEMA_VERSION, to: ANALYTICS_SCHEMA_VERSION, applied: [] },
  });
  const again = openSqliteStore({ path });
  t.same(again.migrations.applied, []);
  t.equal(await again.counters.get('x', 1), 2);
  await again.close();
});

for (let from = 0; from < SQLITE_SCHEMA_VERSION; from++) {
  t.test(`a database at version ${from} is upgraded and keeps its rows`, async (t) => {
    const path = freshPath();
    const old = new Database(path);
    // Each version's rows are written right after its migration, as that schema held them.
    migrate(old, upTo(0));
    for (let v = 1; v <= from; v++) {
      migrate(old, upTo(v));
      old.exec(SEED[v]);
    }
    old.close();
    const store = openSqliteStore({ path });
    t.teardown(() => store.close());
    t.same(store.migrations, { from, to: SQLITE_SCHEMA_VERSION, applied: all.slice(from) });
    if (from >= 1) {
      t.match(await store.notifications.get('t1', 'alice', 'ntf_01'), { content: { title: 'T' } });
      t.equal((await store.deliveries.claim(['push'], 1, 5, 10, 'tok')).length, from < 11 ? 1 : 0);
    }
    if (from >= 1 && from < 8) {
      t.match(await store.notifications.get('t1', 'alice', 'ntf_01'), {
        actions: [],
        template: null,
        expires_at: null,
        dismissed_at: null,
        action_id: null,
      });
    }
    if (from >= 8) {
      t.match(await store.notifications.get('t1', 'alice', 'ntf_01'), {
        actions: [{ id: 'ok' }],
        expires_at: 9e15,
      });
    }
    if (from >= 10) {
      t.match(await store.jobs.getByKey('t1', 'ck'), { id: 'job_01', payload: { a: 1 } });
      t.equal((await store.jobs.claim(['notification.send'], 5, 10, 1000, 'tok')).length, 1);
    }
    if (from >= 1) {
      // Migration 11: rows written before it have no rendered contents and no device.
      t.match(await store.notifications.get('t1', 'alice', 'ntf_01'), { contents: null });
      t.match(await store.deliveries.listByNotification('t1', 'ntf_01'), [{ device_id: null }]);
    }
    if (from >= 11) await checkLeaseTokens(t, store);
    if (from >= 12) await checkDeadLetters(t, store);
    if (from >= 13) await checkProviderMessageIds(t, store);
    if (from >= 14) await checkSendRequests(t, store);
    if (from >= 15) await checkJobClaims(t, store);
    if (from >= 16) await checkActivityBackfill(t, store);
    if (from >= 16) await checkFunnelIndex(t, store);
    // Migration 18: the analytics file took the main file's events and rollups.
    const range = { tenant_id: 't1', from: 0, to: 1e15 };
    t.same(
      (await store.analytics.scan(range, 10)).map((e) => e.id),
      from >= 16 ? ['aev_01', 'aev_11', 'aev_12'] : from >= 9 ? ['aev_01'] : [],
    );
    t.same(
      (await store.analytics.rollups('day', range)).map((r) => r.count),
      from >= 17 ? [3] : [],
    );
    if (from >= 2) t.match(await store.keys.findByHash('abc'), { id: 'key_01', scopes: ['*'] });
    if (from >= 3) t.equal(await store.counters.get('c', 0), 4);
    if (from >= 4) t.equal(await store.queues.count('offline', 0), 1);
    if (from >= 5) t.match(await store.objects.get('policy', 'pol_01'), { data: { a: 1 } });
    if (from >= 7) {
      t.match(await store.subscribers.get('t1', 'alice'), { email: 'Alice@example.com' });
    }
    if (from >= 6) {
      const spec = { algorithm: 'fixed_window', max_requests: 3, window_seconds: 10 } as const;
      t.match(await store.ratelimit.consume('r', spec, 1, 5, { dryRun: true }), { used: 3 });
    }
  });
}

t.test('a database newer than this code is refused and left alone', async (t) => {
  const path = freshPath();
  const db = new Database(path);
  const future: Migration = { version: SQLITE_SCHEMA_VERSION + 1, name: 'future', sql: 'SELECT 1' };
  migrate(db, [...MIGRATIONS, future]);
  db.close();
  t.throws(() => openSqliteStore({ path }), /newer than this notifyd knows/);
  const check = new Database(path);
  t.teardown(() => check.close());
  t.equal(schemaVersion(check), SQLITE_SCHEMA_VERSION + 1);
});

t.test('a failing migration leaves the database as it was', async (t) => {
  const db = new Database(freshPath());
  t.teardown(() => db.close());
  migrate(db, upTo(1));
  const broken: Migration = {
    version: 99,
    name: 'broken',
    sql: 'CREATE TABLE half_done (a); SELECT nope FROM missing_table;',
  };
  t.throws(() => migrate(db, [...MIGRATIONS, broken]));
  t.equal(schemaVersion(db), 1, 'no later migration recorded');
  const made = db.prepare("SELECT name FROM sqlite_master WHERE name IN ('half_done', 'api_keys')");
  t.same(made.all(), [], 'nothing of the group applied');
});

t.test('analytics has a file of its own beside the main one', async (t) => {
  const path = freshPath();
  const store = openSqliteStore({ path });
  t.equal(store.analyticsPath, path.replace(/\.db$/, '-analytics.db'));
  t.same(store.analyticsMigrations, { from: 0, to: ANALYTICS_SCHEMA_VERSION, applied: [1, 2, 3] });
  await store.close();
  const main = new Database(path, { readonly: true });
  t.teardown(() => main.close());
  const tables = main.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'analytics%'").all();
  t.same(tables, [], 'the main file keeps no analytics tables');
  t.throws(
    () => openSqliteStore({ path, analyticsPath: path }),
    /analytics_path is the main database/,
  );
});

t.test('a database whose migration 17 built activity rows drops them at 18', async (t) => {
  // Migration 17 built activity rows in the main file before the analytics file made them.
  const path = freshPath();
  const old = new Database(path);
  migrate(old, upTo(17));
  old.exec(`CREATE TABLE analytics_activity (tenant_id TEXT, user_id TEXT, day INTEGER);
    INSERT INTO analytics_activity VALUES ('t1', 'alice', 0);`);
  old.exec(SEED_USER_EVENTS);
  old.close();
  const store = openSqliteStore({ path });
  t.teardown(() => store.close());
  t.same(store.migrations.applied, [18]);
  await checkActivityBackfill(t, store);
  await checkFunnelIndex(t, store);
  const main = new Database(path, { readonly: true });
  t.teardown(() => main.close());
  const tables = main.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'analytics%'").all();
  t.same(tables, [], 'the main file keeps no analytics tables');
});

t.test('analytics_path naming the main file another way is refused', async (t) => {
  const refused = /analytics_path is the main database/;
  // The main file exists: a symlink, a hard link and a path through a symlinked folder.
  const path = freshPath();
  await openSqliteStore({ path }).close();
  const viaSymlink = join(dir, `link-${n}.db`);
  symlinkSync(path, viaSymlink);
  const viaHardLink = join(dir, `hard-${n}.db`);
  linkSync(path, viaHardLink);
  const folder = join(dir, `folder-${n}`);
  symlinkSync(dirname(path), folder);
  const viaFolder = join(folder, basename(path));
  const spelled = join(dir, '.', `sub-${n}`, '..', basename(path));
  for (const analyticsPath of [viaSymlink, viaHardLink, viaFolder, spelled]) {
    t.throws(() => openSqliteStore({ path, analyticsPath }), refused, analyticsPath);
    t.throws(() => migrateSqlite(path, analyticsPath), refused, `migrate: ${analyticsPath}`);
    t.throws(() => openSqliteStore({ path: analyticsPath, analyticsPath: path }), refused);
  }
  // Neither file there yet: a (dangling) symlink to where the main file will be.
  const later = freshPath();
  const dangling = join(dir, `dangling-${n}.db`);
  symlinkSync(later, dangling);
  t.throws(() => openSqliteStore({ path: later, analyticsPath: dangling }), refused);
  t.notOk(existsSync(later), 'refused before either file is created');
  // A file of its own, in a folder reached through a symlink, is fine.
  const ownDir = `own-${n}`;
  mkdirSync(join(dir, ownDir));
  const analyticsPath = join(folder, ownDir, 'a.db');
  const own = openSqliteStore({ path: freshPath(), analyticsPath });
  t.equal(own.analyticsPath, analyticsPath);
  await own.close();
});

t.test('an import cut short by a crash is neither lost nor done twice', async (t) => {
  // Version 17: analytics still in the main file, with an event and a rollup.
  const path = freshPath();
  const old = new Database(path);
  migrate(old, upTo(17));
  old.exec(SEED[9]!);
  old.exec(SEED[17]!);
  old.close();
  // notifyd died after the analytics file took the rows and before the main file dropped
  // them: the analytics file is at its version, the main file still at 17.
  const apath = path.replace(/\.db$/, '-analytics.db');
  const adb = new Database(apath);
  migrateAnalytics(adb, path);
  adb.close();
  const store = openSqliteStore({ path });
  t.teardown(() => store.close());
  t.same(store.migrations.applied, [18]);
  t.same(store.analyticsMigrations.applied, []);
  const all = { tenant_id: 't1', from: 0, to: 1e15 };
  t.same(
    (await store.analytics.scan(all, 10)).map((e) => e.id),
    ['aev_01'],
  );
  t.same(
    (await store.analytics.rollups('day', all)).map((r) => r.count),
    [3],
  );
});
