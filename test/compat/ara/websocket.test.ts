/**
 * Ara's WebSocket protocol (docs/en/03-api-reference.md, "WebSocket Protocol"), driven with
 * Ara's documented frames only, on SQLite and Redis: connection by query or header, every
 * client frame (Subscribe, Unsubscribe, Ping, Ack) and every server frame (notification,
 * subscribed, unsubscribed, pong, heartbeat, acked, error, shutdown).
 */
import t from 'tap';
import WebSocket from 'ws';
import { connect } from '../../helpers/server.js';
import { araSocket, araWs, onBackends, startAra } from './harness.js';

const KEYS = ['type', 'id', 'occurred_at', 'event_type', 'payload', 'metadata'];

onBackends(t, 'connect with ?token= or Authorization: Bearer; none is 401', async (t, backend) => {
  const s = await startAra(t, backend);
  const ws = s.base.replace('http', 'ws');
  const byQuery = await araWs(t, s, 'user-123');
  const byHeader = await araSocket(t, `${ws}/ws`, {
    authorization: `Bearer ${await s.jwt('user-123')}`,
  });
  for (const c of [byQuery, byHeader]) {
    c.send({ type: 'Ping' });
    t.same(await c.next('pong'), { type: 'pong' });
  }
  t.same(byQuery.frames, [{ type: 'pong' }], 'Ara sends nothing on connect');
  const sent = await s.ara('POST', '/api/v1/notifications/send', {
    target_user_id: 'user-123',
    event_type: 'order.created',
    payload: {},
  });
  t.equal(sent.body.delivered_to, 2, 'both sessions are the user’s');

  const refused = await new Promise<number>((resolve) => {
    const c = new WebSocket(`${ws}/ws`);
    c.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    c.on('open', () => resolve(101));
  });
  t.equal(refused, 401, 'no token: the upgrade is refused');

  const bad = await araSocket(t, `${ws}/ws?token=not-a-jwt`);
  const error = await bad.next('error');
  t.match(error, { type: 'error', code: 'AUTH_FAILED', message: String });
  t.same(Object.keys(error).sort(), ['code', 'message', 'type']);
  t.equal((await bad.closed).code, 4001);
});

onBackends(t, 'notification frames carry Ara’s fields and priorities', async (t, backend) => {
  const s = await startAra(t, backend);
  const c = await araWs(t, s, 'user-123');
  c.send({ type: 'Ping' });
  await c.next('pong');
  const res = await s.ara('POST', '/api/v1/notifications/send', {
    target_user_id: 'user-123',
    event_type: 'order.created',
    payload: { order_id: 'ORD-001', amount: 99.99 },
    priority: 'High',
    ttl: 3600,
  });
  const frame = await c.next('notification');
  t.same(Object.keys(frame), KEYS);
  t.same(frame, {
    type: 'notification',
    id: res.body.notification_id,
    occurred_at: frame.occurred_at,
    event_type: 'order.created',
    payload: { order_id: 'ORD-001', amount: 99.99 },
    metadata: { priority: 'High', ttl: 3600 },
  });
  t.ok(!Number.isNaN(Date.parse(frame.occurred_at)), 'occurred_at is a time');
  for (const priority of ['Low', 'Normal', 'High', 'Critical']) {
    await s.ara('POST', '/api/v1/notifications/send', {
      target_user_id: 'user-123',
      event_type: 'prio.test',
      payload: { priority },
      priority,
    });
    const f = await c.next('notification');
    t.same([f.payload.priority, f.metadata.priority], [priority, priority]);
  }
  await s.ara('POST', '/api/v1/notifications/send', {
    target_user_id: 'user-123',
    event_type: 'prio.default',
    payload: {},
  });
  t.equal((await c.next('notification')).metadata.priority, 'Normal', 'Normal by default');

  await s.ara('POST', '/api/v1/notifications/broadcast', {
    event_type: 'system.maintenance',
    payload: { message: 'Scheduled maintenance in 30 minutes' },
    priority: 'Critical',
  });
  const broadcast = await c.next('notification');
  t.same(Object.keys(broadcast), KEYS);
  t.match(broadcast, {
    event_type: 'system.maintenance',
    payload: { message: 'Scheduled maintenance in 30 minutes' },
    metadata: { priority: 'Critical' },
  });
});

