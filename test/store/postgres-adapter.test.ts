import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import t, { type Test } from 'tap';
import { StoreConflictError } from '../../src/store/errors.js';
import { CALL_TIMEOUT_MARGIN_MS, describeTarget } from '../../src/store/postgres/connection.js';
import {
  migratePostgres,
  openPostgresStore,
  type PostgresOptions,
  type PostgresStore,
} from '../../src/store/postgres/index.js';
import { checkSchemaName, tables } from '../../src/store/postgres/names.js';
import { isDataError, isUnavailable, translateError } from '../../src/store/postgres/pg-errors.js';
import { adminQuery, dropSchemaAfter, uniqueSchema } from '../helpers/postgres.js';
import { POSTGRES_URL, requirePostgres } from '../helpers/services.js';
import { freePort, silentServer, startProxy } from '../helpers/tcp-proxy.js';
import { Fixture } from './contract/fixtures.js';

const unavailable = { code: 'STORE_UNAVAILABLE', status: 503 };
const server = new URL(POSTGRES_URL);

/** `POSTGRES_URL` on another port, with a password that must never be shown. */
function urlOnPort(port: number, search = ''): string {
  const u = new URL(POSTGRES_URL);
  u.port = String(port);
  u.password = 'sekret';
  u.search = search;
  return u.toString();
}

/** A store on a schema of its own, closed and dropped when `t` ends. */
async function storeFor(t: Test, over: Partial<PostgresOptions> = {}): Promise<PostgresStore> {
  const schema = uniqueSchema('notifyd_adapter');
  dropSchemaAfter(t, schema);
  const store = await openPostgresStore({ url: POSTGRES_URL, schema, poolSize: 2, ...over });
  t.teardown(() => store.close());
  return store;
}

t.test('schema names and pool sizes are checked before any SQL is made of them', async (t) => {
  for (const bad of ['Public', 'a-b', 'x"; DROP TABLE y; --', '1abc', '', 'a'.repeat(64)]) {
    t.throws(() => checkSchemaName(bad), TypeError, JSON.stringify(bad));
    await t.rejects(openPostgresStore({ url: POSTGRES_URL, schema: bad }), TypeError);
  }
  t.equal(tables('select').notifications, '"select".notifications', 'quoted');
  await t.rejects(openPostgresStore({ url: POSTGRES_URL, poolSize: 0 }), TypeError);
  await t.rejects(openPostgresStore({ url: POSTGRES_URL, poolSize: 1.5 }), TypeError);
});

t.test('driver errors are told apart', async (t) => {
  const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  for (const code of ['57P01', '57014', '08006', '08001', '53300', '40P01', '3D000', '28P01']) {
    t.ok(isUnavailable(coded(code)), code);
  }
  for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND']) {
    t.ok(isUnavailable(coded(code)), code);
  }
  t.ok(isUnavailable(new Error('Connection terminated unexpectedly')));
  t.ok(isUnavailable(new Error('timeout exceeded when trying to connect')));
  t.notOk(isUnavailable(coded('23505')), 'a unique violation is not');
  t.notOk(isUnavailable(coded('42P01')), 'a missing table is not');
  t.notOk(isUnavailable('ECONNREFUSED'), 'not an error at all');
  t.ok(isDataError(coded('22P05')));
  t.ok(isDataError(coded('23503')));
  t.notOk(isDataError(coded('57P01')));
  t.notOk(isDataError(null));
  const conflict = translateError(Object.assign(coded('23505', 'dup'), { detail: 'Key (id)' }));
  t.type(conflict, StoreConflictError);
  t.match(conflict, { message: /Key \(id\)/ });
  t.ok(isDataError(conflict), 'a conflict is still about its own data');
  t.type(translateError(coded('23505', 'dup')), StoreConflictError);
  t.match(translateError(coded('57P01')), unavailable);
  const other = coded('42601');
  t.equal(translateError(other), other, 'anything else passes through');
  t.equal(describeTarget('postgres://u:pw@db.example:6543/notifyd'), 'db.example:6543/notifyd');
  t.equal(describeTarget('postgres:///notifyd'), 'localhost:5432/notifyd');
  t.equal(describeTarget('not a url'), 'the configured PostgreSQL server');
});

