import t from 'tap';
import Ws from 'ws';
import {
  createClient,
  type Notification,
  type StatusChange,
  type WebSocketConstructor,
} from '../../src/client/index.js';
import {
  clientOf,
  nextEvent,
  notify,
  notifyAndReceive,
  tappedWebSocket,
} from '../helpers/client.js';
import { startServer } from '../helpers/server.js';

t.test('notifications arrive live, as events and through the async iterator', async (t) => {
  const s = await startServer(t);
  const client = await clientOf(t, s, 'alice');
  const statuses: string[] = [];
  client.on('status', (c) => statuses.push(c.status));
  const events: Notification[] = [];
  client.on('notification', (n) => events.push(n));
  const loop = client.notifications();
  t.equal(client.status, 'idle');
  t.equal(client.lastId, null);
  await client.connect();
  t.equal(client.status, 'open');
  t.same(statuses, ['connecting', 'open']);
  await t.resolves(client.connect(), 'connect() again while open is a no-op');

  const first = await notify(s, 'alice', 'One');
  const second = await notify(s, 'alice', 'Two');
  await notify(s, 'bob', 'Not yours');
  const a = await loop.next();
  const b = await loop.next();
  t.same([a.value?.id, b.value?.id], [first, second]);
  t.equal(a.value?.content.title, 'One');
  t.same(
    events.map((n) => n.id),
    [first, second],
  );
  t.equal(client.lastId, second, 'lastId is the greatest id seen');

  // The loop ends on close(), after what it already holds.
  const collected: string[] = [];
  const consumer = (async () => {
    for await (const n of client.notifications()) collected.push(n.id);
    return 'ended';
  })();
  const { id: third } = await notifyAndReceive(s, client, 'alice', 'Three');
  client.close();
  t.equal(await consumer, 'ended');
  t.same(collected, [third]);
  t.equal((await loop.next()).value?.id, third, 'a loop ends after what it holds');
  t.same(await loop.next(), { value: undefined, done: true });
  t.equal(client.status, 'closed');
  const late = client.notifications();
  t.same(await late.next(), { value: undefined, done: true }, 'a loop begun after close() is over');
});

t.test('a notification that comes twice is delivered once', async (t) => {
  const s = await startServer(t);
  const { WebSocket, tap } = tappedWebSocket();
  tap.incoming = (frame) => (frame.type === 'notification' ? [frame, frame] : [frame]);
  const client = await clientOf(t, s, 'dana', { WebSocket });
  await client.connect();
  const seen: string[] = [];
  client.on('notification', (n) => seen.push(n.id));
  const loop = client.notifications();
  const one = await notify(s, 'dana');
  const two = await notify(s, 'dana');
  t.equal((await loop.next()).value?.id, one);
  t.equal((await loop.next()).value?.id, two);
  t.same(seen, [one, two]);

  // Live messages are deduplicated by their ids too.
  const broadcasts: string[] = [];
  client.on('broadcast', (m) => broadcasts.push(m.id));
  tap.incoming = (frame) => (frame.type === 'broadcast' ? [frame, frame] : [frame]);
  const heard = nextEvent(client, 'broadcast');
  const sent = await s.api('POST', '/api/v1/broadcast', { event: 'hello', data: { x: 1 } });
  await heard;
  await client.ping();
  t.same(broadcasts, [sent.body.message_id]);
});

t.test('markRead reaches every session of the user; ack reaches the server', async (t) => {
  const s = await startServer(t);
  const reader = await clientOf(t, s, 'erin');
  const other = await clientOf(t, s, 'erin');
  await Promise.all([reader.connect(), other.connect()]);
  const { id } = await notifyAndReceive(s, reader, 'erin');
  const updated = nextEvent(other, 'read_status_updated');
  reader.ack(id);
  reader.markRead([id]);
  const update = await updated;
  t.same(update.notification_ids, [id]);
  t.equal(update.unread_count, 0);
  const deliveries = await s.api('GET', `/api/v1/notifications/${id}/deliveries`);
  t.equal(deliveries.body.data[0].status, 'acknowledged');

  // Deleting over REST tells the sessions the new unread count.
  const { id: second } = await notifyAndReceive(s, other, 'erin');
  const counted = nextEvent(other, 'unread_count');
  await reader.remove(second);
  t.same(await counted, { unread_count: 0, unread_by_category: {}, unread_by_priority: {} });
});

