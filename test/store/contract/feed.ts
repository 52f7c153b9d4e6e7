import type { Test } from 'tap';
import type { NotificationRecord, Store } from '../../../src/store/types.js';
import { Fixture, type MakeStore, storeFor } from './fixtures.js';

const alice = { tenant_id: 't1', recipient_id: 'alice' };

async function seedFeed(f: Fixture, store: Store, count: number, over = {}) {
  const items = Array.from({ length: count }, () => {
    f.clock.advance(1000);
    return f.item(over);
  });
  return f.seed(store, items);
}

const ids = (records: NotificationRecord[]) => records.map((r) => r.id);

/** The feed: get, list and its paging and filters, read state, removal, unread counts. */
export function feedContract(t: Test, make: MakeStore): void {
  t.test('get returns the stored record to its recipient only', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const [plain] = await seedFeed(f, store, 1, { data: null, group_key: 'g', priority: 'high' });
    const [rich] = await seedFeed(f, store, 1);
    t.same(await store.notifications.get('t1', 'alice', plain.id), plain);
    t.same(await store.notifications.get('t1', 'alice', rich.id), rich);
    t.equal(await store.notifications.get('t2', 'alice', rich.id), null, 'other tenant');
    t.equal(await store.notifications.get('t1', 'bob', rich.id), null, 'other recipient');
    t.equal(await store.notifications.get('t1', 'alice', f.ids('ntf')), null, 'unknown id');
  });

  t.test('insert resolves to one outcome per item, in order', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const items = [f.item(), f.item({ recipient_id: 'bob' }), f.item({ tenant_id: 't2' })];
    t.same(await store.notifications.insert(items), [
      { status: 'created' },
      { status: 'created' },
      { status: 'created' },
    ]);
    t.same(await store.notifications.insert([]), []);
  });

  t.test('list is newest first by id and pages with before and has_more', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const all = ids(await seedFeed(f, store, 25)).reverse();
    const seen: string[] = [];
    let before: string | undefined;
    const pages: boolean[] = [];
    do {
      const page = await store.notifications.list({ ...alice, limit: 10, before });
      seen.push(...ids(page.items));
      pages.push(page.has_more);
      before = page.has_more ? page.items[page.items.length - 1].id : undefined;
    } while (before);
    t.same(seen, all, 'every notification once, newest first');
    t.same(pages, [true, true, false]);
    const exact = await store.notifications.list({ ...alice, limit: 25 });
    t.equal(exact.items.length, 25);
    t.equal(exact.has_more, false, 'a page that holds the rest has no more');
    const past = await store.notifications.list({ ...alice, limit: 10, before: all[24] });
    t.same(past, { items: [], has_more: false });
  });

  t.test('list with after pages oldest first from just after an id (resume)', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const seeded = await seedFeed(f, store, 6);
    await seedFeed(f, store, 2, { recipient_id: 'bob' });
    const list = (q: object) => store.notifications.list({ ...alice, limit: 3, ...q });
    const first = await list({ after: seeded[1]!.id });
    t.same(ids(first.items), ids(seeded.slice(2, 5)), 'oldest first, after excluded');
    t.equal(first.has_more, true);
    const rest = await list({ after: first.items[2]!.id });
    t.same(ids(rest.items), [seeded[5]!.id]);
    t.equal(rest.has_more, false);
    t.same(ids((await list({ after: seeded[5]!.id })).items), [], 'nothing after the newest');
    const unknown = f.ids('ntf'); // later than everything: nothing is after it
    t.same(ids((await list({ after: unknown })).items), []);
    const between = await list({ after: seeded[0]!.id, before: seeded[3]!.id, limit: 10 });
    t.same(ids(between.items), ids(seeded.slice(1, 3)), 'with before: a range');
    await store.notifications.remove('t1', 'alice', seeded[3]!.id, f.clock.now());
    await store.notifications.markRead('t1', 'alice', [seeded[4]!.id], f.clock.now());
    const unread = await list({ after: seeded[2]!.id, read: false });
    t.same(ids(unread.items), [seeded[5]!.id], 'filters and removals apply');
  });

  t.test('list orders by id even when inserted out of order', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const [a, b, c] = [f.item(), f.item(), f.item()];
    await f.seed(store, [c, a, b]);
    const page = await store.notifications.list({ ...alice, limit: 10 });
    t.same(
      ids(page.items),
      [c, b, a].map((i) => i.notification.id),
    );
  });

  t.test('list filters by read state and category, with paging', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const news = await seedFeed(f, store, 4, { category: 'news' });
    const billing = await seedFeed(f, store, 3, { category: 'billing' });
    await store.notifications.markRead('t1', 'alice', [news[0].id, billing[1].id], f.clock.now());
    const list = (q: { read?: boolean; category?: string; before?: string; limit?: number }) =>
      store.notifications.list({ ...alice, limit: 10, ...q }).then((p) => p.items);
    t.same(ids(await list({ read: true })), [billing[1].id, news[0].id]);
    t.same(
      ids(await list({ read: false })),
      ids([billing[2], billing[0], news[3], news[2], news[1]]),
    );
    t.same(ids(await list({ category: 'news' })), ids([...news].reverse()));
    t.same(ids(await list({ category: 'news', read: false })), ids([news[3], news[2], news[1]]));
    const page = await store.notifications.list({
      ...alice,
      limit: 1,
      category: 'billing',
      read: false,
    });
    t.same(ids(page.items), [billing[2].id]);
    t.equal(page.has_more, true);
    const next = await list({ category: 'billing', read: false, before: billing[2].id, limit: 1 });
    t.same(ids(next), [billing[0].id]);
    t.same(await list({ category: 'nope' }), []);
  });

  t.test('markRead changes only unread notifications of the recipient', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const [a, b, c, d] = await seedFeed(f, store, 4);
    const [theirs] = await seedFeed(f, store, 1, { recipient_id: 'bob' });
    const [elsewhere] = await seedFeed(f, store, 1, { tenant_id: 't2' });
    await store.notifications.markRead('t1', 'alice', [a.id], 100);
    await store.notifications.remove('t1', 'alice', d.id, 100);
    const at = f.clock.now();
    const changed = await store.notifications.markRead(
      't1',
      'alice',
      [a.id, b.id, b.id, c.id, d.id, theirs.id, elsewhere.id, f.ids('ntf')],
      at,
    );
    t.same(
      changed,
      [b.id, c.id],
      'already read, deleted, foreign, unknown and repeated ids are not',
    );
    t.equal((await store.notifications.get('t1', 'alice', b.id))?.read_at, at);
    t.equal((await store.notifications.get('t1', 'alice', a.id))?.read_at, 100, 'kept');
    t.equal((await store.notifications.get('t1', 'bob', theirs.id))?.read_at, null);
    t.equal((await store.notifications.get('t2', 'alice', elsewhere.id))?.read_at, null);
    t.same(await store.notifications.markRead('t1', 'alice', [b.id], at), []);
    t.same(await store.notifications.markRead('t1', 'alice', [], at), []);
  });

  t.test('markAllRead marks every unread notification, or one category', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const news = await seedFeed(f, store, 3, { category: 'news' });
    await seedFeed(f, store, 2, { category: 'billing' });
    await seedFeed(f, store, 1, { recipient_id: 'bob', category: 'news' });
    await seedFeed(f, store, 1, { tenant_id: 't2', category: 'news' });
    await store.notifications.markRead('t1', 'alice', [news[0].id], 1);
    await store.notifications.remove('t1', 'alice', news[1].id, 1);
    t.equal(await store.notifications.markAllRead('t1', 'alice', 5, 'news'), 1);
    t.same(await store.notifications.unreadCounts('t1', 'alice'), {
      total: 2,
      by_category: { billing: 2 },
      by_priority: { normal: 2 },
    });
    t.equal(await store.notifications.markAllRead('t1', 'alice', 6), 2);
    t.equal(await store.notifications.markAllRead('t1', 'alice', 7), 0, 'nothing left');
    t.equal((await store.notifications.get('t1', 'alice', news[2].id))?.read_at, 5);
    t.equal((await store.notifications.unreadCounts('t1', 'bob')).total, 1, 'other recipient');
    t.equal((await store.notifications.unreadCounts('t2', 'alice')).total, 1, 'other tenant');
  });

  t.test('remove hides a notification from get, list and unread counts', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const [a, b] = await seedFeed(f, store, 2);
    const [theirs] = await seedFeed(f, store, 1, { recipient_id: 'bob' });
    t.equal(await store.notifications.remove('t1', 'alice', theirs.id, 9), false, 'not hers');
    t.equal(await store.notifications.remove('t2', 'alice', a.id, 9), false, 'other tenant');
    t.equal(await store.notifications.remove('t1', 'alice', a.id, 9), true);
    t.equal(await store.notifications.remove('t1', 'alice', a.id, 9), false, 'already gone');
    t.equal(await store.notifications.remove('t1', 'alice', f.ids('ntf'), 9), false, 'unknown');
    t.equal(await store.notifications.get('t1', 'alice', a.id), null);
    t.same(ids((await store.notifications.list({ ...alice, limit: 10 })).items), [b.id]);
    t.same(ids((await store.notifications.list({ ...alice, limit: 10, read: false })).items), [
      b.id,
    ]);
    t.same(await store.notifications.unreadCounts('t1', 'alice'), {
      total: 1,
      by_category: { general: 1 },
      by_priority: { normal: 1 },
    });
    t.same(await store.notifications.markRead('t1', 'alice', [a.id], 10), [], 'cannot read it');
    await store.notifications.markRead('t1', 'alice', [b.id], 10);
    t.equal(await store.notifications.remove('t1', 'alice', b.id, 11), true, 'a read one too');
    t.same((await store.notifications.list({ ...alice, limit: 10 })).items, []);
    t.ok(await store.notifications.get('t1', 'bob', theirs.id), 'bob keeps his');
  });

  t.test('unreadCounts counts unread notifications per category and priority', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    t.same(await store.notifications.unreadCounts('t1', 'alice'), {
      total: 0,
      by_category: {},
      by_priority: {},
    });
    const news = await seedFeed(f, store, 3, { category: 'news' });
    const billing = await seedFeed(f, store, 2, { category: 'billing', priority: 'urgent' });
    await seedFeed(f, store, 4, { tenant_id: 't2' });
    await seedFeed(f, store, 5, { recipient_id: 'bob' });
    t.same(await store.notifications.unreadCounts('t1', 'alice'), {
      total: 5,
      by_category: { news: 3, billing: 2 },
      by_priority: { normal: 3, urgent: 2 },
    });
    await store.notifications.markRead(
      't1',
      'alice',
      [billing[0].id, billing[1].id, news[0].id],
      1,
    );
    t.same(await store.notifications.unreadCounts('t1', 'alice'), {
      total: 2,
      by_category: { news: 2 },
      by_priority: { normal: 2 },
    });
    t.same(await store.notifications.unreadCounts('t2', 'alice'), {
      total: 4,
      by_category: { general: 4 },
      by_priority: { normal: 4 },
    });
  });

  t.test('every feed query keeps tenants apart', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const mine = await seedFeed(f, store, 3);
    const theirs = await seedFeed(f, store, 2, { tenant_id: 't2' });
    const page = (tenant: string) =>
      store.notifications.list({ tenant_id: tenant, recipient_id: 'alice', limit: 10 });
    t.same(ids((await page('t1')).items), ids([...mine].reverse()));
    t.same(ids((await page('t2')).items), ids([...theirs].reverse()));
    t.same(await store.notifications.markRead('t2', 'alice', ids(mine), 1), []);
    t.equal(await store.notifications.markAllRead('t2', 'alice', 1), 2);
    t.equal((await store.notifications.unreadCounts('t1', 'alice')).total, 3);
    t.same(await page('t3'), { items: [], has_more: false });
  });
}
