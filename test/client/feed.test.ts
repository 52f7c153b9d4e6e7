import t from 'tap';
import { NotifydApiError } from '../../src/client/index.js';
import { clientOf, notify } from '../helpers/client.js';
import { startServer, userToken } from '../helpers/server.js';

t.test('the feed over REST: pages, filters, counts, read-all, delete', async (t) => {
  const s = await startServer(t);
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push(await notify(s, 'nina', `N${i}`));
  await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'nina',
    content: { title: 'Order', body: '' },
    category: 'orders',
  });
  // REST needs no open session.
  const client = await clientOf(t, s, 'nina');

  const first = await client.feed({ limit: 2 });
  t.equal(first.data.length, 2);
  t.equal(first.has_more, true);
  t.equal(first.unread_count, 4);
  const second = await client.feed({ limit: 2, cursor: first.cursor! });
  t.same(
    second.data.map((n) => n.id),
    [ids[1], ids[0]],
    'newest first',
  );
  t.same(
    (await client.feed({ category: 'orders' })).data.map((n) => n.category),
    ['orders'],
  );
  t.same(await client.unreadCount(), {
    unread_count: 4,
    unread_by_category: { general: 3, orders: 1 },
    unread_by_priority: { normal: 4 },
  });
  t.match(await client.markAllRead('orders'), { updated: 1, unread_count: 3 });
  t.equal((await client.feed({ read: false })).data.length, 3);
  t.match(await client.markAllRead(), { updated: 3, unread_count: 0 });
  await client.remove(ids[0]!);
  t.equal((await client.feed()).data.length, 3);
  const gone = await client.remove(ids[0]!).catch((e: unknown) => e);
  t.type(gone, NotifydApiError);
  t.match(gone, { status: 404, code: 'NOTIFICATION_NOT_FOUND' }, 'server errors keep their code');
});

t.test('a REST call refused with 401 asks the provider for a fresh token once', async (t) => {
  const s = await startServer(t);
  await notify(s, 'olga');
  const tokens = [
    await userToken('olga', { expiresIn: Math.floor(Date.now() / 1000) - 60 }),
    await userToken('olga'),
  ];
  let calls = 0;
  const client = await clientOf(t, s, 'olga', { token: () => tokens[calls++]! });
  t.equal((await client.unreadCount()).unread_count, 1);
  t.equal(calls, 2);

  const hopeless = await clientOf(t, s, 'olga', { token: 'not-a-jwt' });
  t.match(await hopeless.feed().catch((e: unknown) => e), { status: 401 });
});

t.test('a custom fetch is used for REST calls', async (t) => {
  const s = await startServer(t);
  const seen: string[] = [];
  const client = await clientOf(t, s, 'pia', {
    fetch: (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    },
  });
  await client.feed({ limit: 5, read: true });
  t.same(seen, [`${s.url}/api/v1/me/notifications?limit=5&read=true`]);
});
