import t from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { createIdGenerator } from '../../src/core/ids.js';
import { EventBus } from '../../src/events/bus.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { connect, startServer } from '../helpers/server.js';
import { startReceiver } from '../helpers/webhook-receiver.js';

const NOW = Date.UTC(2026, 2, 10, 12, 30, 15);

t.test(
  'webhooks hear in-app sends and deliveries as notification.sent / .delivered, as analytics counts them',
  async (t) => {
    const receiver = await startReceiver(t);
    const clock = new FakeClock(NOW);
    const s = await startServer(
      t,
      { webhooks: { concurrency: 1 }, analytics: { flush_interval_ms: 60_000 } },
      createMemoryStore(),
      { clock },
    );
    const hook = await s.api('POST', '/api/v1/webhooks', {
      url: `${receiver.url}/in-app`,
      events: ['notification.sent', 'notification.delivered'],
    });
    t.equal(hook.status, 201);
    const ana = await connect(t, `${s.wsUrl}?token=${await s.token('ana')}`);
    await ana.next('authenticated');
    const send = async (user: string) => {
      const res = await s.api('POST', '/api/v1/notifications', {
        recipient_id: user,
        category: 'news',
        content: { title: 'Hi', body: 'x' },
      });
      t.equal(res.status, 202);
      return res.body.notification_id as string;
    };
    const toAna = await send('ana');
    await ana.next('notification');
    const toBob = await send('bob'); // no session: sent, not delivered

    const got: Array<[string, unknown]> = [];
    for (let i = 0; i < 3; i++) {
      const r = await receiver.next('/in-app');
      got.push([r.body.type, r.body.data]);
    }
    const deliveries = await s.store.deliveries.listByNotification('default', toAna);
    const row = deliveries.find((d) => d.channel === 'in_app')!;
    const at = new Date(NOW).toISOString();
    const base = { channel: 'in_app', attempt: 1, category: 'news', provider: 'in_app' };
    t.same(
      got.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      [
        [
          'notification.delivered',
          {
            ...base,
            delivery_id: null,
            notification_id: toAna,
            recipient_id: 'ana',
            provider_message_id: null,
            delivered_at: at,
          },
        ],
        [
          'notification.sent',
          {
            ...base,
            delivery_id: row.id,
            notification_id: toAna,
            recipient_id: 'ana',
            provider_message_id: null,
            sent_at: at,
          },
        ],
        [
          'notification.sent',
          {
            ...base,
            delivery_id: (await s.store.deliveries.listByNotification('default', toBob)).find(
              (d) => d.channel === 'in_app',
            )!.id,
            notification_id: toBob,
            recipient_id: 'bob',
            provider_message_id: null,
            sent_at: at,
          },
        ],
      ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );

    // Analytics counts the same, from its tally and not once more from these events.
    await s.server.analytics!.ingestor.flush();
    const q = await s.api('POST', '/api/v1/analytics/query', {
      metrics: ['notifications_sent', 'notifications_delivered'],
      dimensions: ['channel'],
      time_range: { preset: 'last_24h' },
    });
    t.same(
      q.body.data.map((r: { dimensions: object; values: object }) => [r.dimensions, r.values]),
      [[{ channel: 'in_app' }, { notifications_sent: 2, notifications_delivered: 1 }]],
    );
  },
);

t.test('emitWanted builds an event only for the listeners that want it', async (t) => {
  const clock = new FakeClock(NOW);
  const bus = new EventBus(clock, createIdGenerator(clock));
  const all: string[] = [];
  const picky: string[] = [];
  bus.subscribe((e) => {
    all.push(e.type);
  });
  let built = 0;
  const data = () => {
    built++;
    return { webhook_id: 'w', message: 'm' };
  };
  t.equal(bus.emitWanted('webhook.test', 'acme', data), false, 'nobody wants it');
  t.equal(built, 0, 'not even built');
  bus.subscribe(
    (e) => {
      picky.push(`${e.type} ${e.tenant_id}`);
    },
    (type, tenant) => type === 'webhook.test' && tenant === 'acme',
  );
  t.equal(bus.emitWanted('webhook.test', 'globex', data), false);
  t.equal(bus.emitWanted('webhook.test', 'acme', data), true);
  t.equal(built, 1);
  await Promise.resolve();
  t.same(picky, ['webhook.test acme']);
  t.same(all, [], 'a listener without wants hears none of them');
});