onBackends(
  t,
  'Subscribe and Unsubscribe name channels; channel sends follow',
  async (t, backend) => {
    const s = await startAra(t, backend);
    const c = await araWs(t, s, 'user-123');
    c.send({ type: 'Subscribe', payload: { channels: ['orders', 'alerts'] } });
    t.same(await c.next('subscribed'), { type: 'subscribed', payload: ['orders', 'alerts'] });
    const toOrders = await s.ara('POST', '/api/v1/notifications/channel', {
      channel: 'orders',
      event_type: 'order.status_changed',
      payload: { order_id: 'ORD-001', status: 'shipped' },
    });
    t.match(toOrders.body, { channel: 'orders', delivered_to: 1 });
    const frame = await c.next('notification');
    t.same(Object.keys(frame), KEYS);
    t.match(frame, {
      id: toOrders.body.notification_id,
      event_type: 'order.status_changed',
      payload: { order_id: 'ORD-001', status: 'shipped' },
    });

    c.send({ type: 'Unsubscribe', payload: { channels: ['orders'] } });
    t.same(await c.next('unsubscribed'), { type: 'unsubscribed', payload: ['orders'] });
    const after = await s.ara('POST', '/api/v1/notifications/channels', {
      channels: ['orders', 'alerts'],
      event_type: 'stock.updated',
      payload: {},
    });
    t.match(after.body, {
      channels: { orders: { delivered_to: 0 }, alerts: { delivered_to: 1 } },
      total_delivered: 1,
    });
    t.match(await c.next('notification'), { event_type: 'stock.updated' });
    const subs = await s.ara('GET', '/api/v1/users/user-123/subscriptions');
    t.same(subs.body, { user_id: 'user-123', subscriptions: ['alerts'], connections: 1 });

    // One bad name: the good ones are subscribed, the bad one answered with an error.
    c.send({ type: 'Subscribe', payload: { channels: ['inventory', 'bad name!'] } });
    t.same(await c.next('subscribed'), { type: 'subscribed', payload: ['inventory'] });
    const error = await c.next('error');
    t.match(error, { type: 'error', code: 'VALIDATION_ERROR', message: /channel name/ });
    t.same(Object.keys(error).sort(), ['code', 'message', 'type']);
  },
);

onBackends(t, 'Ack answers acked and counts in the ack statistics', async (t, backend) => {
  const s = await startAra(t, backend);
  const c = await araWs(t, s, 'user-123');
  c.send({ type: 'Ping' });
  await c.next('pong');
  const sent = await s.ara('POST', '/api/v1/notifications/send', {
    target_user_id: 'user-123',
    event_type: 'order.created',
    payload: {},
  });
  const frame = await c.next('notification');
  t.match((await s.ara('GET', '/api/v1/stats/acks')).body, { pending: 1, acknowledged: 0 });
  c.send({ type: 'Ack', payload: { notification_id: frame.id } });
  t.same(await c.next('acked'), { type: 'acked', notification_id: sent.body.notification_id });
  t.match((await s.ara('GET', '/api/v1/stats/acks')).body, { pending: 0, acknowledged: 1 });

  // A channel message is delivered, not stored: acking it is fine and records nothing.
  c.send({ type: 'Subscribe', payload: { channels: ['orders'] } });
  await c.next('subscribed');
  await s.ara('POST', '/api/v1/notifications/channel', {
    channel: 'orders',
    event_type: 'order.created',
    payload: {},
  });
  const live = await c.next('notification');
  c.send({ type: 'Ack', payload: { notification_id: live.id } });
  t.same(await c.next('acked'), { type: 'acked', notification_id: live.id });
  t.match((await s.ara('GET', '/api/v1/stats/acks')).body, { pending: 0, acknowledged: 1 });

  c.send({ type: 'Ack', payload: { notification_id: 'ntf_nobody' } });
  t.match(await c.next('error'), { type: 'error', code: 'NOTIFICATION_NOT_FOUND' });
  c.send({ type: 'Ack', payload: {} });
  t.match(await c.next('error'), { type: 'error', code: 'VALIDATION_ERROR' });
  c.send({ type: 'Shout' });
  t.match(await c.next('error'), { type: 'error', code: 'VALIDATION_ERROR' });
  c.ws.send('{not json');
  t.match(await c.next('error'), { type: 'error', code: 'INVALID_JSON' });
});

