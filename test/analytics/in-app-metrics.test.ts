import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';
import { ADMIN_KEY, connect, type Running, startServer } from '../helpers/server.js';
import { openSse } from '../helpers/sse.js';

const NOW = Date.UTC(2026, 2, 10, 12, 30, 15);
const iso = (ms: number) => new Date(ms).toISOString();
/** The day of NOW, as reports and rollup-aligned queries see it. */
const TODAY = { start: iso(Date.UTC(2026, 2, 10)), end: iso(Date.UTC(2026, 2, 11)) };
/** Edges inside minutes: no rollup lines up with them, so the query scans raw events. */
const UNALIGNED = { start: iso(NOW - 3_600_000 - 1), end: iso(NOW + 60_001) };

interface Row {
  dimensions: Record<string, string>;
  values: Record<string, number>;
}

async function send(s: Running, user: string, category: string): Promise<string> {
  const res = await s.api('POST', '/api/v1/notifications', {
    recipient_id: user,
    category,
    content: { title: 'Hi', body: 'x' },
  });
  if (res.status !== 202) throw new Error(`send failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.notification_id;
}

async function query(t: Test, s: Running, body: Record<string, unknown>) {
  const res = await s.api('POST', '/api/v1/analytics/query', body);
  t.equal(res.status, 200, JSON.stringify(res.body));
  const rows = (res.body.data as Row[]).map((r) => [r.dimensions, r.values]);
  return { rows, source: res.body.metadata.source as string };
}

const BACKENDS: Array<[string, (t: Test) => Store]> = [
  ['memory', () => createMemoryStore()],
  ['sqlite', (t) => openSqliteStore({ path: join(t.testdir(), 'notifyd.db') })],
];

for (const [backend, makeStore] of BACKENDS) {
  t.test(
    `${backend}: in-app is sent when committed to a feed, delivered when handed to an open session`,
    async (t) => {
      const clock = new FakeClock(NOW);
      // The periodic flush waits a minute: the test flushes, so the sums stay whole.
      const overrides = { analytics: { flush_interval_ms: 60_000 } };
      const s = await startServer(t, overrides, makeStore(t), { clock });
      // ana on a WebSocket, cy on SSE, bob nowhere.
      const ana = await connect(t, `${s.wsUrl}?token=${await s.token('ana')}`);
      await ana.next('authenticated');
      const cy = await openSse(`${s.url}/api/v1/sse?token=${await s.token('cy')}`);
      t.teardown(() => cy.close());
      await cy.next('authenticated');
      const anas = [
        await send(s, 'ana', 'news'),
        await send(s, 'ana', 'news'),
        await send(s, 'ana', 'news'),
      ];
      await send(s, 'cy', 'news');
      await send(s, 'bob', 'promo');
      await send(s, 'bob', 'promo');
      for (let i = 0; i < 3; i++) await ana.next('notification');
      await cy.next('notification');
      // A second session of ana's: her next notification reaches two sessions, one delivery.
      const again = await connect(t, `${s.wsUrl}?token=${await s.token('ana')}`);
      await again.next('authenticated');
      await send(s, 'ana', 'news');
      await ana.next('notification');
      await again.next('notification');
      for (const id of anas.slice(0, 2)) {
        const read = await s.asUser('ana', 'POST', `/api/v1/me/notifications/${id}/read`);
        t.equal(read.status, 200);
      }
      await s.server.analytics!.ingestor.flush();

      // 7 committed to feeds (ana 4, cy 1, bob 2); 5 reached a session (ana 4, cy 1).
      const byChannel = {
        metrics: ['notifications_sent', 'notifications_delivered', 'delivery_rate'],
        dimensions: ['channel'],
      };
      const expected = [
        [
          { channel: 'in_app' },
          { notifications_sent: 7, notifications_delivered: 5, delivery_rate: 0.7143 },
        ],
      ];
      const rollup = await query(t, s, { ...byChannel, time_range: TODAY, granularity: 'day' });
      t.equal(rollup.source, 'rollup');
      t.same(rollup.rows, expected);
      const raw = await query(t, s, { ...byChannel, time_range: UNALIGNED });
      t.equal(raw.source, 'raw', 'edges inside minutes read raw events');
      t.same(raw.rows, expected, 'raw events count their occurrences as the rollups do');

      t.same(
        (
          await query(t, s, {
            metrics: ['notifications_sent', 'notifications_delivered'],
            dimensions: ['category'],
            filters: [{ field: 'channel', operator: 'eq', value: 'in_app' }],
            time_range: TODAY,
          })
        ).rows,
        [
          [{ category: 'news' }, { notifications_sent: 5, notifications_delivered: 5 }],
          [{ category: 'promo' }, { notifications_sent: 2, notifications_delivered: 0 }],
        ],
      );
      // Reads over the notifications in feeds: 2 of 7; accepted counts notifications, as before.
      t.same(
        (
          await query(t, s, {
            metrics: ['notifications_accepted', 'notifications_read', 'read_rate'],
            time_range: TODAY,
          })
        ).rows,
        [[{}, { notifications_accepted: 7, notifications_read: 2, read_rate: 0.2857 }]],
      );
      // The minute chart of the console's overview: one in_app bar in the minute of NOW.
      const minutes = await query(t, s, {
        metrics: ['notifications_sent'],
        dimensions: ['channel'],
        granularity: 'minute',
        time_range: { start: iso(NOW - 60_000 - 15_000), end: iso(NOW + 45_000) },
      });
      t.equal(minutes.source, 'rollup');
      t.same(minutes.rows, [
        [{ channel: 'in_app' }, { notifications_sent: 0 }],
        [{ channel: 'in_app' }, { notifications_sent: 7 }],
      ]);
      // Not one event per send or delivery: one per tenant, type, category and minute.
      const scanned = await s.store.analytics.scan(
        {
          tenant_id: 'default',
          from: 0,
          to: NOW + 60_000,
          event_types: ['notification.sent', 'notification.delivered'],
        },
        100,
      );
      t.same(
        scanned.map((e) => [e.event_type, e.user_id, e.properties]).sort(),
        [
          ['notification.delivered', null, { channel: 'in_app', category: 'news', occurrences: 5 }],
          ['notification.sent', null, { channel: 'in_app', category: 'news', occurrences: 5 }],
          ['notification.sent', null, { channel: 'in_app', category: 'promo', occurrences: 2 }],
        ].sort(),
      );
    },
  );
}

t.test(
  'in-app notifications sent from the offline queue are delivered when a session opens',
  async (t) => {
    const clock = new FakeClock(NOW);
    const s = await startServer(
      t,
      { realtime: { queue: { enabled: true } } },
      createMemoryStore(),
      {
        clock,
      },
    );
    await send(s, 'olive', 'news');
    await send(s, 'olive', 'news');
    await s.server.analytics!.ingestor.flush();
    const before = await query(t, s, {
      metrics: ['notifications_sent', 'notifications_delivered'],
      time_range: TODAY,
    });
    t.same(before.rows, [[{}, { notifications_sent: 2, notifications_delivered: 0 }]]);

    const first = await connect(t, `${s.wsUrl}?token=${await s.token('olive')}`);
    await first.next('resumed');
    first.ws.close();
    await first.closed;
    // A second session finds the queue empty: nothing more is delivered.
    const second = await connect(t, `${s.wsUrl}?token=${await s.token('olive')}`);
    await second.next('authenticated');
    second.send({ type: 'ping', id: 'p' });
    await second.next('pong');
    await s.server.analytics!.ingestor.flush();
    const after = await query(t, s, {
      metrics: ['notifications_sent', 'notifications_delivered', 'delivery_rate'],
      time_range: TODAY,
    });
    t.same(after.rows, [
      [{}, { notifications_sent: 2, notifications_delivered: 2, delivery_rate: 1 }],
    ]);
  },
);

t.test('the notification-delivery report and alert rules read in-app', async (t) => {
  const clock = new FakeClock(NOW);
  const s = await startServer(t, {}, createMemoryStore(), { clock });
  const ana = await connect(t, `${s.wsUrl}?token=${await s.token('ana')}`);
  await ana.next('authenticated');
  await send(s, 'ana', 'news');
  await ana.next('notification');
  for (let i = 0; i < 3; i++) await send(s, 'bob', 'news');
  await s.server.analytics!.ingestor.flush();

  const made = await s.api('POST', '/api/v1/reports', {
    definition: 'notification-delivery',
    parameters: { start_date: '2026-03-10', end_date: '2026-03-10', channel: ['in_app'] },
    format: 'csv',
  });
  t.equal(made.status, 201, JSON.stringify(made.body));
  t.equal(made.body.status, 'completed', JSON.stringify(made.body));
  const download = async (format: string) => {
    const res = await fetch(`${s.url}/api/v1/reports/${made.body.id}/download?format=${format}`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    t.equal(res.status, 200);
    return res.text();
  };
  const doc = JSON.parse(await download('json')) as {
    sections: Array<{ title: string; rows: Row[] }>;
  };
  const section = (title: string) => doc.sections.find((x) => x.title === title)!.rows;
  t.same(section('Summary')[0]!.values, {
    notifications_sent: 4,
    notifications_delivered: 1,
    notifications_failed: 0,
    delivery_rate: 0.25,
    failure_rate: 0,
  });
  t.same(
    section('By channel').map((r) => [r.dimensions, r.values]),
    [
      [
        { channel: 'in_app' },
        {
          notifications_sent: 4,
          notifications_delivered: 1,
          notifications_failed: 0,
          delivery_rate: 0.25,
        },
      ],
    ],
  );
  const csv = await download('csv');
  t.match(csv, /in_app,4,1,0,0\.25/, 'the CSV has the in-app row');
  const pdf = await fetch(`${s.url}/api/v1/reports/${made.body.id}/download?format=pdf`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  const input = Buffer.from(await pdf.arrayBuffer());
  const text = execFileSync('pdftotext', ['-layout', '-', '-'], { input }).toString();
  t.match(text, /in_app\s+4\s+1\s+0\s+25\.0%/, 'the PDF has the in-app row');

  // An alert on the in-app delivery rate: 0.25 over the last hour is below 0.5.
  const rule = await s.api('POST', '/api/v1/alerts/rules', {
    name: 'in-app reach',
    metric: 'delivery_rate',
    condition: 'below',
    threshold: 0.5,
    window: '1h',
    filters: [{ field: 'channel', operator: 'eq', value: 'in_app' }],
  });
  t.equal(rule.status, 201, JSON.stringify(rule.body));
  clock.advance(60_000);
  await s.server.scheduler.runDue();
  const alerts = await s.api('GET', '/api/v1/alerts');
  t.match(alerts.body.data, [{ rule_id: rule.body.id, actual_value: 0.25, status: 'triggered' }]);
});

t.test(
  'a report shows a ratio with nothing to divide by as no value: null, an empty cell, a dash',
  async (t) => {
    const clock = new FakeClock(NOW);
    const s = await startServer(t, {}, createMemoryStore(), { clock });
    // Sends on the 10th only: the 9th has no delivery, so no delivery or read rate.
    await send(s, 'bob', 'news');
    await s.server.analytics!.ingestor.flush();
    const made = await s.api('POST', '/api/v1/reports', {
      definition: 'notification-delivery',
      parameters: { start_date: '2026-03-09', end_date: '2026-03-10' },
      format: 'pdf',
    });
    t.equal(made.body.status, 'completed', JSON.stringify(made.body));
    const download = async (format: string) => {
      const res = await fetch(`${s.url}/api/v1/reports/${made.body.id}/download?format=${format}`, {
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      });
      t.equal(res.status, 200);
      return Buffer.from(await res.arrayBuffer());
    };
    const doc = JSON.parse((await download('json')).toString()) as {
      sections: Array<{ title: string; rows: Array<Row & { timestamp: string }> }>;
    };
    const perDay = doc.sections.find((x) => x.title === 'Accepted and read per day')!.rows;
    t.same(
      perDay.map((r) => [r.timestamp.slice(0, 10), r.values.read_rate]),
      [
        ['2026-03-09', null],
        ['2026-03-10', 0],
      ],
      'null on the day with nothing delivered, 0 on the day with deliveries and no read',
    );
    const csv = (await download('csv')).toString();
    t.match(
      csv,
      /\r\nAccepted and read per day,2026-03-09T00:00:00\.000Z,[^\r]*,0,0,\r\n/,
      'an empty cell, not 0',
    );
    const text = execFileSync('pdftotext', ['-layout', '-', '-'], {
      input: await download('pdf'),
    }).toString();
    t.match(text, /2026-03-09\s+0\s+0\s+—/, 'the PDF shows a dash');
    t.match(text, /2026-03-10\s+1\s+0\s+0\.0%/);
  },
);