t.test('a server that is not there is STORE_UNAVAILABLE at once', async (t) => {
  const port = await freePort();
  const url = urlOnPort(port);
  const started = Date.now();
  const err = await openPostgresStore({ url, schema: 'x' }).catch((e: unknown) => e);
  t.match(err, { ...unavailable, message: new RegExp(`127.0.0.1:${port}/`) });
  t.notMatch((err as Error).message, /sekret/, 'the password is not shown');
  t.ok(Date.now() - started < 2000, 'promptly');
  await t.rejects(migratePostgres({ url, schema: 'x' }), unavailable);
});

t.test('a server that never answers is STORE_UNAVAILABLE after the connect timeout', async (t) => {
  const silent = await silentServer();
  t.teardown(() => silent.close());
  const started = Date.now();
  await t.rejects(
    openPostgresStore({ url: urlOnPort(silent.port), connectTimeoutMs: 200 }),
    unavailable,
  );
  const took = Date.now() - started;
  t.ok(took >= 150 && took < 2000, `bounded (${took} ms)`);
});

if (await requirePostgres(t)) {
  t.test('a server that goes away makes every call STORE_UNAVAILABLE', async (t) => {
    const proxy = await startProxy(server.hostname, Number(server.port || 5432));
    const f = new Fixture();
    const store = await storeFor(t, { url: urlOnPort(proxy.port).replace(':sekret', '') });
    await t.resolves(store.ping());
    await proxy.drop();
    await t.rejects(store.ping(), unavailable);
    await t.rejects(store.notifications.insert([f.item()]), unavailable);
    await t.rejects(store.counters.increment('c', 1, 1000, 0), unavailable);
    await t.rejects(store.keys.count(), unavailable);
  });

  t.test('ping gives up on a server that stopped answering', async (t) => {
    const proxy = await startProxy(server.hostname, Number(server.port || 5432));
    const url = urlOnPort(proxy.port).replace(':sekret', '');
    const store = await storeFor(t, { url, connectTimeoutMs: 300 });
    proxy.silence();
    const started = Date.now();
    await t.rejects(store.ping(), { ...unavailable, cause: { message: /within 300 ms/ } });
    t.ok(Date.now() - started < 2000, 'within its timeout');
    await proxy.drop(); // lets the hung query fail, so that close() can finish
  });

  t.test('a call on a server that stopped answering gives up, and close() ends', async (t) => {
    const proxy = await startProxy(server.hostname, Number(server.port || 5432));
    t.teardown(() => proxy.drop());
    const url = urlOnPort(proxy.port).replace(':sekret', '');
    const store = await storeFor(t, { url, statementTimeoutMs: 300 });
    await t.resolves(store.counters.increment('c', 1, 60_000, 0));
    proxy.silence();
    const started = Date.now();
    await t.rejects(store.counters.increment('c', 1, 60_000, 0), unavailable);
    const took = Date.now() - started;
    t.ok(took >= 300 && took < 300 + CALL_TIMEOUT_MARGIN_MS + 1500, `gave up after ${took} ms`);
    await t.resolves(store.close(), 'close() does not wait for the server');
  });

  t.test('a connection the server killed is replaced, and heard of', async (t) => {
    const name = `notifyd_kill_${process.pid}`;
    const warnings: string[] = [];
    const store = await storeFor(t, {
      url: `${POSTGRES_URL}?application_name=${name}`,
      onWarning: (message) => warnings.push(message),
    });
    await store.ping();
    await adminQuery(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
      [name],
    );
    for (let i = 0; i < 100 && warnings.length === 0; i++) await sleep(10);
    t.match(warnings, [/idle PostgreSQL connection failed/]);
    await t.resolves(store.ping(), 'a new connection answers');
  });

  t.test('a pool of size N never opens more than N connections', async (t) => {
    const name = `notifyd_pool_${process.pid}`;
    const store = await storeFor(t, {
      url: `${POSTGRES_URL}?application_name=${name}`,
      poolSize: 2,
    });
    const f = new Fixture();
    let most = 0;
    let busy = true;
    const watch = (async () => {
      while (busy) {
        const [{ n }] = await adminQuery<{ n: string }>(
          'SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1',
          [name],
        );
        most = Math.max(most, Number(n));
        await sleep(5);
      }
    })();
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 60; i++) {
      work.push(store.counters.increment(`c${i % 3}`, 1, 60_000, 0));
      work.push(store.notifications.insert([f.item()]));
      work.push(store.notifications.list({ tenant_id: 't1', recipient_id: 'alice', limit: 5 }));
    }
    await Promise.all(work);
    busy = false;
    await watch;
    t.ok(most >= 1 && most <= 2, `at most 2 connections (saw ${most})`);
  });

  t.test('two nodes claiming at once never claim the same delivery', async (t) => {
    const a = await storeFor(t);
    const b = await openPostgresStore({ url: POSTGRES_URL, schema: a.schema, poolSize: 2 });
    t.teardown(() => b.close());
    const f = new Fixture();
    const now = f.clock.now();
    const n = f.notification();
    const rows = Array.from({ length: 40 }, () => f.delivery(n, { channel: 'push' }));
    await a.notifications.insert([{ notification: n, deliveries: rows }]);
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 ? a : b).deliveries.claim(['push'], 5, now, 1000, `w${i}`),
      ),
    );
    const ids = claims.flat().map((d) => d.id);
    t.equal(ids.length, 40, 'every delivery claimed');
    t.equal(new Set(ids).size, 40, 'none twice');
  });

  t.test('two nodes inserting one idempotency key at once create it once', async (t) => {
    const a = await storeFor(t);
    const b = await openPostgresStore({ url: POSTGRES_URL, schema: a.schema, poolSize: 2 });
    t.teardown(() => b.close());
    const f = new Fixture();
    const items = Array.from({ length: 6 }, () => f.item({}, { key: 'same', ttlMs: 60_000 }));
    const outcomes = (
      await Promise.all(items.map((item, i) => (i % 2 ? a : b).notifications.insert([item])))
    ).flat();
    const created = outcomes.filter((o) => o.status === 'created');
    t.equal(created.length, 1, 'exactly one created');
    const winner = items[outcomes.findIndex((o) => o.status === 'created')].notification;
    for (const o of outcomes.filter((o) => o.status === 'duplicate')) {
      t.same(o, { status: 'duplicate', notification_id: winner.id, request_id: winner.request_id });
    }
  });

  t.test('two nodes claiming shared keys in opposite orders do not deadlock', async (t) => {
    const a = await storeFor(t);
    const b = await openPostgresStore({ url: POSTGRES_URL, schema: a.schema, poolSize: 2 });
    t.teardown(() => b.close());
    const f = new Fixture();
    for (let round = 0; round < 3; round++) {
      const keys = Array.from({ length: 20 }, (_, i) => `r${round}-k${i}`);
      const batch = (order: string[]) => order.map((key) => f.item({}, { key, ttlMs: 60_000 }));
      const [fromA, fromB] = await Promise.all([
        a.notifications.insert(batch(keys)),
        b.notifications.insert(batch([...keys].reverse())),
      ]);
      const created = [...fromA, ...fromB].filter((o) => o.status === 'created').length;
      t.equal(created, keys.length, `round ${round}: each key created once, no call failed`);
    }
  });

  t.test('an item Postgres refuses fails only its own call', async (t) => {
    const store = await storeFor(t);
    const f = new Fixture();
    const good = f.item();
    const nul = f.item({ content: { title: 'a\u0000b', body: '' } });
    const big = f.item({ data: { amount: 10n } });
    const results = await Promise.allSettled([
      store.notifications.insert([good]),
      store.notifications.insert([nul]),
      store.notifications.insert([big]),
    ]);
    t.same(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'rejected'],
    );
    t.match((results[1] as PromiseRejectedResult).reason, { code: /^22/ });
    t.ok(await store.notifications.get('t1', 'alice', good.notification.id));
  });

  t.test('a lost connection fails the whole group, and nothing is half written', async (t) => {
    const proxy = await startProxy(server.hostname, Number(server.port || 5432));
    const store = await storeFor(t, { url: urlOnPort(proxy.port).replace(':sekret', '') });
    const f = new Fixture();
    const items = [f.item(), f.item(), f.item()];
    const pending = items.map((i) => store.notifications.insert([i]));
    await proxy.drop();
    const results = await Promise.allSettled(pending);
    t.same(
      results.map((r) => r.status === 'rejected' && (r.reason as { code?: string }).code),
      ['STORE_UNAVAILABLE', 'STORE_UNAVAILABLE', 'STORE_UNAVAILABLE'],
    );
    const check = await openPostgresStore({ url: POSTGRES_URL, schema: store.schema });
    t.teardown(() => check.close());
    t.same(await check.notifications.list({ tenant_id: 't1', recipient_id: 'alice', limit: 5 }), {
      items: [],
      has_more: false,
    });
  });

  t.test('feed, count, queue and key queries use their indexes', async (t) => {
    const schema = uniqueSchema('notifyd_plan');
    dropSchemaAfter(t, schema);
    await migratePostgres({ url: POSTGRES_URL, schema });
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    t.teardown(() => client.end());
    // Empty tables make a sequential scan cheapest; turning it off asks which index the
    // planner would use, which is what this test is about.
    await client.query(`SET search_path TO "${schema}"`);
    await client.query('SET enable_seqscan = off');
    const plan = async (sql: string) =>
      (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`)).rows
        .map((r) => r['QUERY PLAN'])
        .join('\n');
    const mine = "tenant_id = 't' AND recipient_id = 'r'";
    const feed = await plan(`SELECT * FROM notifications WHERE ${mine} AND deleted_at IS NULL
      AND id < 'x' ORDER BY id DESC LIMIT 11`);
    t.match(feed, /notifications_feed/);
    t.notMatch(feed, /Sort/, 'no sort: the index is in feed order');
    t.match(
      await plan(`SELECT category, COUNT(*) FROM notifications WHERE ${mine}
        AND read_at IS NULL AND deleted_at IS NULL GROUP BY category`),
      /notifications_unread/,
    );
    t.match(
      await plan(`SELECT id FROM deliveries WHERE status = 'pending'
        AND channel = ANY('{push,sms}'::text[]) AND next_attempt_at <= 5
        AND (lease_until IS NULL OR lease_until <= 5) ORDER BY next_attempt_at, id LIMIT 10
        FOR UPDATE SKIP LOCKED`),
      /deliveries_queue/,
    );
    t.match(await plan("SELECT * FROM api_keys WHERE hash = 'h'"), /api_keys_hash_key/);
    t.match(
      await plan("SELECT * FROM api_keys WHERE tenant_id = 't' ORDER BY created_at, id"),
      /api_keys_tenant/,
    );
    t.match(
      await plan('DELETE FROM idempotency_keys WHERE expires_at <= 5'),
      /idempotency_keys_expiry/,
    );
    t.match(await plan('DELETE FROM counters WHERE expires_at <= 5'), /counters_expiry/);
    t.match(
      await plan("SELECT * FROM deliveries WHERE tenant_id = 't' AND notification_id = 'n'"),
      /deliveries_notification/,
    );
  });

  t.test('bigint times come back as numbers and ids sort byte-wise', async (t) => {
    const store = await storeFor(t);
    const f = new Fixture();
    const far = 8_000_000_000_000; // year 2223: beyond 32 bits, well within 2^53
    const item = f.item({ created_at: far });
    await store.notifications.insert([item]);
    const got = await store.notifications.get('t1', 'alice', item.notification.id);
    t.equal(got?.created_at, far);
    t.equal(typeof (await store.keys.count()), 'number');
  });

  t.test('close waits for work under way, then refuses more', async (t) => {
    const store = await storeFor(t);
    const f = new Fixture();
    const reads = [store.keys.count(), store.counters.increment('x', 1, 1000, 0)];
    const writes = [store.notifications.insert([f.item()]), store.notifications.insert([])];
    await Promise.all([store.close(), store.close()]);
    t.same(await Promise.all(reads), [0, 1]);
    t.same(await Promise.all(writes), [[{ status: 'created' }], []]);
    await t.rejects(store.notifications.markRead('t1', 'alice', [], 1), unavailable);
    await t.rejects(store.deliveries.setStatus('t1', 'a', [], 'push', 'failed', 1), unavailable);
    await t.rejects(store.notifications.insert([]), unavailable);
  });
}
