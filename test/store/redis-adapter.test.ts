import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis, ReplyError } from 'ioredis';
import t from 'tap';
import type { LimitSpec } from '../../src/ratelimit/spec.js';
import { escapePart } from '../../src/redis/key-names.js';
import { StoreConflictError } from '../../src/store/errors.js';
import { CHUNK } from '../../src/store/redis/chunks.js';
import { createRedisClient } from '../../src/store/redis/connection.js';
import { translateError } from '../../src/store/redis/handle.js';
import { openRedisStore, type RedisStore } from '../../src/store/redis/index.js';
import { KeyNames } from '../../src/store/redis/key-names.js';
import { RATELIMIT } from '../../src/store/redis/lua/ratelimit.js';
import { deleteKeys, globOf, keysWithPrefix } from '../helpers/redis.js';
import { REDIS_URL, requireRedis } from '../helpers/services.js';
import { Fixture } from './contract/fixtures.js';

const unavailable = { code: 'STORE_UNAVAILABLE', status: 503 };
/** Two per minute: a key's state lives until its window ends. */
const LIMIT: LimitSpec = { algorithm: 'fixed_window', max_requests: 2, window_seconds: 60 };
/** The adapter and the Redis helpers it shares with triggers and the cluster. */
const srcDirs = ['../../src/store/redis/', '../../src/redis/'].map((dir) =>
  fileURLToPath(new URL(dir, import.meta.url)),
);

