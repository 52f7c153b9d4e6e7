import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { dropSchemaAfter, uniqueSchema } from '../helpers/postgres.js';
import { type Daemon, startDaemon } from '../helpers/process.js';
import { deleteKeys } from '../helpers/redis.js';
import { ADMIN_KEY, connect, JWT_SECRET, userToken } from '../helpers/server.js';
import { POSTGRES_URL, REDIS_URL, requirePostgres, requireRedis } from '../helpers/services.js';

const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
const get = async (d: Daemon, path: string) =>
  (await fetch(`${d.url}${path}`, { headers: admin })).json() as Promise<
    // biome-ignore lint/suspicious/noExplicitAny: the test reads whatever JSON came back
    any
  >;

t.test('three nodes sharing Redis and Postgres act as one', async (t) => {
  if (!(await requireRedis(t)) || !(await requirePostgres(t))) return;
  const schema = uniqueSchema('notifyd_cluster');
  const prefix = `notifyd-cluster-test:${process.pid}:`;
  dropSchemaAfter(t, schema);
  t.teardown(() => deleteKeys(REDIS_URL, prefix));
  const env = (node: string) => ({
    NOTIFYD_ADMIN_KEY: ADMIN_KEY,
    JWT_SECRET,
    NOTIFYD_AUTH__BOOTSTRAP_KEY_FILE: '',
    DATABASE_URL: POSTGRES_URL,
    NOTIFYD_STORE__POSTGRES__SCHEMA: schema,
    REDIS_URL,
    NOTIFYD_STORE__REDIS__PREFIX: prefix,
    NOTIFYD_CLUSTER__ENABLED: 'true',
    NOTIFYD_CLUSTER__NODE_ID: node,
    NOTIFYD_CLUSTER__HEARTBEAT_INTERVAL_MS: '200',
    NOTIFYD_CLUSTER__NODE_TTL_MS: '1000',
  });
  const started = await Promise.allSettled(
    ['node-a', 'node-b', 'node-c'].map((n) => startDaemon(env(n))),
  );
  t.teardown(() => {
    for (const d of started) if (d.status === 'fulfilled') d.value.child.kill('SIGKILL');
  });
  const [a, b, c] = started.map((d) => {
    if (d.status === 'rejected') throw d.reason;
    return d.value;
  });

  const token = await userToken('alice');
  const onA = await connect(t, `${a!.url.replace('http', 'ws')}/api/v1/ws?token=${token}`);
  const onC = await connect(t, `${c!.url.replace('http', 'ws')}/api/v1/ws?token=${token}`);
  await onA.next('authenticated');
  await onC.next('authenticated');

  const sent = await fetch(`${b!.url}/api/v1/notifications`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ recipient_id: 'alice', content: { title: 'Via B', body: 'x' } }),
  });
  t.equal(sent.status, 202);
  const { notification_id } = (await sent.json()) as { notification_id: string };
  for (const session of [onA, onC]) {
    const frame = await session.next('notification');
    t.equal(frame.data.id, notification_id, 'sent through B, received on another node');
  }

  onC.send({ type: 'mark_read', notification_id });
  const update = await onA.next('read_status_updated');
  t.match(
    update.data,
    { notification_ids: [notification_id], unread_count: 0 },
    'read on C, seen on A',
  );
  await sleep(300);
  t.equal(onA.frames.filter((f) => f.type === 'notification').length, 1, 'delivered once');

  // A broadcast sent through one node reaches every node's sessions once.
  const bob = await connect(
    t,
    `${b!.url.replace('http', 'ws')}/api/v1/ws?token=${await userToken('bob')}`,
  );
  await bob.next('authenticated');
  const broadcast = await fetch(`${c!.url}/api/v1/broadcast`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ event: 'maintenance', data: { at: 'noon' } }),
  });
  const { message_id } = (await broadcast.json()) as { message_id: string };
  for (const session of [onA, onC, bob]) {
    t.equal((await session.next('broadcast')).data.id, message_id);
  }
  await sleep(200);
  for (const session of [onA, onC, bob]) {
    t.equal(session.frames.filter((f) => f.type === 'broadcast').length, 1, 'broadcast once');
  }
  bob.ws.close();
  await bob.closed;
  // Each node reports its connection count with its heartbeat (every 200 ms here).
  let status = await get(b!, '/api/v1/cluster/status');
  for (let i = 0; i < 30 && status.total_connections !== 2; i++) {
    await sleep(100);
    status = await get(b!, '/api/v1/cluster/status');
  }
  t.match(status, { enabled: true, node_id: 'node-b', healthy_nodes: 3, total_connections: 2 });
  t.same(
    status.nodes.map((n: { node_id: string }) => n.node_id),
    ['node-a', 'node-b', 'node-c'],
  );
  t.match(await get(a!, '/api/v1/cluster/users/alice'), {
    online: true,
    connections: 2,
    nodes: { 'node-a': 1, 'node-c': 1 },
  });

  // A node that dies stops heartbeating and drops out after its TTL.
  c!.child.kill('SIGKILL');
  let alive = 3;
  for (let i = 0; i < 40 && alive !== 2; i++) {
    await sleep(100);
    alive = (await get(a!, '/api/v1/cluster/status')).healthy_nodes;
  }
  t.equal(alive, 2, 'the dead node is dropped after its TTL');
  t.match(await get(a!, '/api/v1/cluster/users/alice'), { connections: 1, nodes: { 'node-a': 1 } });

  // A node that stops gracefully leaves at once.
  b!.child.kill('SIGTERM');
  t.match(await b!.exited, { code: 0 });
  t.match(await get(a!, '/api/v1/cluster/status'), {
    healthy_nodes: 1,
    nodes: [{ node_id: 'node-a' }],
  });
});