onBackends(
  t,
  'heartbeat every compat.ara.heartbeat_s; shutdown before close',
  async (t, backend) => {
    const s = await startAra(t, backend, { compat: { ara: { heartbeat_s: 1 } } });
    const c = await araWs(t, s, 'user-123');
    t.same(await c.next('heartbeat', 10_000), { type: 'heartbeat' });
    await s.server.close();
    const shutdown = await c.next('shutdown');
    t.same(shutdown, {
      type: 'shutdown',
      reason: shutdown.reason,
      reconnect_after_seconds: s.config.realtime.reconnect_after_s,
    });
    t.type(shutdown.reason, 'string');
    t.equal((await c.closed).code, 1001);
  },
);

onBackends(
  t,
  'an Ara client at /api/v1/ws is told apart by its first frame',
  async (t, backend) => {
    const s = await startAra(t, backend);
    const mine = await connect(t, `${s.wsUrl}?token=${await s.jwt('user-123')}`);
    await mine.next('authenticated');
    const ara = await connect(t, `${s.wsUrl}?token=${await s.jwt('user-123')}`);
    await ara.next('authenticated');
    ara.send({ type: 'Ping' });
    t.same(await ara.next('pong'), { type: 'pong' });
    ara.send({ type: 'Subscribe', payload: { channels: ['orders'] } });
    t.same(await ara.next('subscribed'), { type: 'subscribed', payload: ['orders'] });
    const sent = await s.ara('POST', '/api/v1/notifications/send', {
      target_user_id: 'user-123',
      event_type: 'order.created',
      payload: { n: 1 },
    });
    t.equal(sent.body.delivered_to, 2);
    t.match(await ara.next('notification'), { id: sent.body.notification_id, payload: { n: 1 } });
    const native = await mine.next('notification');
    t.match(native.data, { id: sent.body.notification_id, category: 'order.created' });
    t.equal(native.unread_count, 1, 'notifyd’s own session is untouched');
    await s.ara('POST', '/api/v1/notifications/channel', {
      channel: 'orders',
      event_type: 'order.created',
      payload: {},
    });
    t.match(await ara.next('notification'), { metadata: { channel: 'orders' } });
  },
);

onBackends(t, 'stats count Ara sessions by transport and channel', async (t, backend) => {
  const s = await startAra(t, backend);
  const a = await araWs(t, s, 'u1');
  const b = await araWs(t, s, 'u1');
  a.send({ type: 'Subscribe', payload: { channels: ['orders', 'alerts'] } });
  b.send({ type: 'Subscribe', payload: { channels: ['orders'] } });
  await a.next('subscribed');
  await b.next('subscribed');
  const stats = await s.ara('GET', '/api/v1/stats');
  t.match(stats.body, {
    connections: { total: 2, websocket: 2, sse: 0 },
    users: { connected: 1, with_multiple_connections: 1 },
    channels: { active: 2, total_subscriptions: 3 },
  });
  const channels = await s.ara('GET', '/api/v1/channels');
  t.same(
    channels.body.channels.sort((x: { name: string }, y: { name: string }) =>
      x.name.localeCompare(y.name),
    ),
    [
      { name: 'alerts', subscribers: 1 },
      { name: 'orders', subscribers: 2 },
    ],
  );
});
