import t from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { startServer } from '../helpers/server.js';
import { script } from '../providers/fixtures/script.js';

const NOW = Date.UTC(2026, 2, 10, 12);

t.test(
  'sends feed the notification metrics: accepted per notification, sent and delivered per delivery',
  async (t) => {
    const clock = new FakeClock(NOW);
    const s = await startServer(
      t,
      {
        providers: { sms: [{ plugin: './test/providers/fixtures/sms.ts', name: 'sms-a' }] },
      } as never,
      createMemoryStore(),
      { clock },
    );
    await s.api('PUT', '/api/v1/subscribers/ada', { phone: '+33612345678' });
    // The second SMS fails for good: sent twice, delivered once, failed once.
    script(
      'sms-a',
      { ok: true, provider_message_id: 'm1' },
      { ok: false, kind: 'permanent', message: 'no' },
    );
    const ids: string[] = [];
    for (const body of ['one', 'two']) {
      const res = await s.api('POST', '/api/v1/notifications', {
        recipient_id: 'ada',
        category: 'billing',
        channels: ['in_app', 'sms'],
        content: { title: 'Invoice', body },
      });
      t.equal(res.status, 202);
      ids.push(res.body.notification_id);
    }
    // An in-app-only one: accepted, and nothing handed to a provider.
    await s.api('POST', '/api/v1/notifications', {
      recipient_id: 'ada',
      category: 'billing',
      content: { title: 'Hi', body: 'in-app only' },
    });
    for (let i = 0; i < 500; i++) {
      const rows = await Promise.all(
        ids.map((id) => s.store.deliveries.listByNotification('default', id)),
      );
      if (rows.flat().every((d) => d.channel !== 'sms' || d.status !== 'pending')) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await s.server.analytics!.ingestor.flush();
    const res = await s.api('POST', '/api/v1/analytics/query', {
      metrics: [
        'notifications_accepted',
        'notifications_sent',
        'notifications_delivered',
        'notifications_failed',
        'delivery_rate',
      ],
      dimensions: ['category'],
      time_range: { preset: 'last_24h' },
    });
    t.equal(res.status, 200);
    t.same(
      res.body.data.map((r: { dimensions: unknown; values: unknown }) => [r.dimensions, r.values]),
      [
        [
          { category: 'billing' },
          {
            notifications_accepted: 3,
            notifications_sent: 1,
            notifications_delivered: 1,
            notifications_failed: 1,
            delivery_rate: 1,
          },
        ],
      ],
    );
  },
);
