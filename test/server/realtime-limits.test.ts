import t from 'tap';
import { connect, startServer, userToken } from '../helpers/server.js';
import { openSse } from '../helpers/sse.js';

t.test('a frame over max_payload_bytes closes the socket with 1009', async (t) => {
  const s = await startServer(t, { realtime: { max_payload_bytes: 1024 } });
  const c = await connect(t, `${s.wsUrl}?token=${await userToken('ann')}`);
  await c.next('authenticated');
  c.ws.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(2000) }));
  t.match(await c.closed, { code: 1009 });
});

t.test('channels per session are bounded, with an error frame', async (t) => {
  const s = await startServer(t, { realtime: { max_channels_per_session: 3 } });
  const token = await userToken('ben', { claims: { channels: ['*'] } });
  const c = await connect(t, `${s.wsUrl}?token=${token}`);
  await c.next('authenticated');
  for (const channel of ['a', 'b', 'c', 'a']) {
    c.send({ type: 'subscribe', channel, id: channel });
    t.match(await c.next('subscribed'), { id: channel }, `${channel} subscribed`);
  }
  c.send({ type: 'subscribe', channel: 'd', id: 'd' });
  t.match(await c.next('error'), {
    id: 'd',
    data: { code: 'TOO_MANY_CHANNELS', details: { limit: 3 }, message: /max_channels_per_session/ },
  });
  c.send({ type: 'unsubscribe', channel: 'b', id: 'ub' });
  await c.next('unsubscribed');
  c.send({ type: 'subscribe', channel: 'd', id: 'd2' });
  t.match(await c.next('subscribed'), { id: 'd2' }, 'room again after an unsubscribe');
  t.equal(c.ws.readyState, c.ws.OPEN, 'the session stays open');

  const sse = await openSse(`${s.url}/api/v1/sse?token=${token}&channels=a,b,c,d`);
  t.equal(sse.status, 429);
  t.match(sse.body, { error: { code: 'TOO_MANY_CHANNELS' } });
  sse.close();
});

t.test("mark_read of another user's notification answers NOTIFICATION_NOT_FOUND", async (t) => {
  const s = await startServer(t);
  const sent = await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'cat',
    content: { title: 't', body: 'b' },
  });
  const mine = await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'dan',
    content: { title: 't', body: 'b' },
  });
  const c = await connect(t, `${s.wsUrl}?token=${await userToken('dan')}`);
  await c.next('authenticated');
  c.send({ type: 'mark_read', notification_id: sent.body.notification_id, id: 'm1' });
  t.match(await c.next('error'), { id: 'm1', data: { code: 'NOTIFICATION_NOT_FOUND' } });
  c.send({
    type: 'mark_read',
    notification_ids: [mine.body.notification_id, sent.body.notification_id],
    id: 'm2',
  });
  t.match(await c.next('error'), {
    id: 'm2',
    data: { code: 'NOTIFICATION_NOT_FOUND', details: { ids: [sent.body.notification_id] } },
  });
  const feed = await s.asUser('dan', 'GET', '/api/v1/me/notifications');
  t.equal(feed.body.unread_count, 0, 'his own was still marked read');
  const theirs = await s.asUser('cat', 'GET', '/api/v1/me/notifications');
  t.equal(theirs.body.unread_count, 1, "the other user's stays unread");
  c.send({ type: 'mark_read', notification_id: mine.body.notification_id, id: 'm3' });
  t.match(await c.next('done'), { id: 'm3' }, 'marking a read one again is fine');
});

t.test('a tenant-bound admin sees no node-wide figures in cluster status', async (t) => {
  const s = await startServer(t);
  const tenantAdmin = await s.api('POST', '/api/v1/keys', {
    name: 'acme admin',
    scopes: ['notifications:admin'],
    tenant_id: 'acme',
  });
  const c = await connect(t, `${s.wsUrl}?token=${await userToken('eve')}`);
  await c.next('authenticated');
  const operator = await s.api('GET', '/api/v1/cluster/status');
  t.equal(operator.body.total_connections, 1, 'the operator sees every session');
  const tenant = await s.api('GET', '/api/v1/cluster/status', undefined, tenantAdmin.body.key);
  t.equal(tenant.status, 200);
  t.notOk('total_connections' in tenant.body, 'no total over every tenant');
  t.notOk(
    tenant.body.nodes.some((n: object) => 'connections' in n),
    'no per-node count over every tenant',
  );
  t.match(tenant.body, { nodes: [{ node_id: String, healthy: true }] });
});
