import t from 'tap';
import WebSocket from 'ws';
import { createClient } from '../../src/client/index.js';
import { nextEvent, QUICK } from '../helpers/client.js';
import { connect, startServer, userToken } from '../helpers/server.js';
import { openSse } from '../helpers/sse.js';

const note = (user: string, category = 'general') => ({
  recipient_id: user,
  category,
  content: { title: 't', body: 'b' },
});

t.test('authenticated, resumed and notification frames carry the unread counts', async (t) => {
  const s = await startServer(t);
  const first = await s.api('POST', '/api/v1/notifications', note('una', 'billing'));
  await s.api('POST', '/api/v1/notifications', note('una'));

  const c = await connect(t, `${s.wsUrl}?token=${await userToken('una')}`);
  t.match(await c.next('authenticated'), {
    data: { user_id: 'una', unread_count: 2, unread_by_category: { billing: 1, general: 1 } },
  });
  await s.api('POST', '/api/v1/notifications', note('una'));
  t.match(await c.next('notification'), {
    data: { recipient_id: 'una' },
    unread_count: 3,
    unread_by_category: { billing: 1, general: 2 },
    unread_by_priority: { normal: 3 },
  });
  c.send({ type: 'mark_read', notification_id: first.body.notification_id });
  t.match(await c.next('read_status_updated'), { data: { unread_count: 2 } });
  await s.api('POST', '/api/v1/notifications', note('una'));
  t.match(await c.next('notification'), { unread_count: 3 }, 'counts stay in order with reads');

  const resumed = await connect(
    t,
    `${s.wsUrl}?token=${await userToken('una')}&last_id=${first.body.notification_id}`,
  );
  t.match(await resumed.next('authenticated'), { data: { unread_count: 3 } });
  t.match(await resumed.next('resumed'), {
    data: { count: 3, has_more: false, unread_count: 3 },
  });

  const sse = await openSse(`${s.url}/api/v1/sse?token=${await userToken('una')}`);
  t.teardown(() => sse.close());
  t.match((await sse.next('authenticated')).data, { unread_count: 3 });
  await s.api('POST', '/api/v1/notifications', note('una'));
  await sse.next('notification');
  t.match((await sse.next('unread_count')).data, { unread_count: 4 }, 'SSE: an event after it');
});

t.test('the client library keeps unread current from the socket alone', async (t) => {
  const s = await startServer(t);
  await s.api('POST', '/api/v1/notifications', note('vic'));
  const client = createClient({
    url: s.url,
    token: await userToken('vic'),
    WebSocket,
    reconnect: QUICK,
  });
  t.teardown(() => client.close());
  t.equal(client.unread, null, 'nothing known before a session');
  const onConnect = nextEvent(client, 'unread_count');
  await client.connect();
  t.same(await onConnect, {
    unread_count: 1,
    unread_by_category: { general: 1 },
    unread_by_priority: { normal: 1 },
  });
  t.equal(client.unread?.unread_count, 1);

  const onNew = nextEvent(client, 'unread_count', (u) => u.unread_count === 2);
  const sent = await s.api('POST', '/api/v1/notifications', note('vic'));
  await onNew;
  t.equal(client.unread?.unread_count, 2, 'a new notification raises it');

  await client.markRead(sent.body.notification_id);
  if (client.unread?.unread_count !== 1) {
    await nextEvent(client, 'unread_count', (u) => u.unread_count === 1);
  }
  t.equal(client.unread?.unread_count, 1, 'a read lowers it');
});
