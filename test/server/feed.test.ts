import t from 'tap';
import { type Running, startServer } from '../helpers/server.js';

async function sendMany(
  s: Running,
  user: string,
  count: number,
  extra: Record<string, unknown> = {},
) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await s.api('POST', '/api/v1/notifications', {
      recipient_id: user,
      content: { title: `n${i}`, body: 'b' },
      ...extra,
    });
    ids.push(res.body.notification_id);
  }
  return ids;
}

t.test('the feed pages newest first with an opaque cursor', async (t) => {
  const s = await startServer(t);
  const ids = await sendMany(s, 'bob', 25);
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const q: string = cursor ? `?limit=10&cursor=${encodeURIComponent(cursor)}` : '?limit=10';
    const res = await s.asUser('bob', 'GET', `/api/v1/me/notifications${q}`);
    t.equal(res.status, 200);
    seen.push(...res.body.data.map((n: { id: string }) => n.id));
    t.equal(res.body.has_more, res.body.cursor !== null);
    t.equal(res.body.unread_count, 25);
    cursor = res.body.cursor;
    pages++;
  } while (cursor);
  t.equal(pages, 3);
  t.same(seen, [...ids].reverse(), 'every notification once, newest first');
});

t.test('a tampered or foreign cursor is 400 INVALID_CURSOR', async (t) => {
  const s = await startServer(t);
  await sendMany(s, 'bob', 3);
  const page = await s.asUser('bob', 'GET', '/api/v1/me/notifications?limit=1');
  const cursor: string = page.body.cursor;
  const [body, mac] = cursor.split('.');
  const forged = `${Buffer.from('ntf_ZZZZZZZZZZZZZZZZZZZZZZZZZZ').toString('base64url')}.${mac}`;
  for (const bad of [forged, `${body}.AAAA${mac!.slice(4)}`, 'garbage', `${cursor}.x`, '']) {
    const res = await s.asUser(
      'bob',
      'GET',
      `/api/v1/me/notifications?cursor=${encodeURIComponent(bad)}`,
    );
    if (bad === '') continue;
    t.equal(res.status, 400, `cursor ${bad} refused`);
    t.equal(res.body.error.code, 'INVALID_CURSOR');
  }
  const badLimit = await s.asUser('bob', 'GET', '/api/v1/me/notifications?limit=1000');
  t.equal(badLimit.status, 400);
  const notNumber = await s.asUser('bob', 'GET', '/api/v1/me/notifications?limit=ten');
  t.equal(notNumber.status, 400);
});

t.test('read state, filters, unread counts and delete', async (t) => {
  const s = await startServer(t);
  const orders = await sendMany(s, 'carol', 3, { category: 'orders' });
  const social = await sendMany(s, 'carol', 2, { category: 'social' });
  let counts = await s.asUser('carol', 'GET', '/api/v1/me/unread-count');
  t.same(counts.body, {
    unread_count: 5,
    unread_by_category: { orders: 3, social: 2 },
    unread_by_priority: { normal: 5 },
  });

  const read = await s.asUser('carol', 'POST', `/api/v1/me/notifications/${orders[0]}/read`);
  t.equal(read.status, 200);
  t.same(read.body, {
    unread_count: 4,
    unread_by_category: { orders: 2, social: 2 },
    unread_by_priority: { normal: 4 },
  });
  const one = await s.asUser('carol', 'GET', `/api/v1/me/notifications/${orders[0]}`);
  t.equal(one.body.read, true);
  t.type(one.body.read_at, 'string');

  const unread = await s.asUser('carol', 'GET', '/api/v1/me/notifications?read=false');
  t.equal(unread.body.data.length, 4);
  const onlyRead = await s.asUser('carol', 'GET', '/api/v1/me/notifications?read=true');
  t.same(
    onlyRead.body.data.map((n: { id: string }) => n.id),
    [orders[0]],
  );
  const social2 = await s.asUser('carol', 'GET', '/api/v1/me/notifications?category=social');
  t.same(
    social2.body.data.map((n: { id: string }) => n.id),
    [...social].reverse(),
  );
  t.same(social2.body.unread_by_category, { orders: 2, social: 2 });

  const all = await s.asUser('carol', 'POST', '/api/v1/me/notifications/read-all', {
    category: 'orders',
  });
  t.same(all.body, {
    updated: 2,
    unread_count: 2,
    unread_by_category: { social: 2 },
    unread_by_priority: { normal: 2 },
  });
  const rest = await s.asUser('carol', 'POST', '/api/v1/me/notifications/read-all');
  t.equal(rest.body.updated, 2);

  const del = await s.asUser('carol', 'DELETE', `/api/v1/me/notifications/${social[0]}`);
  t.equal(del.status, 204);
  const gone = await s.asUser('carol', 'GET', `/api/v1/me/notifications/${social[0]}`);
  t.equal(gone.status, 404);
  t.equal(gone.body.error.code, 'NOTIFICATION_NOT_FOUND');
  const again = await s.asUser('carol', 'DELETE', `/api/v1/me/notifications/${social[0]}`);
  t.equal(again.status, 404);
  counts = await s.asUser('carol', 'GET', '/api/v1/me/notifications');
  t.equal(counts.body.data.length, 4);
});

t.test('users see only their own notifications, in their own tenant', async (t) => {
  const s = await startServer(t);
  const [mine] = await sendMany(s, 'dave', 1);
  const other = await s.asUser('erin', 'GET', '/api/v1/me/notifications');
  t.same(other.body.data, []);
  t.equal((await s.asUser('erin', 'GET', `/api/v1/me/notifications/${mine}`)).status, 404);
  t.equal((await s.asUser('erin', 'POST', `/api/v1/me/notifications/${mine}/read`)).status, 404);
  t.equal((await s.asUser('erin', 'DELETE', `/api/v1/me/notifications/${mine}`)).status, 404);
  const otherTenant = await s.asUser('dave', 'GET', '/api/v1/me/notifications', undefined, 'acme');
  t.same(otherTenant.body.data, [], 'dave of tenant acme is another user');
  const own = await s.asUser('dave', 'GET', '/api/v1/me/notifications');
  t.equal(own.body.data[0].id, mine);
  t.equal(own.body.data[0].read, false, "erin's attempt did not mark it read");
});

t.test('feed requests need a valid token', async (t) => {
  const s = await startServer(t);
  const none = await fetch(`${s.url}/api/v1/me/notifications`);
  t.equal(none.status, 401);
  t.equal((await none.json()).error.code, 'AUTH_FAILED');
  const bad = await fetch(`${s.url}/api/v1/me/notifications`, {
    headers: { authorization: 'Bearer not.a.jwt' },
  });
  t.equal(bad.status, 401);
});
