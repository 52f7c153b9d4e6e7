import { join } from 'node:path';
import t, { type Test } from 'tap';
import { loadConfig } from '../../src/config/index.js';
import { FakeClock } from '../../src/core/clock.js';
import type { AnyEvent } from '../../src/events/types.js';
import { openStore } from '../../src/store/index.js';
import { deleteKeys } from '../helpers/redis.js';
import { type Running, startServer } from '../helpers/server.js';
import { REDIS_URL, requireRedis } from '../helpers/services.js';
import { ok } from '../recipients/servers.js';
import { CONSOLE } from './helpers.js';

const START = Date.UTC(2026, 2, 10, 7, 0);
const NINE = Date.UTC(2026, 2, 10, 8, 0); // 09:00 in Paris

type StoreConfig = ReturnType<typeof loadConfig>['store'];

/** Two nodes (servers) over one store, each with its own fake clock at the same time. */
async function twoNodes(t: Test, store: StoreConfig) {
  const nodes: Array<Running & { clock: FakeClock; sent: AnyEvent[] }> = [];
  for (let i = 0; i < 2; i++) {
    const clock = new FakeClock(START);
    const s = await startServer(
      t,
      { ...CONSOLE, scheduler: { enabled: false } },
      await openStore(store),
      { clock },
    );
    const sent: AnyEvent[] = [];
    s.server.events.subscribe((e) => {
      if (e.type === 'notification.digest.sent') sent.push(e);
    });
    nodes.push({ ...s, clock, sent });
  }
  return nodes as [(typeof nodes)[0], (typeof nodes)[0]];
}

const defaults = () => loadConfig({ env: {} }).store;

const stores: Array<[string, (t: Test) => Promise<StoreConfig | null>]> = [
  [
    'sqlite',
    async (t) => {
      const d = defaults();
      return { ...d, backend: 'sqlite', sqlite: { ...d.sqlite, path: join(t.testdir(), 'n.db') } };
    },
  ],
  [
    'redis',
    async (t) => {
      if (!(await requireRedis(t))) return null;
      const d = defaults();
      const prefix = `notifyd-test-digests-${process.pid}-${Date.now()}:`;
      t.teardown(() => deleteKeys(REDIS_URL, prefix));
      return { ...d, backend: 'redis', redis: { ...d.redis, url: REDIS_URL, prefix } };
    },
  ],
];

for (const [name, config] of stores) {
  t.test(
    `${name}: two nodes, concurrent adds and flushes: one digest per user and window`,
    async (t) => {
      const store = await config(t);
      if (!store) return;
      const [a, b] = await twoNodes(t, store);
      const users = ['u1', 'u2', 'u3'];
      for (const u of users) {
        await ok(a, 'PUT', `/api/v1/subscribers/${u}`, {
          email: `${u}@x.test`,
          timezone: 'Europe/Paris',
        });
        await ok(a, 'PUT', `/api/v1/subscribers/${u}/preferences`, {
          channels: { email: { delivery_schedule: 'digest' } },
        });
      }
      // Ten sends per user, half through each node, all at once.
      await Promise.all(
        users.flatMap((u) =>
          Array.from({ length: 10 }, (_, i) =>
            ok(i % 2 ? a : b, 'POST', '/api/v1/notifications', {
              recipient_id: u,
              channels: ['email'],
              category: 'comments',
              group_key: 'post',
              content: { title: `comment ${i}`, body: '' },
              data: { actor_name: `A${i}`, verb: 'commented' },
            }),
          ),
        ),
      );
      for (const u of users) {
        const st = await ok(b, 'GET', `/api/v1/subscribers/${u}/digest`);
        t.equal(st.pending.count, 10, `${u}: every send from both nodes is in the window`);
      }
      a.clock.set(NINE);
      b.clock.set(NINE);
      const digests = [a.server.digests, b.server.digests];
      const flushes = users.flatMap((u) => digests.map((d) => d?.flush('default', u, NINE)));
      const [ranA, ranB, ...results] = await Promise.all([
        a.server.scheduler.runDue(),
        b.server.scheduler.runDue(),
        ...flushes,
      ]);
      t.ok((ranA as number) + (ranB as number) <= 3, 'each flush job ran at most once');
      await new Promise((r) => setImmediate(r));
      t.equal(a.sent.length + b.sent.length, 3, 'notification.digest.sent once per user');
      for (const u of users) {
        const exported = await ok(a, 'GET', `/api/v1/subscribers/${u}/export`);
        const sentDigests = exported.notifications.filter(
          (n: { category: string }) => n.category === 'digest',
        );
        t.equal(sentDigests.length, 1, `${u}: exactly one digest notification`);
        const st = await ok(b, 'GET', `/api/v1/subscribers/${u}/digest`);
        t.equal(st.last_notification_id, sentDigests[0].id);
      }
      const sentResults = results.filter((r) => (r as { status: string })?.status === 'sent');
      t.ok(sentResults.length <= 3, 'the direct flushes never sent a second one');
      // Nothing is left for the scheduler on either node.
      t.equal((await a.server.scheduler.runDue()) + (await b.server.scheduler.runDue()), 0);
    },
  );
}
