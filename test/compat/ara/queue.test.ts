/**
 * Ara's offline queue and TTL, from its API reference: a notification for a user with no
 * connection is `queued`, replayed as a `notification` frame when they connect, and dropped
 * once its `ttl` (seconds) has passed. Time moves on the injected clock.
 */
import t from 'tap';
import { FakeClock } from '../../../src/core/clock.js';
import { araSocket, araWs, onBackends, startAra } from './harness.js';

onBackends(
  t,
  'queued while offline, replayed on connect, oldest first, once',
  async (t, backend) => {
    const clock = new FakeClock(Date.now());
    const s = await startAra(t, backend, {}, clock);
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const res = await s.ara('POST', '/api/v1/notifications/send', {
        target_user_id: 'user-123',
        event_type: 'order.created',
        payload: { n },
        priority: n === 3 ? 'Critical' : 'Normal',
      });
      t.equal(res.status, 200);
      t.match(res.body, { delivered_to: 0, queued: true });
      ids.push(res.body.notification_id);
      clock.advance(1000);
    }

    const c = await araWs(t, s, 'user-123');
    const replayed = [
      await c.next('notification'),
      await c.next('notification'),
      await c.next('notification'),
    ];
    t.same(
      replayed.map((f) => f.id),
      ids,
      'every queued notification, oldest first',
    );
    t.same(
      replayed.map((f) => f.payload),
      [{ n: 1 }, { n: 2 }, { n: 3 }],
    );
    t.match(replayed[2], { event_type: 'order.created', metadata: { priority: 'Critical' } });
    for (const f of replayed) c.send({ type: 'Ack', payload: { notification_id: f.id } });
    for (const id of ids) t.same(await c.next('acked'), { type: 'acked', notification_id: id });

    // Once replayed and acknowledged, a reconnect brings nothing back.
    c.ws.close();
    await c.closed;
    const again = await araWs(t, s, 'user-123');
    again.send({ type: 'Ping' });
    await again.next('pong');
    const live = await s.ara('POST', '/api/v1/notifications/send', {
      target_user_id: 'user-123',
      event_type: 'order.shipped',
      payload: {},
    });
    t.match(live.body, { delivered_to: 1, queued: false });
    const next = await again.next('notification');
    t.equal(next.id, live.body.notification_id, 'the next frame is the live one, no replay');
  },
);

onBackends(t, 'a queued notification past its ttl is not replayed', async (t, backend) => {
  const clock = new FakeClock(Date.now());
  const s = await startAra(t, backend, {}, clock);
  const short = await s.ara('POST', '/api/v1/notifications/send', {
    target_user_id: 'user-7',
    event_type: 'flash.sale',
    payload: { ends: 'soon' },
    ttl: 60,
  });
  const long = await s.ara('POST', '/api/v1/notifications/send', {
    target_user_id: 'user-7',
    event_type: 'order.created',
    payload: { order_id: 'ORD-9' },
    ttl: 3600,
  });
  t.match(short.body, { queued: true });
  t.match(long.body, { queued: true });

  clock.advance(120_000);
  // The JWT is issued at the clock's time, as Ara's backend would issue it now.
  const c = await araSocket(t, `${s.base.replace('http', 'ws')}/ws`, {
    authorization: `Bearer ${await s.jwt('user-7')}`,
  });
  const frame = await c.next('notification');
  t.equal(frame.id, long.body.notification_id, 'the one still within its ttl');
  c.send({ type: 'Ping' });
  await c.next('pong');
  t.equal(
    c.frames.filter((f) => f.type === 'notification').length,
    1,
    'the expired one is never sent',
  );
});
