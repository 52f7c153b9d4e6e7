import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { deleteKeys } from '../helpers/redis.js';
import { connect, type Running, startServer, userToken } from '../helpers/server.js';
import { REDIS_URL, requireRedis } from '../helpers/services.js';

if (await requireRedis(t)) {
  const prefix = `notifyd-node-test:${process.pid}:`;
  t.teardown(() => deleteKeys(REDIS_URL, prefix));
  // Nodes in one process on one shared store, as processes share Postgres. The first
  // node's test closes it.
  let shared = createMemoryStore();
  const node = (t: Test, id: string, redisUrl = REDIS_URL): Promise<Running> =>
    startServer(
      t,
      {
        store: { backend: 'redis', redis: { url: redisUrl, prefix } },
        cluster: { enabled: true, node_id: id, heartbeat_interval_ms: 100, node_ttl_ms: 400 },
      },
      shared,
    );

  t.test('a message for a user reaches their sessions on every node once', async (t) => {
    const a = await node(t, 'a');
    const b = await node(t, 'b');
    const token = await userToken('bob');
    const onA = await connect(t, `${a.wsUrl}?token=${token}`);
    const onB = await connect(t, `${b.wsUrl}?token=${token}`);
    await onA.next('authenticated');
    await onB.next('authenticated');
    const res = await a.api('POST', '/api/v1/notifications', {
      recipient_id: 'bob',
      content: { title: 'Hi', body: 'x' },
    });
    t.equal((await onB.next('notification')).data.id, res.body.notification_id);
    t.equal((await onA.next('notification')).data.id, res.body.notification_id);
    await sleep(100);
    t.equal(onA.frames.filter((f) => f.type === 'notification').length, 1, 'once on A');
    t.equal(onB.frames.filter((f) => f.type === 'notification').length, 1, 'once on B');

    const where = await b.api('GET', '/api/v1/cluster/users/bob');
    t.match(where.body, { online: true, connections: 2, nodes: { a: 1, b: 1 } });
    const status = await a.api('GET', '/api/v1/cluster/status');
    t.match(status.body, { enabled: true, node_id: 'a', healthy_nodes: 2, total_connections: 2 });
    onB.ws.close();
    await onB.closed;
    await sleep(50);
    t.match((await b.api('GET', '/api/v1/cluster/users/bob')).body, { nodes: { a: 1 } });
    t.notOk('b' in (await b.api('GET', '/api/v1/cluster/users/bob')).body.nodes, 'closed on B');
  });

  t.test('broadcasts and channel messages reach every node once', async (t) => {
    shared = createMemoryStore();
    const a = await node(t, 'a2');
    const b = await node(t, 'b2');
    const token = await userToken('kim', { claims: { channels: ['orders'] } });
    const onA = await connect(t, `${a.wsUrl}?token=${token}`);
    const onB = await connect(t, `${b.wsUrl}?token=${await userToken('lee')}`);
    await onA.next('authenticated');
    await onB.next('authenticated');
    onA.send({ type: 'subscribe', channel: 'orders' });
    await onA.next('subscribed');

    const sent = await a.api('POST', '/api/v1/broadcast', { data: { hello: 'all' } });
    for (const c of [onA, onB]) {
      t.equal((await c.next('broadcast')).data.id, sent.body.message_id);
    }
    const order = await b.api('POST', '/api/v1/channels/orders/messages', { data: { n: 1 } });
    t.equal((await onA.next('channel_message')).data.id, order.body.message_id, 'B to A');
    await sleep(100);
    t.equal(onA.frames.filter((f) => f.type === 'broadcast').length, 1, 'once on A');
    t.equal(onB.frames.filter((f) => f.type === 'broadcast').length, 1, 'once on B');
    t.notOk(
      onB.frames.some((f) => f.type === 'channel_message'),
      'B has no subscriber',
    );
  });

  t.test('a node whose Redis is away still serves its own sessions', async (t) => {
    shared = createMemoryStore();
    const lonely = await node(t, 'lonely', 'redis://127.0.0.1:6390');
    const c = await connect(t, `${lonely.wsUrl}?token=${await userToken('carol')}`);
    await c.next('authenticated');
    const res = await lonely.api('POST', '/api/v1/notifications', {
      recipient_id: 'carol',
      content: { title: 'Still here', body: 'x' },
    });
    t.equal(res.status, 202, JSON.stringify(res.body));
    t.equal((await c.next('notification')).data.id, res.body.notification_id);
    const status = await lonely.api('GET', '/api/v1/cluster/status');
    t.equal(status.status, 503, 'the registry cannot be read');
    t.match(status.body, { error: { code: 'STORE_UNAVAILABLE' } });
  });

  t.test(
    'presence is cluster-wide: counts, frames and the ack fallback see every node',
    async (t) => {
      shared = createMemoryStore();
      const a = await node(t, 'pa');
      const b = await node(t, 'pb');
      const watcher = await connect(t, `${a.wsUrl}?token=${await userToken('pia')}&presence=true`);
      await watcher.next('authenticated');
      t.match((await watcher.next('presence')).data, { connections: 1 });
      const other = await connect(t, `${b.wsUrl}?token=${await userToken('pia')}`);
      await other.next('authenticated');
      t.match((await watcher.next('presence')).data, { online: true, connections: 2 });
      const seen = await b.api('GET', '/api/v1/presence/pia');
      t.match(seen.body, { online: true, connections: 2, last_seen: String });
      other.ws.close();
      t.match((await watcher.next('presence')).data, { connections: 1 });
      const gone = await a.api('GET', '/api/v1/presence/nobody-here');
      t.same(gone.body, { user_id: 'nobody-here', online: false, connections: 0, last_seen: null });
    },
  );
}

t.test('a standalone node describes itself as the whole cluster', async (t) => {
  const s = await startServer(t);
  const c = await connect(t, `${s.wsUrl}?token=${await userToken('dan')}`);
  await c.next('authenticated');
  const status = await s.api('GET', '/api/v1/cluster/status');
  t.match(status.body, { enabled: false, healthy_nodes: 1, total_connections: 1 });
  const [self] = status.body.nodes;
  t.match((await s.api('GET', '/api/v1/cluster/users/dan')).body, {
    online: true,
    connections: 1,
    nodes: { [self.node_id]: 1 },
  });
  t.match((await s.api('GET', '/api/v1/cluster/users/nobody')).body, {
    online: false,
    connections: 0,
    nodes: {},
  });
});
