import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import t from 'tap';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/core/logger.js';
import { connectConfiguredStore, openStore, type StoreSettings } from '../../src/store/index.js';
import { CALL_TIMEOUT_MARGIN_MS } from '../../src/store/postgres/connection.js';
import { dropSchemaAfter, uniqueSchema } from '../helpers/postgres.js';
import { POSTGRES_URL, requirePostgres } from '../helpers/services.js';
import { startProxy } from '../helpers/tcp-proxy.js';

const defaults = loadConfig({ env: {} }).store;
const sqlite = { ...defaults.sqlite, busy_timeout_ms: 100 };
const settings = (over: Partial<StoreSettings>): StoreSettings => ({ ...defaults, ...over });

t.test('memory is chosen by name', async (t) => {
  const store = await openStore(settings({ backend: 'memory' }));
  t.equal(store.backend, 'memory');
  await store.close();
});

t.test('sqlite opens the configured file', async (t) => {
  const path = join(t.testdir(), 'data', 'notifyd.db');
  const store = await openStore(settings({ backend: 'sqlite', sqlite: { ...sqlite, path } }));
  t.equal(store.backend, 'sqlite');
  t.match(store, { path });
  await t.resolves(store.ping());
  t.equal(store.backendOf('keys'), 'sqlite');
  t.equal(store.backendOf('ratelimit'), 'memory', 'limiter state stays in the process');
  await store.close();
});

t.test('rate-limit counters can live in another backend', async (t) => {
  const path = join(t.testdir(), 'split.db');
  const store = await openStore(
    settings({ backend: 'sqlite', ratelimit: 'memory', sqlite: { ...sqlite, path } }),
  );
  t.equal(store.backend, 'sqlite');
  t.equal(store.backendOf('counters'), 'memory');
  await store.counters.increment('k', 3, 60_000, Date.now());
  const spec = { algorithm: 'fixed_window', max_requests: 1, window_seconds: 60 } as const;
  t.match(await store.ratelimit.consume('k', spec, 1, Date.now()), { allowed: true });
  await store.close();
  const reopened = await openStore(settings({ backend: 'sqlite', sqlite: { ...sqlite, path } }));
  t.equal(await reopened.counters.get('k', Date.now()), 0, 'the counter was not in SQLite');
  t.match(
    await reopened.ratelimit.consume('k', spec, 1, Date.now()),
    { allowed: true },
    'nor the limiter state',
  );
  await reopened.close();
  await t.rejects(
    openStore(
      settings({
        backend: 'memory',
        ratelimit: 'sqlite',
        sqlite: { ...sqlite, path: join(t.testdir({ 'a-file': 'x' }), 'a-file', 'x.db') },
      }),
    ),
    { code: 'STORE_UNAVAILABLE' },
    'a counter backend that cannot open fails the whole store',
  );
});

t.test('limiter state kept in this process serves while the store connects', async (t) => {
  const blocked = join(t.testdir({ 'a-file': 'x' }), 'a-file', 'n.db');
  const retries: number[] = [];
  const store = await connectConfiguredStore(
    settings({ backend: 'sqlite', sqlite: { ...sqlite, path: blocked } }),
    createLogger({ level: 'silent' }),
    { maxDelayMs: 20, onRetry: (_err, _delay, attempt) => retries.push(attempt) },
  );
  t.equal(await store.firstAttempt, false, 'the file cannot be opened');
  t.equal(store.backend, 'sqlite');
  t.equal(store.backendOf('keys'), 'sqlite');
  t.equal(store.backendOf('ratelimit'), 'memory');
  const spec = { algorithm: 'fixed_window', max_requests: 1, window_seconds: 60 } as const;
  t.match(await store.ratelimit.consume('k', spec, 1, Date.now()), { allowed: true });
  await t.rejects(store.keys.count(), { code: 'STORE_UNAVAILABLE' });
  t.ok(retries.length >= 1, 'and it is retried');
  await store.close();
  await t.rejects(store.ratelimit.consume('k', spec, 1, Date.now()), {
    code: 'STORE_UNAVAILABLE',
  });
});

t.test('a store that opens on the first attempt composes what it placed', async (t) => {
  const path = join(t.testdir(), 'n.db');
  const store = await connectConfiguredStore(
    settings({ backend: 'sqlite', sqlite: { ...sqlite, path } }),
    createLogger({ level: 'silent' }),
    { maxDelayMs: 20 },
  );
  t.equal(await store.firstAttempt, true);
  await store.ready;
  t.equal(await store.keys.count(), 0);
  const spec = { algorithm: 'fixed_window', max_requests: 1, window_seconds: 60 } as const;
  t.match(await store.ratelimit.consume('k', spec, 1, Date.now()), { allowed: true });
  t.match(await store.ratelimit.consume('k', spec, 1, Date.now()), { allowed: false });
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

t.test('problems the sqlite store works around are logged as warnings', async (t) => {
  const folder = join(t.testdir(), 'moving');
  const lines: Array<{ level: string; msg: string }> = [];
  let logged: () => void = () => {};
  const firstLine = new Promise<void>((resolve) => {
    logged = resolve;
  });
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      logged();
      done();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  const store = await openStore(
    settings({ backend: 'sqlite', sqlite: { ...sqlite, path: join(folder, 'n.db') } }),
    logger,
  );
  t.teardown(() => store.close());
  // The checkpoint worker opens the file by name once it has started: make that fail.
  renameSync(folder, `${folder}-moved`);
  // Waits for the worker's warning however long a loaded machine takes to start it. The
  // store keeps no timer of its own referenced (it never holds a process open), so this
  // test keeps the event loop alive until the worker has been started, and has failed.
  const alive = setInterval(() => {}, 1000);
  await firstLine;
  clearInterval(alive);
  t.match(lines, [{ level: 'warn', msg: /checkpoint worker stopped/ }]);
  await t.resolves(store.ping(), 'the store still answers');
});

if (await requirePostgres(t)) {
  t.test(
    'store.postgres.statement_timeout_ms bounds a call the server never answers',
    async (t) => {
      const target = new URL(POSTGRES_URL);
      const proxy = await startProxy(target.hostname, Number(target.port || 5432));
      t.teardown(() => proxy.drop());
      const schema = uniqueSchema('notifyd_open');
      dropSchemaAfter(t, schema);
      const url = new URL(POSTGRES_URL);
      url.port = String(proxy.port);
      const store = await openStore(
        settings({
          backend: 'postgres',
          postgres: {
            ...defaults.postgres,
            url: url.toString(),
            schema,
            statement_timeout_ms: 200,
          },
        }),
      );
      await store.keys.count(); // a connection is open: what follows waits on a query
      proxy.silence();
      const started = Date.now();
      await t.rejects(store.keys.count(), { code: 'STORE_UNAVAILABLE' });
      t.ok(Date.now() - started < 200 + CALL_TIMEOUT_MARGIN_MS + 1500, 'within the bound');
      await store.close();
    },
  );
}
