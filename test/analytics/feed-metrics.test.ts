import { join } from 'node:path';
import t, { type Test } from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';
import { connect, type Running, startServer } from '../helpers/server.js';

const NOW = Date.UTC(2026, 2, 10, 12, 30, 15);
const iso = (ms: number) => new Date(ms).toISOString();
const TODAY = { start: iso(Date.UTC(2026, 2, 10)), end: iso(Date.UTC(2026, 2, 11)) };
/** Edges inside minutes: the query scans raw events. */
const UNALIGNED = { start: iso(NOW - 3_600_000 - 1), end: iso(NOW + 60_001) };
const FEED = '/api/v1/me/notifications';

async function send(s: Running, user: string, category: string): Promise<string> {
  const res = await s.api('POST', '/api/v1/notifications', {
    recipient_id: user,
    category,
    content: { title: 'Hi', body: 'x' },
    actions: [{ id: 'open', label: 'Open', type: 'primary' }],
  });
  if (res.status !== 202) throw new Error(`send failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.notification_id;
}

const BACKENDS: Array<[string, (t: Test) => Store]> = [
  ['memory', () => createMemoryStore()],
  ['sqlite', (t) => openSqliteStore({ path: join(t.testdir(), 'notifyd.db') })],
];

for (const [backend, makeStore] of BACKENDS) {
  t.test(
    `${backend}: reads, clicks and dismissals count notifications, each once, over the notifications in feeds`,
    async (t) => {
      const clock = new FakeClock(NOW);
      const s = await startServer(t, { analytics: { flush_interval_ms: 60_000 } }, makeStore(t), {
        clock,
      });
      const [a1, a2, a3, a4] = [
        await send(s, 'ana', 'news'),
        await send(s, 'ana', 'news'),
        await send(s, 'ana', 'news'),
        await send(s, 'ana', 'promo'),
      ];
      await send(s, 'bob', 'news');
      await send(s, 'bob', 'news');
      const ok = async (method: string, path: string, user = 'ana') => {
        const res = await s.asUser(user, method, path);
        t.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
      };
      // a1 read three times, over HTTP and by two WebSocket sessions, with a2: a1 and a2 once.
      await ok('POST', `${FEED}/${a1}/read`);
      await ok('POST', `${FEED}/${a1}/read`);
      for (let i = 0; i < 2; i++) {
        const ws = await connect(t, `${s.wsUrl}?token=${await s.token('ana')}`);
        await ws.next('authenticated');
        ws.send({ type: 'mark_read', notification_ids: [a1!, a2!, a2!], id: `r${i}` });
        await ws.next('done');
      }
      // An action on a3 reads it (once), a second click records nothing.
      await ok('POST', `${FEED}/${a3}/actions/open`);
      await ok('POST', `${FEED}/${a3}/actions/open`);
      await ok('POST', `${FEED}/${a3}/read`);
      // a4 dismissed twice: once. Bob reads all of his (2), then again (none left).
      await ok('POST', `${FEED}/${a4}/dismiss`);
      await ok('POST', `${FEED}/${a4}/dismiss`);
      await ok('POST', `${FEED}/read-all`, 'bob');
      await ok('POST', `${FEED}/read-all`, 'bob');
      await s.server.analytics!.ingestor.flush();

      const metrics = [
        'notifications_in_feed',
        'notifications_read',
        'notifications_clicked',
        'notifications_dismissed',
        'read_rate',
        'click_rate',
        'dismiss_rate',
      ];
      // 6 in feeds; read: a1, a2, a3 and bob's two; a3 clicked; a4 dismissed.
      const expected = {
        notifications_in_feed: 6,
        notifications_read: 5,
        notifications_clicked: 1,
        notifications_dismissed: 1,
        read_rate: 0.8333,
        click_rate: 0.1667,
        dismiss_rate: 0.1667,
      };
      const rollup = await s.api('POST', '/api/v1/analytics/query', {
        metrics,
        time_range: TODAY,
        granularity: 'day',
      });
      t.equal(rollup.body.metadata.source, 'rollup');
      t.same(rollup.body.data[0].values, expected);
      const raw = await s.api('POST', '/api/v1/analytics/query', {
        metrics,
        time_range: UNALIGNED,
      });
      t.equal(raw.body.metadata.source, 'raw');
      t.same(raw.body.data[0].values, expected, 'raw events count alike');
      // By channel: what happens in the feed is the in-app channel's.
      const byChannel = await s.api('POST', '/api/v1/analytics/query', {
        metrics: ['notifications_read', 'read_rate'],
        dimensions: ['channel'],
        time_range: TODAY,
      });
      t.same(
        byChannel.body.data.map((r: { dimensions: object; values: object }) => [
          r.dimensions,
          r.values,
        ]),
        [[{ channel: 'in_app' }, { notifications_read: 5, read_rate: 0.8333 }]],
      );

      // The events API keeps notifyd's own ids to notifyd.
      const forged = await s.api('POST', '/api/v1/analytics/events', {
        event_type: 'notification.read',
        user_id: 'ana',
        event_id: `notifyd:notification.read:${a4}`,
        properties: { occurrences: 100 },
      });
      t.equal(forged.status, 400);
      t.match(forged.body.error, { code: 'VALIDATION_ERROR', details: { field: /event_id/ } });
    },
  );
}
