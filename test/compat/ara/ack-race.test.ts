/**
 * Ara's client flow (ACK Confirmation Tracking: on `notification`, send `Ack` at once), on
 * SQLite and Redis: an Ack that arrives while the notification is still being recorded as
 * pending must not leave it pending, to be redelivered on the next connection.
 */
import t from 'tap';
import { araWs, onBackends, startAra } from './harness.js';

const N = 5;

onBackends(t, 'an Ack sent the moment a notification arrives settles it', async (t, backend) => {
  const s = await startAra(t, backend);
  // Recording a notification as pending takes a while (a slow store): an Ack sent at once
  // reaches the server before that write is done, unless the write comes first.
  const queues = s.store.queues;
  const push = queues.push.bind(queues);
  queues.push = async (queue, items, max) => {
    if (queue === 'acks') await new Promise((r) => setTimeout(r, 50));
    return push(queue, items, max);
  };
  const c = await araWs(t, s, 'user-123');
  c.ws.on('message', (raw) => {
    const msg = JSON.parse(raw.toString());
    if (msg.type === 'notification') {
      c.send({ type: 'Ack', payload: { notification_id: msg.id } });
    }
  });
  c.send({ type: 'Ping' });
  await c.next('pong');
  for (let i = 0; i < N; i++) {
    const res = await s.ara('POST', '/api/v1/notifications/send', {
      target_user_id: 'user-123',
      event_type: 'order.created',
      payload: { i },
    });
    t.equal(res.body.delivered_to, 1);
  }
  for (let i = 0; i < N; i++) await c.next('acked');
  t.match((await s.ara('GET', '/api/v1/stats/acks')).body, { pending: 0, acknowledged: N });
  c.ws.close();
  await c.closed;
  const again = await araWs(t, s, 'user-123');
  again.send({ type: 'Ping' });
  await again.next('pong');
  t.same(
    again.frames.filter((f) => f.type === 'notification'),
    [],
    'nothing acknowledged is redelivered',
  );
  again.ws.close();
  await again.closed;

  // Replayed from the offline queue on connect, and acked at once: settled too.
  for (const i of [1, 2]) {
    const res = await s.ara('POST', '/api/v1/notifications/send', {
      target_user_id: 'user-123',
      event_type: 'order.created',
      payload: { i },
    });
    t.equal(res.body.queued, true);
  }
  const back = await araWs(t, s, 'user-123');
  for (const _ of [1, 2]) {
    const { id } = await back.next('notification');
    back.send({ type: 'Ack', payload: { notification_id: id } });
  }
  for (const _ of [1, 2]) await back.next('acked');
  t.match((await s.ara('GET', '/api/v1/stats/acks')).body, { pending: 0, acknowledged: N + 2 });
  back.ws.close();
  await back.closed;
  const last = await araWs(t, s, 'user-123');
  last.send({ type: 'Ping' });
  await last.next('pong');
  t.same(
    last.frames.filter((f) => f.type === 'notification'),
    [],
    'nothing replayed and acknowledged is redelivered',
  );
});
