import t from 'tap';
import { clientOf, nextEvent, tappedWebSocket } from '../helpers/client.js';
import { startServer, userToken } from '../helpers/server.js';

const tokenWith = (user: string, channels: string[]) => userToken(user, { claims: { channels } });

t.test('subscribe, receive, and subscribe again after a reconnection', async (t) => {
  const s = await startServer(t);
  const { WebSocket, tap } = tappedWebSocket();
  const client = await clientOf(t, s, 'ann', {
    WebSocket,
    token: await tokenWith('ann', ['orders', 'team-*']),
  });
  // Asked before connecting: sent once the session is open.
  const early = client.subscribe('orders');
  await client.connect();
  await early;
  await client.subscribe('team-red');
  const heard = nextEvent(client, 'channel_message');
  const sent = await s.api('POST', '/api/v1/channels/orders/messages', {
    event: 'order.updated',
    data: { order: 42 },
  });
  t.match(await heard, {
    id: sent.body.message_id,
    channel: 'orders',
    event: 'order.updated',
    data: { order: 42 },
  });

  tap.last().inner.terminate();
  await nextEvent(client, 'status', (c) => c.status === 'open');
  await client.ping();
  t.same(
    tap
      .last()
      .sent.filter((f) => f.type === 'subscribe')
      .map((f) => f.channel),
    ['orders', 'team-red'],
    'the new session subscribes to both again',
  );
  const again = nextEvent(client, 'channel_message');
  const after = await s.api('POST', '/api/v1/channels/team-red/messages', { data: { n: 1 } });
  t.equal((await again).id, after.body.message_id);

  await client.unsubscribe('orders');
  tap.last().inner.terminate();
  await nextEvent(client, 'status', (c) => c.status === 'open');
  await client.ping();
  t.same(
    tap
      .last()
      .sent.filter((f) => f.type === 'subscribe')
      .map((f) => f.channel),
    ['team-red'],
    'a channel left is not subscribed again',
  );
});

t.test('a refused or malformed channel rejects the subscribe', async (t) => {
  const s = await startServer(t);
  const client = await clientOf(t, s, 'ben', { token: await tokenWith('ben', ['orders']) });
  await client.connect();
  const errors: string[] = [];
  client.on('error', (e) => errors.push((e as { code?: string }).code ?? ''));
  await t.rejects(client.subscribe('payroll'), { code: 'CHANNEL_FORBIDDEN' });
  t.same(errors, ['CHANNEL_FORBIDDEN']);
  await t.rejects(client.subscribe('no spaces'), TypeError);
  await client.subscribe('orders');
  await client.unsubscribe('orders');
});

t.test('leaving a channel before the server confirmed it', async (t) => {
  const s = await startServer(t);
  const client = await clientOf(t, s, 'cat', { token: await tokenWith('cat', ['*']) });
  const pending = client.subscribe('lobby');
  await client.unsubscribe('lobby');
  await t.rejects(pending, { code: 'UNSUBSCRIBED' });
  const dropped = client.subscribe('hall');
  client.close();
  await t.rejects(dropped, { code: 'CLOSED' });
});
