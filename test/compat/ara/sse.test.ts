/**
 * Ara's SSE protocol (docs/en/03-api-reference.md, "SSE Protocol"): `GET /sse` with the JWT
 * in the query or an Authorization header; `connected`, `notification` and `heartbeat` events.
 */
import t from 'tap';
import { openSse } from '../../helpers/sse.js';
import { onBackends, startAra } from './harness.js';

onBackends(t, 'connected, notification and heartbeat events', async (t, backend) => {
  const s = await startAra(t, backend, { compat: { ara: { heartbeat_s: 1 } } });
  const byQuery = await openSse(`${s.base}/sse?token=${await s.jwt('user-123')}`);
  t.teardown(() => byQuery.close());
  const byHeader = await openSse(`${s.base}/sse`, {
    authorization: `Bearer ${await s.jwt('user-123')}`,
  });
  t.teardown(() => byHeader.close());
  for (const c of [byQuery, byHeader]) {
    const connected = await c.next('connected');
    t.same(Object.keys(connected.data).sort(), ['connection_id', 'user_id']);
    t.match(connected.data, { connection_id: String, user_id: 'user-123' });
  }
  const sent = await s.ara('POST', '/api/v1/notifications/send', {
    target_user_id: 'user-123',
    event_type: 'order.created',
    payload: { order_id: 'ORD-001' },
  });
  t.equal(sent.body.delivered_to, 2);
  const n = await byQuery.next('notification');
  t.match(n.data, {
    id: sent.body.notification_id,
    event_type: 'order.created',
    payload: { order_id: 'ORD-001' },
  });
  const beat = await byQuery.next('heartbeat', 10_000);
  t.ok(!Number.isNaN(Date.parse(beat.data.timestamp)), 'heartbeat carries a timestamp');
  t.match((await s.ara('GET', '/api/v1/stats')).body, { connections: { sse: 2 } });
  const none = await openSse(`${s.base}/sse`);
  t.equal(none.status, 401);
});
