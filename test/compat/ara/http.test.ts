/**
 * Ara's HTTP API (docs/en/03-api-reference.md), driven with Ara's documented requests only,
 * on SQLite and Redis. Sessions here are notifyd's own (/api/v1/ws), which Ara's sends
 * reach too: both doors share one gateway.
 */
import t from 'tap';
import { connect } from '../../helpers/server.js';
import { onBackends, startAra } from './harness.js';

onBackends(
  t,
  'send to one user: delivered_to counts sessions, queued when offline',
  async (t, backend) => {
    const s = await startAra(t, backend);
    const online = await connect(t, `${s.wsUrl}?token=${await s.jwt('user-123')}`);
    await online.next('authenticated');
    const second = await connect(t, `${s.wsUrl}?token=${await s.jwt('user-123')}`);
    await second.next('authenticated');
    const res = await s.ara('POST', '/api/v1/notifications/send', {
      target_user_id: 'user-123',
      event_type: 'order.created',
      payload: { order_id: 'ORD-001', amount: 99.99 },
      priority: 'High',
      ttl: 3600,
    });
    t.equal(res.status, 200);
    t.match(res.body, { notification_id: /^ntf_/, delivered_to: 2, queued: false });
    const frame = await online.next('notification');
    t.match(frame.data, {
      id: res.body.notification_id,
      category: 'order.created',
      priority: 'high',
      data: { event_type: 'order.created', payload: { order_id: 'ORD-001' }, ttl: 3600 },
    });
    t.ok(frame.data.expires_at, 'ttl expires it');

    const offline = await s.ara('POST', '/api/v1/notifications/send', {
      target_user_id: 'user-999',
      event_type: 'order.created',
      payload: {},
    });
    t.match(offline.body, { delivered_to: 0, queued: true });

    const bad = await s.ara('POST', '/api/v1/notifications/send', {
      target_user_id: 'user-1',
      payload: {},
    });
    t.equal(bad.status, 400);
    t.match(bad.body, { error: { code: 'VALIDATION_ERROR', details: { field: 'event_type' } } });
    const badPriority = await s.ara('POST', '/api/v1/notifications/send', {
      target_user_id: 'user-1',
      event_type: 'x',
      payload: {},
      priority: 'Urgentest',
    });
    t.equal(badPriority.status, 400);
    const noKey = await fetch(`${s.base}/api/v1/notifications/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    t.equal(noKey.status, 401);
  },
);

onBackends(t, 'priorities Low|Normal|High|Critical map onto notifyd’s', async (t, backend) => {
  const s = await startAra(t, backend);
  const c = await connect(t, `${s.wsUrl}?token=${await s.jwt('p')}`);
  await c.next('authenticated');
  for (const [ara, notifyd] of [
    ['Low', 'low'],
    ['Normal', 'normal'],
    ['High', 'high'],
    ['Critical', 'urgent'],
  ]) {
    const res = await s.ara('POST', '/api/v1/notifications/send', {
      target_user_id: 'p',
      event_type: 'prio.test',
      payload: {},
      priority: ara,
    });
    t.equal(res.status, 200);
    t.equal((await c.next('notification')).data.priority, notifyd, ara);
  }
});

onBackends(t, 'template_id + variables render a notifyd template ({{var}})', async (t, backend) => {
  const s = await startAra(t, backend);
  const created = await s.api('POST', '/api/v1/templates', {
    key: 'order-shipped',
    name: 'Order Shipped',
    channels: {
      in_app: {
        title: 'Order {{order_id}} Shipped',
        body: 'Your order is on the way! Tracking: {{tracking_number}}',
      },
    },
  });
  t.equal(created.status, 201);
  const c = await connect(t, `${s.wsUrl}?token=${await s.jwt('user-123')}`);
  await c.next('authenticated');
  const res = await s.ara('POST', '/api/v1/notifications/send', {
    target_user_id: 'user-123',
    template_id: 'order-shipped',
    variables: { order_id: 'ORD-001', tracking_number: 'TRK-12345' },
  });
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.match((await c.next('notification')).data.content, {
    title: 'Order ORD-001 Shipped',
    body: 'Your order is on the way! Tracking: TRK-12345',
  });
  const missing = await s.ara('POST', '/api/v1/notifications/send', {
    target_user_id: 'user-123',
    template_id: 'nope',
    variables: {},
  });
  t.equal(missing.status, 404);
});

onBackends(t, 'send-to-users answers per user', async (t, backend) => {
  const s = await startAra(t, backend);
  for (const n of [1, 2]) {
    const c = await connect(t, `${s.wsUrl}?token=${await s.jwt('user-1')}`);
    await c.next('authenticated');
    t.ok(n);
  }
  const c2 = await connect(t, `${s.wsUrl}?token=${await s.jwt('user-2')}`);
  await c2.next('authenticated');
  const res = await s.ara('POST', '/api/v1/notifications/send-to-users', {
    target_user_ids: ['user-1', 'user-2', 'user-3'],
    event_type: 'group.notification',
    payload: { message: 'New group update' },
    priority: 'Normal',
  });
  t.equal(res.status, 200);
  t.match(res.body, {
    notification_id: String,
    results: {
      'user-1': { delivered: true, connections: 2 },
      'user-2': { delivered: true, connections: 1 },
      'user-3': { delivered: false, queued: true },
    },
  });
  t.match((await c2.next('notification')).data.data.payload, { message: 'New group update' });
});

onBackends(t, 'broadcast, channel and channels count the sessions reached', async (t, backend) => {
  const s = await startAra(t, backend);
  const claims = { channels: ['*'] };
  const a = await connect(t, `${s.wsUrl}?token=${await s.jwt('a', claims)}`);
  const b = await connect(t, `${s.wsUrl}?token=${await s.jwt('b', claims)}`);
  for (const c of [a, b]) await c.next('authenticated');
  a.send({ type: 'subscribe', channel: 'orders' });
  await a.next('subscribed');
  b.send({ type: 'subscribe', channel: 'orders' });
  await b.next('subscribed');
  b.send({ type: 'subscribe', channel: 'inventory' });
  await b.next('subscribed');

  const all = await s.ara('POST', '/api/v1/notifications/broadcast', {
    event_type: 'system.maintenance',
    payload: { message: 'Scheduled maintenance in 30 minutes' },
    priority: 'Critical',
  });
  t.equal(all.status, 200);
  t.match(all.body, { notification_id: /^msg_/, delivered_to: 2 });
  t.match((await a.next('broadcast')).data, {
    event: 'system.maintenance',
    data: { message: 'Scheduled maintenance in 30 minutes' },
    metadata: { priority: 'Critical' },
  });

  const one = await s.ara('POST', '/api/v1/notifications/channel', {
    channel: 'orders',
    event_type: 'order.status_changed',
    payload: { order_id: 'ORD-001', status: 'shipped' },
  });
  t.match(one.body, { notification_id: /^msg_/, channel: 'orders', delivered_to: 2 });
  t.match((await b.next('channel_message')).data, {
    channel: 'orders',
    data: { status: 'shipped' },
  });

  const many = await s.ara('POST', '/api/v1/notifications/channels', {
    channels: ['orders', 'inventory', 'shipping'],
    event_type: 'stock.updated',
    payload: { product_id: 'PROD-001', quantity: 50 },
  });
  t.same(many.body.channels, {
    orders: { delivered_to: 2 },
    inventory: { delivered_to: 1 },
    shipping: { delivered_to: 0 },
  });
  t.equal(many.body.total_delivered, 3);
  const bad = await s.ara('POST', '/api/v1/notifications/channel', {
    channel: 'no spaces',
    event_type: 'x',
    payload: {},
  });
  t.equal(bad.status, 400);
});

onBackends(
  t,
  'batch: Ara items answered in Ara’s shape, notifyd items in notifyd’s',
  async (t, backend) => {
    const s = await startAra(t, backend);
    const res = await s.ara('POST', '/api/v1/notifications/batch', {
      notifications: [
        {
          target: { type: 'user', id: 'user-1' },
          event_type: 'message.new',
          payload: { text: 'Hello' },
        },
        {
          target: { type: 'channel', name: 'orders' },
          event_type: 'order.created',
          payload: { order_id: '123' },
        },
        { target: { type: 'user', id: 'user-2' }, payload: {} },
      ],
      atomic: false,
    });
    t.equal(res.status, 200);
    t.match(res.body, {
      results: [
        { index: 0, success: true, notification_id: /^ntf_/ },
        { index: 1, success: true, notification_id: /^msg_/ },
        { index: 2, success: false, error: String },
      ],
      successful: 2,
      failed: 1,
    });
    const atomic = await s.ara('POST', '/api/v1/notifications/batch', {
      notifications: [
        { target: { type: 'user', id: 'user-1' }, event_type: 'message.new', payload: {} },
        { target: { type: 'user', id: 'user-2' }, payload: {} },
      ],
      atomic: true,
    });
    t.equal(atomic.status, 400, 'atomic: one bad item refuses the batch');
    const tooMany = await s.ara('POST', '/api/v1/notifications/batch', {
      notifications: Array.from({ length: 101 }, (_, i) => ({
        target: { type: 'user', id: `u${i}` },
        event_type: 'x',
        payload: {},
      })),
    });
    t.equal(tooMany.status, 400, 'at most 100');

    const own = await s.api('POST', '/api/v1/notifications/batch', {
      notifications: [{ recipient_id: 'user-1', content: { title: 'Hi', body: 'there' } }],
    });
    t.equal(own.status, 202, "notifyd's batch is untouched");
    t.match(own.body, { accepted: 1, rejected: 0, results: [{ index: 0, status: 'accepted' }] });
    const ownBad = await s.api('POST', '/api/v1/notifications/batch', {
      notifications: [{ nope: 1 }],
    });
    t.equal(ownBad.status, 400, "notifyd's validation still answers notifyd's shape");
  },
);

onBackends(t, 'health, stats, channels and subscriptions', async (t, backend) => {
  const s = await startAra(t, backend);
  const health = await fetch(`${s.base}/health`);
  t.equal(health.status, 200);
  t.match(await health.json(), {
    status: 'healthy',
    version: String,
    uptime_seconds: Number,
    redis:
      backend === 'redis'
        ? { status: 'healthy', connected: true }
        : { status: 'disabled', connected: false },
  });
  t.equal((await fetch(`${s.base}/healthz`)).status, 200, "notifyd's health is untouched");

  const claims = { channels: ['*'] };
  const a1 = await connect(t, `${s.wsUrl}?token=${await s.jwt('user-123', claims)}`);
  const a2 = await connect(t, `${s.wsUrl}?token=${await s.jwt('user-123', claims)}`);
  const b = await connect(t, `${s.wsUrl}?token=${await s.jwt('user-456', claims)}`);
  for (const c of [a1, a2, b]) await c.next('authenticated');
  for (const [c, ch] of [
    [a1, 'orders'],
    [a2, 'alerts'],
    [b, 'orders'],
  ] as const) {
    c.send({ type: 'subscribe', channel: ch });
    await c.next('subscribed');
  }
  await s.ara('POST', '/api/v1/notifications/send', {
    target_user_id: 'user-123',
    event_type: 'x',
    payload: {},
  });

  const stats = await s.ara('GET', '/api/v1/stats');
  t.equal(stats.status, 200);
  t.match(stats.body, {
    connections: { total: 3, websocket: 3, sse: 0 },
    users: { connected: 2, with_multiple_connections: 1 },
    channels: { active: 2, total_subscriptions: 3 },
    messages: { sent_today: 1, delivered_today: 2, failed_today: 0 },
  });
  const list = await s.ara('GET', '/api/v1/channels');
  t.same(
    list.body.channels.sort((x: { name: string }, y: { name: string }) =>
      x.name.localeCompare(y.name),
    ),
    [
      { name: 'alerts', subscribers: 1 },
      { name: 'orders', subscribers: 2 },
    ],
  );
  const orders = await s.ara('GET', '/api/v1/channels/orders');
  t.match(orders.body, { name: 'orders', subscribers: 2, created_at: String });
  t.equal((await s.ara('GET', '/api/v1/channels/nobody')).status, 404);
  const subs = await s.ara('GET', '/api/v1/users/user-123/subscriptions');
  t.same(subs.body, { user_id: 'user-123', subscriptions: ['alerts', 'orders'], connections: 2 });
});

t.test('off by default: none of Ara’s routes', async (t) => {
  const { startServer } = await import('../../helpers/server.js');
  const s = await startServer(t);
  t.equal((await fetch(`${s.url}/health`)).status, 404);
  t.equal(
    (await s.api('POST', '/api/v1/notifications/send', {})).status,
    405,
    'notifyd answers as before',
  );
});
