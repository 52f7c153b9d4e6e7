import { renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import {
  type CheckpointReport,
  startCheckpointer,
  startWalCheckpointer,
} from '../../src/store/sqlite/checkpointer.js';
import { openDatabase } from '../../src/store/sqlite/connection.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { Fixture } from './contract/fixtures.js';

const dir = t.testdir({});

/**
 * Polls until `check` holds, or fails the test after `ms`: long enough for a loaded machine
 * to start the worker thread (it loads the TypeScript loader in tests) and run its rounds.
 */
async function eventually(t: Test, what: string, check: () => boolean, ms = 30_000) {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) return t.fail(`${what}: not within ${ms} ms`);
    await sleep(20);
  }
  t.pass(what);
}

t.test('the writing connection leaves checkpoints to the worker', async (t) => {
  const path = join(dir, 'worker.db');
  const store = openSqliteStore({ path, checkpointIntervalMs: 50 });
  t.teardown(() => store.close());
  const probe = new Database(path, { readonly: true });
  t.teardown(() => probe.close());
  const fx = new Fixture();
  const before = statSync(path).size;
  for (let i = 0; i < 20; i++) {
    await store.notifications.insert(Array.from({ length: 100 }, () => fx.item()));
  }
  // Pages reach the main file only through a checkpoint, and this connection makes none.
  await eventually(t, 'the database file grows while the store is open', () => {
    return statSync(path).size > before + 512 * 1024;
  });
  const page = await store.notifications.list({ tenant_id: 't1', recipient_id: 'alice', limit: 5 });
  t.equal(page.items.length, 5, 'reads still see every write');
});

t.test('without a worker, SQLite checkpoints on the writing connection', async (t) => {
  const db = openDatabase({ path: join(dir, 'inline.db'), checkpointIntervalMs: 0 });
  t.teardown(() => db.close());
  t.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
  t.equal(
    startWalCheckpointer(db, { path: db.name, checkpointIntervalMs: 0 }, () => () => {}),
    null,
  );
  const worker = openDatabase({ path: join(dir, 'inline.db') });
  t.teardown(() => worker.close());
  t.equal(worker.pragma('wal_autocheckpoint', { simple: true }), 0);
});

t.test('a worker that cannot open the database hands checkpoints back', async (t) => {
  const folder = join(dir, 'moving');
  const path = join(folder, 'gone.db');
  const db = openDatabase({ path });
  t.teardown(() => db.close());
  t.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0);
  const warnings: string[] = [];
  const checkpointer = startWalCheckpointer(
    db,
    { path, onWarning: (message) => warnings.push(message) },
    () => () => {},
  );
  // The worker opens the file by name once it has started; by then the folder has moved.
  renameSync(folder, join(dir, 'moved'));
  await eventually(t, 'the failure is reported', () => warnings.length > 0);
  t.match(warnings[0], /checkpoint worker stopped/);
  t.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000, 'SQLite checkpoints again');
  await checkpointer?.stop();
});

t.test('under commits that never pause, the WAL still starts over', async (t) => {
  const path = join(dir, 'busy.db');
  const db = openDatabase({ path });
  t.teardown(() => db.close());
  db.exec('CREATE TABLE filler (x BLOB)');
  const insert = db.prepare('INSERT INTO filler VALUES (randomblob(3000))');
  // A writer committing every millisecond, which can be held like the store's group commit.
  let held = 0;
  let holds = 0;
  let written = 0;
  const writer = setInterval(() => {
    if (held === 0) {
      insert.run();
      written++;
    }
  }, 1);
  t.teardown(() => clearInterval(writer));
  const reports: CheckpointReport[] = [];
  const checkpointer = startCheckpointer(
    // Any WAL at all is over this bound, so every round that follows writes holds them:
    // the catch-up happens whatever the machine's load does to the writer's rhythm.
    { path, intervalMs: 20, restartAbovePages: 0 },
    {
      holdWrites() {
        held++;
        holds++;
        return () => {
          held--;
        };
      },
      onFailure: (err) => t.fail(String(err)),
    },
  );
  const collect = setInterval(() => {
    const last = checkpointer.last;
    if (last && last !== reports.at(-1)) reports.push(last);
  }, 1);
  t.teardown(() => clearInterval(collect));
  await eventually(t, 'the WAL started over twice', () => {
    const rounds = reports.filter((r) => r.kind === 'round');
    return rounds.filter((r, i) => i > 0 && r.log < rounds[i - 1]!.log).length >= 2;
  });
  t.ok(holds >= 2, 'writes were held for a catch-up');
  t.ok(
    reports.some((r) => r.kind === 'caught-up' && r.checkpointed === r.log),
    'a catch-up copied the whole WAL',
  );
  await checkpointer.stop();
  await checkpointer.stop();
  t.equal(held, 0, 'no hold is left');
  clearInterval(writer);
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM filler').get();
  t.equal(count?.n, written, 'every commit is there');
});

t.test('a checkpointer stopped before its first round never starts a thread', async (t) => {
  // A worker on a file in a folder that does not exist would fail as soon as it started.
  const failures: Error[] = [];
  const checkpointer = startCheckpointer(
    { path: join(dir, 'no-such-folder', 'x.db'), intervalMs: 20, restartAbovePages: 4096 },
    { holdWrites: () => () => {}, onFailure: (err) => failures.push(err) },
  );
  await checkpointer.stop();
  await sleep(100);
  t.same(failures, [], 'nothing started, so nothing failed');
  t.equal(checkpointer.last, null);
});
