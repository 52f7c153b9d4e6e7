import { join } from 'node:path';
import t from 'tap';
import { openStore } from '../../src/store/index.js';

const sqlite = { path: '', synchronous: 'NORMAL' as const, busy_timeout_ms: 100 };

t.test('memory is chosen by name', async (t) => {
  const store = await openStore({ backend: 'memory', sqlite });
  t.equal(store.backend, 'memory');
  await store.close();
});

t.test('sqlite opens the configured file', async (t) => {
  const path = join(t.testdir(), 'data', 'notifyd.db');
  const store = await openStore({ backend: 'sqlite', sqlite: { ...sqlite, path } });
  t.equal(store.backend, 'sqlite');
  t.match(store, { path });
  await t.resolves(store.ping());
  await store.close();
});

t.test('a native module that does not load says what to install', async (t) => {
  class Unloadable {
    constructor() {
      throw new Error('Could not locate the bindings file. Tried: build/better_sqlite3.node');
    }
  }
  // The addon loads on the first open, so that is where its absence shows.
  const { openDatabase } = await t.mockImport<
    typeof import('../../src/store/sqlite/connection.js')
  >('../../src/store/sqlite/connection.js', { 'better-sqlite3': Unloadable });
  const path = join(t.testdir(), 'x.db');
  t.throws(() => openDatabase({ path }), { message: /npm install better-sqlite3/ });
});