t.test('actions asked for before the session opens are sent once it does', async (t) => {
  const s = await startServer(t);
  const id = await notify(s, 'fred');
  const { WebSocket, tap } = tappedWebSocket();
  const client = await clientOf(t, s, 'fred', { WebSocket });
  const watcher = await clientOf(t, s, 'fred');
  await watcher.connect();
  const updated = nextEvent(watcher, 'read_status_updated');
  client.markRead(id);
  client.markRead([]);
  await client.connect();
  t.same((await updated).notification_ids, [id]);
  t.match(tap.sent(), [{ type: 'authenticate' }, { type: 'mark_read', notification_ids: [id] }]);

  // More ids than one frame may carry go in several frames.
  const many = Array.from({ length: 1201 }, (_, i) => `ntf_${i}`);
  client.ack(many);
  await client.ping();
  const acks = tap.sent().filter((f) => f.type === 'ack') as unknown as Array<{
    notification_ids: string[];
  }>;
  t.same(
    acks.map((f) => f.notification_ids.length),
    [500, 500, 201],
  );
});

t.test('ping resolves on pong, and fails when it cannot be answered', async (t) => {
  const s = await startServer(t);
  const { WebSocket, tap } = tappedWebSocket();
  const client = await clientOf(t, s, 'gina', { WebSocket });
  await t.rejects(client.ping(), { code: 'NOT_CONNECTED' });
  await client.connect();
  await client.ping();
  tap.incoming = (frame) => (frame.type === 'pong' ? [] : [frame]);
  await t.rejects(client.ping(50), { code: 'PING_TIMEOUT' });
  const pending = client.ping();
  tap.last().inner.terminate();
  await t.rejects(pending, { code: 'DISCONNECTED' });
  await nextEvent(client, 'status', (c) => c.status === 'open');
  const last = client.ping();
  client.close();
  await t.rejects(last, { code: 'CLOSED' });
});

t.test('close() stops reconnecting, and connect() afterwards starts again', async (t) => {
  const s = await startServer(t);
  const { WebSocket, tap } = tappedWebSocket();
  const client = await clientOf(t, s, 'hugo', { WebSocket });
  await client.connect();
  tap.last().inner.terminate();
  const waiting = await nextEvent(client, 'status', (c) => c.status === 'reconnecting');
  t.equal(waiting.delayMs, 20, 'the first wait is the initial delay');
  client.close();
  client.close();
  const statuses: StatusChange[] = [];
  client.on('status', (c) => statuses.push(c));
  await new Promise((r) => setTimeout(r, 100));
  t.equal(tap.sockets.length, 1, 'no new socket after close()');
  t.same(statuses, [], 'and no status change');
  t.equal(client.status, 'closed');

  await client.connect();
  t.equal(tap.sockets.length, 2);
  const { id, received } = await notifyAndReceive(s, client, 'hugo');
  t.equal(received.id, id);
});

t.test('close() while connecting rejects connect()', async (t) => {
  const s = await startServer(t);
  const client = await clientOf(t, s, 'ivan', {
    token: () => new Promise((r) => setTimeout(() => r('late'), 50)),
  });
  const opening = client.connect();
  client.close();
  await t.rejects(opening, { code: 'CLOSED' });
  await new Promise((r) => setTimeout(r, 100));
  t.equal(client.status, 'closed', 'the token arriving late opens nothing');
});

t.test('frames the client cannot read are reported or ignored, not fatal', async (t) => {
  const s = await startServer(t);
  const { WebSocket, tap } = tappedWebSocket();
  const client = await clientOf(t, s, 'jo', { WebSocket });
  await client.connect();
  const errors: string[] = [];
  client.on('error', (e) => errors.push((e as { code?: string }).code ?? ''));
  tap.last().onmessage?.({ data: '{not json' });
  tap.last().onmessage?.({ data: 'null' });
  t.same(errors, ['INVALID_FRAME', 'INVALID_FRAME']);
  tap.last().onmessage?.({ data: new Uint8Array([1, 2]) });
  tap.last().inject({ type: 'something_new', data: {} });
  tap.last().inject({ type: 'pong', id: 'nobody-asked' });
  tap.last().inject({ type: 'pong' });
  const { id, received } = await notifyAndReceive(s, client, 'jo');
  t.equal(received.id, id, 'the session carries on');
});

t.test('a URL the WebSocket refuses closes the client with the reason', async (t) => {
  t.throws(() => createClient({ url: 'not a url', token: 't', WebSocket: Ws }), TypeError);
  const Refusing = class {
    constructor() {
      throw new SyntaxError('refused');
    }
  } as unknown as WebSocketConstructor;
  const client = createClient({ url: 'http://127.0.0.1:1', token: 't', WebSocket: Refusing });
  await t.rejects(client.connect(), { message: 'refused' });
  t.equal(client.status, 'closed');
});
