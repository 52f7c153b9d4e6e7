import t from 'tap';
import { analyticsEventOf } from '../../src/analytics/recorder.js';
import { FakeClock } from '../../src/core/clock.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { startServer } from '../helpers/server.js';
import { script } from '../providers/fixtures/script.js';

const NOW = Date.UTC(2026, 2, 10, 12);

t.test(
  'sends feed the notification metrics: accepted per notification, sent and delivered per delivery (in-app: committed to the feed, handed to a session)',
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
    // An in-app-only one: accepted, and nothing handed to a provider. Each of the three is
    // an in-app send (committed to ada's feed), none delivered (ada has no open session).
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
            notifications_sent: 4,
            notifications_delivered: 1,
            notifications_failed: 1,
            delivery_rate: 0.25,
          },
        ],
      ],
    );

    // notification.accepted keeps the channels it was routed to, as a sorted list: grouped
    // by the combination, or filtered on one channel.
    const byChannels = await s.api('POST', '/api/v1/analytics/query', {
      metrics: ['notifications_accepted'],
      dimensions: ['channels'],
      time_range: { preset: 'last_24h' },
      order_by: 'notifications_accepted',
      order_direction: 'desc',
    });
    t.equal(byChannels.status, 200, JSON.stringify(byChannels.body));
    t.same(
      byChannels.body.data.map((r: { dimensions: unknown; values: unknown }) => [
        r.dimensions,
        r.values,
      ]),
      [
        [{ channels: '["in_app","sms"]' }, { notifications_accepted: 2 }],
        [{ channels: '["in_app"]' }, { notifications_accepted: 1 }],
      ],
    );
    const withSms = await s.api('POST', '/api/v1/analytics/query', {
      metrics: ['notifications_accepted'],
      filters: [{ field: 'channels', operator: 'contains', value: 'sms' }],
      time_range: { preset: 'last_24h' },
    });
    t.equal(withSms.status, 200);
    t.match(withSms.body, { data: [{ values: { notifications_accepted: 2 } }] });
    t.equal(withSms.body.metadata.source, 'raw', 'channels is no rollup dimension');
  },
);

t.test(
  'notification.accepted is recorded with its channels, sorted; other lists are not',
  async (t) => {
    const found = analyticsEventOf({
      id: 'evt_1',
      type: 'notification.accepted',
      tenant_id: 'default',
      created_at: new Date(NOW).toISOString(),
      data: {
        notification_id: 'ntf_1',
        request_id: 'req_1',
        recipient_id: 'ada',
        category: 'billing',
        priority: 'normal',
        channels: ['sms', 'email', 'in_app'],
        template: null,
        accepted_at: new Date(NOW).toISOString(),
      },
    } as never);
    t.same(found, {
      type: 'notification.accepted',
      userId: 'ada',
      properties: {
        notification_id: 'ntf_1',
        request_id: 'req_1',
        recipient_id: 'ada',
        category: 'billing',
        priority: 'normal',
        accepted_at: new Date(NOW).toISOString(),
        channels: ['email', 'in_app', 'sms'],
      },
    });
    const read = analyticsEventOf({
      id: 'evt_2',
      type: 'notification.read',
      tenant_id: 'default',
      created_at: new Date(NOW).toISOString(),
      data: {
        recipient_id: 'ada',
        notification_ids: ['ntf_1', 'ntf_2'],
        all: false,
        category: null,
      },
    } as never);
    t.notOk(read && 'notification_ids' in read.properties, 'ids are not kept');
  },
);
