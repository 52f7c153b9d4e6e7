import { chmodSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { openDatabase } from '../../src/store/sqlite/connection.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { migrate } from '../../src/store/sqlite/migrations.js';
import { Fixture } from './contract/fixtures.js';

const dir = t.testdir({ 'not-a-db': 'this is text, not SQLite' });

t.test('opens in WAL mode with the configured pragmas', async (t) => {
  const db = openDatabase({ path: join(dir, 'p.db'), synchronous: 'FULL', busyTimeoutMs: 1234 });
  t.teardown(() => db.close());
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  t.equal(db.pragma('synchronous', { simple: true }), 2, 'FULL');
  t.equal(db.pragma('foreign_keys', { simple: true }), 1);
  t.equal(db.pragma('busy_timeout', { simple: true }), 1234);
  const normal = openDatabase({ path: join(dir, 'p.db') });
  t.teardown(() => normal.close());
  t.equal(normal.pragma('synchronous', { simple: true }), 1, 'NORMAL by default');
});

t.test('the analytics file has a page cache of its own, 256 MiB unless configured', async (t) => {
  // The driver's default (16 MB) read and wrote a page from disk for nearly every tracked event.
  const cacheOf = (store: ReturnType<typeof openSqliteStore>) =>
    (store.analytics as unknown as { h: { db: Database.Database } }).h.db.pragma('cache_size', {
      simple: true,
    });
  const byDefault = openSqliteStore({ path: join(dir, 'cache-default.db') });
  t.teardown(() => byDefault.close());
  t.equal(cacheOf(byDefault), -256 * 1024, 'in KiB, as SQLite takes a negative cache_size');
  const configured = openSqliteStore({ path: join(dir, 'cache-64.db'), analyticsCacheMb: 64 });
  t.teardown(() => configured.close());
  t.equal(cacheOf(configured), -64 * 1024);
  const main = openDatabase({ path: join(dir, 'cache-main.db') });
  t.teardown(() => main.close());
  const plain = new Database(':memory:');
  t.teardown(() => plain.close());
  t.equal(
    main.pragma('cache_size', { simple: true }),
    plain.pragma('cache_size', { simple: true }),
    "the main file keeps the driver's default",
  );
});

t.test('creates the folder of the database', async (t) => {
  const path = join(dir, 'nested', 'deeper', 'n.db');
  const store = openSqliteStore({ path });
  await store.close();
  t.ok(existsSync(path));
});

t.test(
  'new database files are readable by their owner only; an existing file keeps its mode',
  async (t) => {
    // Notification content and recipients' addresses are in them: not for every local user.
    const path = join(dir, 'private', 'notifyd.db');
    const store = openSqliteStore({ path });
    await store.notifications.insert([new Fixture().item()]);
    const mode = (f: string) => (statSync(f).mode & 0o777).toString(8);
    const analytics = join(dir, 'private', 'notifyd-analytics.db');
    for (const f of [path, `${path}-wal`, `${path}-shm`, analytics, `${analytics}-wal`]) {
      t.equal(mode(f), '600', f);
    }
    await store.close();
    const shared = join(dir, 'shared.db');
    await openSqliteStore({ path: shared }).close();
    chmodSync(shared, 0o640);
    await openSqliteStore({ path: shared }).close();
    t.equal(mode(shared), '640', 'a mode its owner set is kept');
  },
);

t.test('a folder that cannot be made is STORE_UNAVAILABLE, naming the path', async (t) => {
  const path = join(dir, 'not-a-db', 'n.db');
  t.throws(() => openSqliteStore({ path }), { code: 'STORE_UNAVAILABLE', details: { path } });
});

t.test('a file that is not a database is a lasting error, naming the path', async (t) => {
  // Retrying cannot fix it, so it is not STORE_UNAVAILABLE (which notifyd retries).
  const path = join(dir, 'not-a-db');
  t.throws(() => openSqliteStore({ path }), {
    message: `${path} is not a usable SQLite database`,
    code: undefined,
  });
  t.throws(
    () => openDatabase({ path: join(dir, 'x.db'), synchronous: 'OFF' as 'FULL' }),
    TypeError,
  );
});

t.test('feed and queue queries use their indexes', async (t) => {
  const db = openDatabase({ path: ':memory:' });
  t.teardown(() => db.close());
  migrate(db);
  const plan = (sql: string) =>
    (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[])
      .map((r) => r.detail)
      .join('; ');
  const mine = "tenant_id = 't' AND recipient_id = 'r'";
  t.match(
    plan(`SELECT * FROM notifications WHERE ${mine} AND deleted_at IS NULL AND id < 'x'
          ORDER BY id DESC LIMIT 11`),
    /notifications_feed/,
  );
  t.notMatch(
    plan(`SELECT * FROM notifications WHERE ${mine} AND deleted_at IS NULL
          ORDER BY id DESC LIMIT 11`),
    /TEMP B-TREE/,
    'no sort',
  );
  t.match(
    plan(`SELECT category, COUNT(*) FROM notifications WHERE ${mine}
          AND read_at IS NULL AND deleted_at IS NULL GROUP BY category`),
    /COVERING INDEX notifications_unread/,
  );
  t.match(
    plan(`SELECT id FROM deliveries WHERE status = 'pending'
          AND channel IN (SELECT value FROM json_each('["push"]')) AND next_attempt_at <= 5
          AND (lease_until IS NULL OR lease_until <= 5) ORDER BY next_attempt_at, id LIMIT 10`),
    /deliveries_queue/,
  );
  t.match(plan("SELECT * FROM api_keys WHERE hash = 'h'"), /autoindex_api_keys_2|hash/);
});

t.test('a locked database fails the whole group with STORE_UNAVAILABLE', async (t) => {
  const f = new Fixture();
  const path = join(dir, 'locked.db');
  const store = openSqliteStore({ path, busyTimeoutMs: 20 });
  t.teardown(() => store.close());
  const blocker = new Database(path);
  t.teardown(() => blocker.close());
  blocker.exec('BEGIN IMMEDIATE');
  const items = [f.item(), f.item(), f.item()];
  const results = await Promise.allSettled(items.map((i) => store.notifications.insert([i])));
  t.same(
    results.map((r) => r.status === 'rejected' && (r.reason as { code?: string }).code),
    ['STORE_UNAVAILABLE', 'STORE_UNAVAILABLE', 'STORE_UNAVAILABLE'],
  );
  await t.resolves(store.ping(), 'reads still work under a writer in WAL');
  blocker.exec('ROLLBACK');
  const retried = await Promise.all(items.map((i) => store.notifications.insert([i])));
  t.same(
    retried.flat(),
    items.map(() => ({ status: 'created' })),
    'nothing was half written',
  );
});

t.test('an item that cannot be serialised fails only its own call', async (t) => {
  const f = new Fixture();
  const store = openSqliteStore({ path: join(dir, 'bigint.db') });
  t.teardown(() => store.close());
  const bad = f.item({ data: { amount: 10n } });
  const good = f.item();
  const [a, b] = await Promise.allSettled([
    store.notifications.insert([good]),
    store.notifications.insert([bad]),
  ]);
  t.equal(a.status, 'fulfilled');
  t.equal(b.status, 'rejected');
});
