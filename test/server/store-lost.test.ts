import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { loadConfig } from '../../src/config/index.js';
import { openStore } from '../../src/store/index.js';
import { dropSchemaAfter, uniqueSchema } from '../helpers/postgres.js';
import { deleteKeys } from '../helpers/redis.js';
import { connect, startServer, userToken } from '../helpers/server.js';
import { POSTGRES_URL, REDIS_URL, requirePostgres, requireRedis } from '../helpers/services.js';
import { startProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const send = (title: string) => ({ recipient_id: 'erin', content: { title, body: 'x' } });

/**
 * The store goes away under a running server and comes back: requests that need it get
 * 503 STORE_UNAVAILABLE with Retry-After, sockets stay open, and once the store is back
 * the server works again without a restart, with nothing half-written.
 */
async function outage(t: Test, backend: 'postgres' | 'redis', target: URL) {
  let proxy: TcpProxy = await startProxy(target.hostname, Number(target.port));
  const url = new URL(target);
  url.port = String(proxy.port);
  const schema = uniqueSchema('notifyd_outage');
  const prefix = `notifyd-outage:${process.pid}:`;
  if (backend === 'postgres') dropSchemaAfter(t, schema);
  else t.teardown(() => deleteKeys(REDIS_URL, prefix));
  const settings = loadConfig({
    env: {},
    overrides: {
      store: {
        backend,
        postgres: { url: url.toString(), schema, pool_size: 4 },
        redis: { url: url.toString(), prefix },
      },
    },
  }).store;
  const store = await openStore(settings);
  const s = await startServer(t, {}, store);
  const c = await connect(t, `${s.wsUrl}?token=${await userToken('erin')}`);
  await c.next('authenticated');
  const before = await s.api('POST', '/api/v1/notifications', send('before'));
  t.equal(before.status, 202);
  await c.next('notification');

  await proxy.drop();
  const during = await s.api('POST', '/api/v1/notifications', send('during'));
  t.equal(during.status, 503, 'a send while the store is away');
  t.equal(during.headers.get('retry-after'), '5');
  t.match(during.body, { error: { code: 'STORE_UNAVAILABLE' } });
  t.equal((await s.asUser('erin', 'GET', '/api/v1/me/notifications')).status, 503, 'the feed');
  t.equal((await fetch(`${s.url}/readyz`)).status, 503, 'not ready');
  c.send({ type: 'ping', id: 'still-there' });
  t.same(await c.next('pong'), { type: 'pong', id: 'still-there' }, 'the socket stays open');

  proxy = await startProxy(target.hostname, Number(target.port), proxy.port);
  t.teardown(() => proxy.drop());
  let after = { status: 0, body: {} as { notification_id?: string } };
  for (let i = 0; i < 100 && after.status !== 202; i++) {
    await sleep(100);
    after = await s.api('POST', '/api/v1/notifications', send('after'));
  }
  t.equal(after.status, 202, 'the server recovers by itself');
  t.equal((await c.next('notification')).data.id, after.body.notification_id);
  t.equal((await fetch(`${s.url}/readyz`)).status, 200, 'ready again');
  const feed = await s.asUser('erin', 'GET', '/api/v1/me/notifications');
  t.same(
    feed.body.data.map((n: { content: { title: string } }) => n.content.title),
    ['after', 'before'],
    'the refused send left nothing behind',
  );
  for (const n of feed.body.data) {
    const deliveries = await s.api('GET', `/api/v1/notifications/${n.id}/deliveries`);
    t.match(deliveries.body.data, [{ channel: 'in_app' }], 'each has its delivery row');
  }
}

t.test('Postgres lost while running', async (t) => {
  if (await requirePostgres(t)) await outage(t, 'postgres', new URL(POSTGRES_URL));
});

t.test('Redis lost while running', async (t) => {
  if (await requireRedis(t)) await outage(t, 'redis', new URL(REDIS_URL));
});