t.test('no source file of the adapter uses the KEYS command', async (t) => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) files.push(path);
    }
  };
  for (const dir of srcDirs) walk(dir);
  t.ok(files.length >= 10, 'found the sources');
  const usesKeys = [
    /redis\.p?call\(\s*['"]keys['"]/i, // in a Lua script
    /\.keys\(\s*['"`]/, // client.keys('pattern')
    /(call|sendCommand|Command)\(\s*['"]keys['"]/i,
  ];
  const offending = (text: string) => usesKeys.filter((pattern) => pattern.test(text));
  t.ok(offending("redis.call('KEYS', P .. '*')").length > 0, 'the check finds Lua use');
  t.ok(offending("await client.keys('notifyd:*')").length > 0, 'and client use');
  t.ok(offending("new Command('keys', ['*'])").length > 0, 'and raw commands');
  const found = files.flatMap((file) =>
    offending(readFileSync(file, 'utf8')).map((pattern) => `${file}: ${pattern}`),
  );
  t.same(found, [], 'no KEYS anywhere');
});

t.test('key parts are escaped so names are never ambiguous', async (t) => {
  t.equal(escapePart('a:b%c'), 'a%3Ab%25c');
  const names = new KeyNames('p:');
  t.not(names.feed('a:b', 'c'), names.feed('a', 'b:c'));
  t.equal(names.feed('t', 'r', { read: false, category: 'news' }), 'p:unreadc:t:r:news');
  t.equal(names.apiKeyList(), 'p:apikeys');
});

t.test('errors map to notifyd’s', async (t) => {
  t.type(translateError(new ReplyError('CONFLICT A key exists.')), StoreConflictError);
  t.match(translateError(new ReplyError('CONFLICT A key exists.')), { message: 'A key exists.' });
  t.match(translateError(new ReplyError('LOADING Redis is loading')), unavailable);
  t.match(translateError(new ReplyError('OOM command not allowed')), unavailable);
  const wrong = new ReplyError('WRONGTYPE Operation against a key');
  t.equal(translateError(wrong), wrong, 'a bug is not an outage');
  const bug = new TypeError('x is undefined');
  t.equal(translateError(bug), bug);
  t.match(translateError(new Error('Connection is closed.')), unavailable);
});

t.test('a Redis that does not listen: calls fail fast with STORE_UNAVAILABLE', async (t) => {
  const warnings: string[] = [];
  const started = Date.now();
  const store = await openRedisStore({
    url: 'redis://127.0.0.1:6390/0',
    connectTimeoutMs: 500,
    onWarning: (message) => warnings.push(message),
  });
  t.ok(Date.now() - started < 2000, 'opening does not wait long');
  const f = new Fixture();
  const calls: [string, () => Promise<unknown>][] = [
    ['ping', () => store.ping()],
    ['insert', () => store.notifications.insert([f.item()])],
    ['list', () => store.notifications.list({ tenant_id: 't', recipient_id: 'r', limit: 1 })],
    ['claim', () => store.deliveries.claim(['push'], 1, 0, 1, 'tok')],
    ['keys', () => store.keys.count()],
    ['counters', () => store.counters.increment('c', 1, 1000, 0)],
  ];
  for (const [name, call] of calls) {
    const before = Date.now();
    await t.rejects(call(), unavailable, name);
    t.ok(Date.now() - before < 1000, `${name} failed promptly`);
  }
  t.equal(warnings.length, 1, 'one warning per outage, not one per retry');
  await store.close();
});

if (await requireRedis(t)) {
  const base = `notifyd-test:${process.pid}:adapter:`;
  let n = 0;
  const open = (over: Parameters<typeof openRedisStore>[0] = {}) =>
    openRedisStore({ url: REDIS_URL, prefix: `${base}${++n}:`, ...over });
  const admin = new Redis(REDIS_URL);
  t.teardown(async () => {
    admin.disconnect();
    await deleteKeys(REDIS_URL, base);
  });

  /** Uses every member that writes, so every kind of key exists. */
  async function workload(store: RedisStore): Promise<void> {
    const f = new Fixture();
    const now = f.clock.now();
    const a = f.item({ category: 'news' }, { key: 'order-1', ttlMs: 60_000 });
    const b = f.item({ tenant_id: 'acme:eu', recipient_id: 'bob' });
    b.deliveries.push(f.delivery(b.notification, { channel: 'push' }));
    const c = f.item({ category: 'billing' }); // stays unread and queued
    c.deliveries.push(f.delivery(c.notification, { channel: 'email', next_attempt_at: now + 5 }));
    await store.notifications.insert([a, b, c]);
    await store.notifications.markRead('t1', 'alice', [a.notification.id], now);
    await store.notifications.markAllRead('acme:eu', 'bob', now);
    await store.notifications.remove('acme:eu', 'bob', b.notification.id, now);
    const [claimed] = await store.deliveries.claim(['push'], 1, now, 1000, 'tok-1');
    await store.deliveries.retry(claimed.id, 'tok-1', now + 1, 'later', now);
    await store.deliveries.claim(['push'], 1, now + 1, 1000, 'tok-2');
    await store.deliveries.complete(claimed.id, 'tok-2', 'delivered', now + 2);
    await store.deliveries.setStatus('t1', 'alice', [a.notification.id], 'in_app', 'failed', now);
    const key = f.key({ tenant_id: 'acme' });
    await store.keys.create(key);
    await store.keys.touch(key.id, now);
    await store.keys.revoke(key.id, now);
    await store.counters.increment('rate:acme', 1, 60_000, now);
    await store.deliveries.add([f.delivery(c.notification, { channel: 'sms' })]);
    const queued = { tenant_id: 'acme:eu', user_id: 'bob', payload: '{}', queued_at: now };
    await store.queues.push(
      'offline',
      [
        { ...queued, id: f.ids('ntf'), expires_at: now + 1 },
        { ...queued, id: f.ids('ntf'), expires_at: now + 60_000 },
      ],
      10,
    );
    await store.queues.takeExpired('offline', now + 1, 10);
    await store.ratelimit.consume('acme:k', LIMIT, 1, now);
  }

  t.test('every key the store writes starts with its prefix', async (t) => {
    // A database of its own, so keys other test files write meanwhile cannot blur the check.
    const url = new URL(REDIS_URL);
    url.pathname = '/15';
    const own = new Redis(url.toString());
    t.teardown(async () => {
      own.disconnect();
      await deleteKeys(url.toString(), base);
    });
    const before = new Set(await keysWithPrefix(own, ''));
    const store = await open({ url: url.toString() });
    t.teardown(() => store.close());
    await workload(store);
    const added = (await keysWithPrefix(own, '')).filter((k) => !before.has(k));
    t.same(
      added.filter((k) => !k.startsWith(store.prefix)),
      [],
      'nothing outside the prefix',
    );
    t.same((await keysWithPrefix(own, store.prefix)).sort(), added.sort(), 'SCAN MATCH finds them');
    const kinds = new Set(added.map((k) => k.slice(store.prefix.length).split(':')[0]));
    for (const kind of ['ntf', 'feed', 'readc', 'unreadn', 'dlv', 'ndlv', 'due', 'idem']) {
      t.ok(kinds.has(kind), `wrote ${kind} keys`);
    }
    for (const kind of ['uq', 'uqp', 'uqx', 'uqt']) t.ok(kinds.has(kind), `wrote ${kind} keys`);
    for (const kind of ['idem-exp', 'apikey', 'apikey-hash', 'apikeys-t', 'ctr', 'ctr-exp', 'rl']) {
      t.ok(kinds.has(kind), `wrote ${kind} keys`);
    }
  });

  t.test('expiring data has a TTL; records do not', async (t) => {
    const store = await open();
    t.teardown(() => store.close());
    const f = new Fixture();
    const item = f.item({}, { key: 'k', ttlMs: 60_000 });
    await store.notifications.insert([item]);
    await store.counters.increment('c', 1, 30_000, f.clock.now());
    const names = new KeyNames(store.prefix);
    const claimTtl = await admin.pttl(names.name('idem', 't1', 'k'));
    t.ok(claimTtl > 0 && claimTtl <= 60_000, `claim PTTL ${claimTtl}`);
    const counterTtl = await admin.pttl(names.counter('c'));
    t.ok(counterTtl > 0 && counterTtl <= 30_000, `counter PTTL ${counterTtl}`);
    // The limiter's state lives until its window no longer counts; nothing else forgets it.
    const windowStart = f.clock.now() - (f.clock.now() % 60_000);
    await store.ratelimit.consume('k', LIMIT, 1, windowStart + 15_000);
    const limiterTtl = await admin.pttl(names.name('rl', 'k'));
    t.ok(limiterTtl > 44_000 && limiterTtl <= 45_000, `limiter PTTL ${limiterTtl}`);
    await store.ratelimit.consume('dry', LIMIT, 1, windowStart, { dryRun: true });
    t.equal(await admin.exists(names.name('rl', 'dry')), 0, 'a dry run writes nothing');
    t.equal(await admin.pttl(names.notification(item.notification.id)), -1);
    const now = f.clock.now();
    const queued = { tenant_id: 't1', user_id: 'u', payload: '{}', queued_at: now };
    await store.queues.push('offline', [{ ...queued, id: 'a', expires_at: now + 10_000 }], 5);
    await store.queues.push('offline', [{ ...queued, id: 'b', expires_at: now + 20_000 }], 5);
    const day = 24 * 60 * 60 * 1000;
    for (const key of [
      names.name('uq', 'offline', 't1', 'u'),
      names.name('uqp', 'offline', 't1', 'u'),
      names.queueExpiry('offline'),
      names.queueExpiry('offline', 't1'),
    ]) {
      const ttl = await admin.pttl(key);
      t.ok(ttl > day + 10_000 && ttl <= day + 20_000 + 60_000, `${key} PTTL ${ttl}: the longest`);
    }
  });

  t.test('takeExpired drops index entries whose queue keys expired', async (t) => {
    const store = await open();
    t.teardown(() => store.close());
    const names = new KeyNames(store.prefix);
    const item = (id: string, user_id: string) => ({
      id,
      tenant_id: 't1',
      user_id,
      payload: '{}',
      queued_at: 0,
      expires_at: 10,
    });
    await store.queues.push('acks', [item('a', 'gone'), item('b', 'kept')], 5);
    // As when Redis expired the user's keys before any sweep (a day late) took the item.
    await admin.del(
      names.name('uq', 'acks', 't1', 'gone'),
      names.name('uqp', 'acks', 't1', 'gone'),
    );
    t.same(
      await store.queues.takeExpired('acks', 10, 1),
      [item('b', 'kept')],
      'the limit is filled',
    );
    t.equal(await admin.zcard(names.queueExpiry('acks')), 0, 'the stale entry is gone');
  });

  t.test('tenants and recipients with separators in them stay apart', async (t) => {
    const store = await open();
    t.teardown(() => store.close());
    const f = new Fixture();
    const x = f.item({ tenant_id: 'a:b', recipient_id: 'c' });
    const y = f.item({ tenant_id: 'a', recipient_id: 'b:c', category: '50%' });
    await store.notifications.insert([x, y]);
    const page = (tenant_id: string, recipient_id: string) =>
      store.notifications.list({ tenant_id, recipient_id, limit: 10 });
    t.same((await page('a:b', 'c')).items, [x.notification]);
    t.same((await page('a', 'b:c')).items, [y.notification]);
    t.same(await store.notifications.unreadCounts('a', 'b:c'), {
      total: 1,
      by_category: { '50%': 1 },
      by_priority: { normal: 1 },
    });
  });

  t.test('bulk changes larger than one chunk are done completely', async (t) => {
    const store = await open();
    t.teardown(() => store.close());
    const f = new Fixture();
    const start = f.clock.now();
    const items = Array.from({ length: CHUNK + 1 }, (_, i) =>
      f.item({}, { key: `k${i}`, ttlMs: 1 }),
    );
    await store.notifications.insert(items);
    t.equal(await store.notifications.markAllRead('t1', 'alice', start), CHUNK + 1);
    t.equal(await store.notifications.purgeExpiredIdempotency(start + 1), CHUNK + 1);
    await Promise.all(items.map((_, i) => store.counters.increment(`c${i}`, 1, 1, start)));
    t.equal(await store.counters.purgeExpired(start + 1), CHUNK + 1);
  });

  t.test('a sparse filter answers a short page with where to go on', async (t) => {
    const store = await open();
    t.teardown(() => store.close());
    const f = new Fixture();
    const visible = f.item();
    // More dismissed notifications above the visible one than one page reads (5,000).
    const hidden = Array.from({ length: 6000 }, () => f.item({ dismissed_at: 1, read_at: 1 }));
    await store.notifications.insert([visible, ...hidden]);
    const query = { tenant_id: 't1', recipient_id: 'alice', limit: 10, dismissed: false };
    const first = await store.notifications.list(query);
    t.same(first.items, [], 'nothing found within the budget');
    t.equal(first.has_more, true);
    t.ok(first.next, 'where the next page starts');
    const second = await store.notifications.list({ ...query, before: first.next });
    t.same(second.items, [visible.notification]);
    t.equal(second.has_more, false);
    t.equal(second.next, undefined);
  });

  t.test('a record that cannot be serialised is refused before Redis sees it', async (t) => {
    const store = await open();
    t.teardown(() => store.close());
    const item = new Fixture().item({ data: { big: 1n } });
    await t.rejects(store.notifications.insert([item]), TypeError);
    t.equal((await store.notifications.unreadCounts('t1', 'alice')).total, 0);
  });

  t.test('scripts Redis forgot are sent again', async (t) => {
    const store = await open();
    t.teardown(() => store.close());
    await admin.script('FLUSH');
    t.equal(await store.counters.increment('c', 2, 1000, 0), 2);
  });

  t.test('calls started in one tick share writes and each gets its own reply', async (t) => {
    const store = await open();
    const calls = Array.from({ length: 103 }, (_, i) =>
      store.counters.increment(`c${i % 10}`, i, 60_000, 0),
    );
    const closed = store.close();
    const values = await Promise.all(calls);
    await closed;
    t.same(
      values,
      Array.from({ length: 103 }, (_, i) => {
        let sum = 0;
        for (let j = i % 10; j <= i; j += 10) sum += j;
        return sum;
      }),
      'every reply matched to its call, in order',
    );
    await t.rejects(store.counters.increment('c0', 1, 60_000, 0), unavailable, 'closed');
  });

  t.test('a limiter library Redis lost is loaded again', async (t) => {
    const store = await open();
    t.teardown(() => store.close());
    t.match(await store.ratelimit.consume('k', LIMIT, 1, 0), { allowed: true, remaining: 1 });
    await admin.call('FUNCTION', 'DELETE', RATELIMIT.library);
    t.match(await store.ratelimit.consume('k', LIMIT, 1, 0), { allowed: true, remaining: 0 });
  });

  t.test('a user that may not load functions runs the limiter as scripts', async (t) => {
    const user = `notifyd-test-${process.pid}`;
    await admin.call('ACL', 'SETUSER', user, 'on', 'nopass', '~*', '&*', '+@all', '-function');
    t.teardown(() => admin.call('ACL', 'DELUSER', user));
    const url = new URL(REDIS_URL);
    url.username = user;
    const client = createRedisClient({ url: url.toString() });
    t.teardown(() => client.disconnect());
    const store = await open({ client });
    t.teardown(() => store.close());
    t.match(await store.ratelimit.consume('k', LIMIT, 2, 0), { allowed: true, remaining: 0 });
    t.equal(await RATELIMIT.mode(client), 'scripts');
    t.match(await store.ratelimit.consume('k', LIMIT, 1, 0), { allowed: false });
  });

  t.test('a reply that is an error but not an outage passes through', async (t) => {
    const store = await open();
    t.teardown(() => store.close());
    await admin.set(new KeyNames(store.prefix).feed('t1', 'alice'), 'not a sorted set');
    await t.rejects(
      store.notifications.list({ tenant_id: 't1', recipient_id: 'alice', limit: 1 }),
      {
        name: 'ReplyError',
        message: /WRONGTYPE/,
      },
    );
  });

  t.test('a dropped connection fails calls, then heals by itself', async (t) => {
    const client = createRedisClient({ url: REDIS_URL });
    const warnings: unknown[] = [];
    const store = await open({ client, onWarning: (_m, err) => warnings.push(err) });
    t.equal(client.status, 'ready', 'a lazy client is connected on open');
    const id = await client.client('ID');
    const dropped = new Promise((resolve) => client.once('close', resolve));
    await admin.client('KILL', 'ID', String(id));
    await dropped;
    await t.rejects(store.ping(), unavailable, 'refused at once while disconnected');
    t.equal(warnings.length, 1);
    await new Promise((resolve) => client.once('ready', resolve));
    await t.resolves(store.ping(), 'back once Redis answers again');
    await store.close();
    t.equal(client.status, 'ready', 'close leaves a client it did not open');
    await t.rejects(store.ping(), unavailable);
    client.disconnect();
  });

  t.test('a Redis that does not answer times calls out', async (t) => {
    const store = await open({ commandTimeoutMs: 100 });
    t.teardown(() => store.close());
    await admin.client('PAUSE', 500, 'ALL');
    const before = Date.now();
    await t.rejects(store.ping(), unavailable);
    t.ok(Date.now() - before < 400, 'within the command timeout');
    await admin.client('UNPAUSE');
  });

  t.test('defaults: the notifyd: prefix and the local Redis', async (t) => {
    const store = await openRedisStore();
    t.equal(store.backend, 'redis');
    t.equal(store.prefix, 'notifyd:');
    await store.close();
  });

  t.test('a pattern for SCAN matches only the prefix', async (t) => {
    t.equal(globOf('a*b?[c]:'), 'a\\*b\\?\\[c\\]:*');
  });
}
