import t from 'tap';
import type { Notification } from '../../src/client/index.js';
import {
  clientOf,
  nextEvent,
  notify,
  notifyAndReceive,
  tappedWebSocket,
} from '../helpers/client.js';
import { startServer } from '../helpers/server.js';

// The server side of resume (replay after `last_id`, then `resumed`) is not in this branch
// yet: these tests check what the client sends, and play the server's `resumed` frame
// through the tapped socket against the real feed.

t.test('the last id seen is sent with every new session', async (t) => {
  const s = await startServer(t);
  const { WebSocket, tap } = tappedWebSocket();
  const client = await clientOf(t, s, 'sam', { WebSocket });
  await client.connect();
  t.notOk(new URL(tap.last().url).searchParams.has('last_id'), 'none before any notification');
  t.notOk('last_id' in tap.last().sent[0]!);
  t.notOk(new URL(tap.last().url).searchParams.has('token'), 'the token is not in the URL');
  const { id } = await notifyAndReceive(s, client, 'sam');

  tap.last().inner.terminate();
  await nextEvent(client, 'status', (c) => c.status === 'open');
  t.equal(new URL(tap.last().url).searchParams.get('last_id'), id);
  t.match(tap.last().sent[0], { type: 'authenticate', token: String, last_id: id });

  // A server that does not know resume ignores it: the session works as before.
  const { id: next, received } = await notifyAndReceive(s, client, 'sam');
  t.equal(received.id, next);

  // An app that kept lastId starts the next client from there.
  const later = await clientOf(t, s, 'sam', { WebSocket, lastId: next });
  await later.connect();
  t.equal(new URL(tap.last().url).searchParams.get('last_id'), next);
});

t.test('resumed with has_more: the rest comes from the feed, oldest first, once', async (t) => {
  const s = await startServer(t);
  const ids: string[] = [];
  for (let i = 1; i <= 5; i++) ids.push(await notify(s, 'tess', `N${i}`));
  const [n1, n2, n3, n4, n5] = ids as [string, string, string, string, string];
  const view = async (id: string): Promise<Notification> =>
    (await s.asUser('tess', 'GET', `/api/v1/me/notifications/${id}`)).body;
  const replayed = await view(n2);
  const live = { ...(await view(n5)), id: `${n5}z`, content: { title: 'live', body: '' } };

  const { WebSocket, tap } = tappedWebSocket();
  // The server replays the oldest missed one and says more were missed.
  tap.incoming = (frame) =>
    frame.type === 'authenticated'
      ? [
          frame,
          { type: 'notification', data: replayed },
          { type: 'resumed', data: { count: 1, has_more: true } },
        ]
      : [frame];
  const paths: string[] = [];
  const client = await clientOf(t, s, 'tess', {
    WebSocket,
    lastId: n1,
    fetch: async (input, init) => {
      paths.push(new URL(String(input)).pathname);
      // A live notification during the catch-up waits for it.
      tap.last().inject({ type: 'notification', data: live });
      return fetch(input, init);
    },
  });
  const order: string[] = [];
  client.on('notification', (n) => order.push(n.id));
  const loop = client.notifications();
  await client.connect();
  for (let i = 0; i < 5; i++) await loop.next();
  t.same(order, [n2, n3, n4, n5, live.id]);
  t.same(paths, ['/api/v1/me/notifications']);
  t.equal(client.lastId, live.id);
});

t.test('resumed without has_more needs no feed; a failed catch-up is reported', async (t) => {
  const s = await startServer(t);
  const { WebSocket, tap } = tappedWebSocket();
  let hasMore = false;
  tap.incoming = (frame) =>
    frame.type === 'authenticated'
      ? [frame, { type: 'resumed', data: { count: 0, has_more: hasMore } }]
      : [frame];
  let fetched = 0;
  const client = await clientOf(t, s, 'uma', {
    WebSocket,
    lastId: 'ntf_0',
    fetch: async () => {
      fetched++;
      throw new Error('offline');
    },
  });
  await client.connect();
  await client.ping();
  t.equal(fetched, 0);

  hasMore = true;
  const error = nextEvent(client, 'error');
  tap.last().inner.terminate();
  t.match(await error, { code: 'NETWORK_ERROR' });
  t.equal(fetched, 1);
  // Live notifications flow again after the failed catch-up.
  const { id, received } = await notifyAndReceive(s, client, 'uma');
  t.equal(received.id, id);
});
