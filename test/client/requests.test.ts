import t from 'tap';
import { clientOf, nextEvent, notifyAndReceive, tappedWebSocket } from '../helpers/client.js';
import { startServer, userToken } from '../helpers/server.js';

t.test('each action carries its own id and settles on the answer with that id', async (t) => {
  const s = await startServer(t);
  const { WebSocket, tap } = tappedWebSocket();
  const client = await clientOf(t, s, 'ann', { WebSocket });
  await client.connect();
  const { id } = await notifyAndReceive(s, client, 'ann');
  const { id: second } = await notifyAndReceive(s, client, 'ann');

  // The answers are held back and handed over in reverse: matching is by id, not order.
  const held: unknown[] = [];
  tap.incoming = (frame) => {
    if (frame.type !== 'done') return [frame];
    held.push(frame);
    return [];
  };
  const settled: string[] = [];
  const acked = client.ack(id).then(() => settled.push('ack'));
  const read = client.markRead([id]).then(() => settled.push('mark_read'));
  while (held.length < 2) await new Promise((r) => setTimeout(r, 10));
  t.same(settled, [], 'nothing settles before its answer');
  for (const frame of held.reverse()) tap.last().inject(frame);
  await Promise.all([acked, read]);
  t.same(settled, ['mark_read', 'ack']);
  tap.incoming = (frame) => [frame];

  await client.dismiss(second);
  t.equal((await client.feed()).data.length, 1, 'dismissed over the socket');
  const ids = tap
    .sent()
    .filter((f) => f.type !== 'authenticate')
    .map((f) => f.id);
  t.equal(ids.length, 3);
  t.ok(
    ids.every((i) => typeof i === 'string' && i.length <= 64),
    'every action has an id',
  );
  t.equal(new Set(ids).size, ids.length, 'each its own');
});

t.test("an error answer rejects with the server's code; the socket carries on", async (t) => {
  const s = await startServer(t);
  const client = await clientOf(t, s, 'ben');
  await client.connect();
  const errors: string[] = [];
  client.on('error', (e) => errors.push((e as { code?: string }).code ?? ''));
  await t.rejects(client.ack('ntf_not_yours'), {
    name: 'RealtimeError',
    code: 'NOTIFICATION_NOT_FOUND',
    details: { ids: ['ntf_not_yours'] },
  });
  await t.rejects(client.markRead('x'.repeat(65)), { code: 'VALIDATION_ERROR' });
  await t.rejects(client.unsubscribe('no spaces'), { code: 'VALIDATION_ERROR' });
  t.same(errors, ['NOTIFICATION_NOT_FOUND', 'VALIDATION_ERROR', 'VALIDATION_ERROR']);

  // Nobody awaits this one: its rejection must not be reported as unhandled.
  client.ack('ntf_ignored');
  await nextEvent(client, 'error');
  const { id } = await notifyAndReceive(s, client, 'ben');
  await client.markRead(id);
});

t.test('no answer: DISCONNECTED when the session closes, TIMEOUT after the timeout', async (t) => {
  const s = await startServer(t);
  const { WebSocket, tap } = tappedWebSocket();
  const client = await clientOf(t, s, 'cat', {
    WebSocket,
    requestTimeoutMs: 100,
    token: await userToken('cat', { claims: { channels: ['orders', 'news'] } }),
  });
  await client.connect();
  const { id } = await notifyAndReceive(s, client, 'cat');
  tap.incoming = (frame) =>
    ['done', 'subscribed', 'unsubscribed'].includes(frame.type) ? [] : [frame];

  await t.rejects(client.markRead(id), { code: 'TIMEOUT' });
  await t.rejects(client.subscribe('news'), { code: 'TIMEOUT' });

  const read = client.ack(id);
  const subscribed = client.subscribe('orders');
  tap.last().inner.terminate();
  await t.rejects(read, { code: 'DISCONNECTED' });
  await t.rejects(subscribed, { code: 'DISCONNECTED' });

  // The channels are still wanted: the next session subscribes to them again.
  tap.incoming = (frame) => [frame];
  await nextEvent(client, 'status', (c) => c.status === 'open');
  await client.ping();
  t.same(
    tap
      .last()
      .sent.filter((f) => f.type === 'subscribe')
      .map((f) => f.channel)
      .sort(),
    ['news', 'orders'],
  );
  await client.subscribe('orders');
});

t.test('actions asked for while disconnected settle after the next session answers', async (t) => {
  const s = await startServer(t);
  const client = await clientOf(t, s, 'dan', { requestTimeoutMs: 50 });
  const watcher = await clientOf(t, s, 'dan');
  await watcher.connect();
  const { id } = await notifyAndReceive(s, watcher, 'dan');
  const read = client.markRead(id);
  // Longer than the timeout: it counts from sending, not from asking.
  await new Promise((r) => setTimeout(r, 100));
  await client.connect();
  await read;
  t.equal((await client.unreadCount()).unread_count, 0);

  const idle = await clientOf(t, s, 'dan');
  const dropped = idle.ack(id);
  await idle.markRead([]);
  idle.close();
  await t.rejects(dropped, { code: 'CLOSED' }, 'close() rejects what was never sent');
});
