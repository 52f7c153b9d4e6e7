import type { Test } from 'tap';
import { idAt } from '../../../src/core/ids.js';
import type { NotificationRecord, Store } from '../../../src/store/types.js';
import { Fixture, type MakeStore, storeFor } from './fixtures.js';

const alice = { tenant_id: 't1', recipient_id: 'alice' };
const ids = (records: NotificationRecord[]) => records.map((r) => r.id);

async function seed(
  f: Fixture,
  store: Store,
  count: number,
  over: Partial<NotificationRecord> = {},
) {
  const items = Array.from({ length: count }, () => {
    f.clock.advance(1000);
    return f.item(over);
  });
  return f.seed(store, items);
}

const approve = { id: 'approve', label: 'Approve', type: 'primary' as const, callback_key: 'cb-1' };
const reject = {
  id: 'reject',
  label: 'Reject',
  type: 'destructive' as const,
  url: 'https://x.test/r',
};

/**
 * What the feed does past reading: its record's later fields, filters, expiry, dismissal,
 * updates by the sender, actions taken once, finding by tenant, and the retention purge.
 */
export function feedLifecycleContract(t: Test, make: MakeStore): void {
  t.test('actions, template, expiry and cancellation key are stored as given', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const [rich] = await seed(f, store, 1, {
      actions: [approve, reject],
      template: { id: 'tpl_1', key: 'welcome', version: 3 },
      cancellation_key: 'order-9',
      expires_at: f.clock.now() + 10 ** 9,
      priority: 'urgent',
      content: { title: 'T', body: 'B', cta_text: 'Open' },
    });
    t.same(await store.notifications.get('t1', 'alice', rich.id), rich);
    t.same(await store.notifications.find('t1', rich.id), rich, 'find: whoever the recipient');
    t.equal(await store.notifications.find('t2', rich.id), null, 'not another tenant');
    await store.notifications.remove('t1', 'alice', rich.id, 5);
    t.equal(await store.notifications.find('t1', rich.id), null, 'not once deleted');
  });

  t.test('list filters by dismissal, priority, group, creation time and data', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const [a] = await seed(f, store, 1, { priority: 'high', data: { order: 42, tag: 'x' } });
    const [b] = await seed(f, store, 1, { group_key: 'g', data: { order: '42', flag: true } });
    const [c] = await seed(f, store, 1, { group_key: 'g', data: { nested: { order: 42 } } });
    const [d] = await seed(f, store, 1, { data: null });
    await store.notifications.dismiss('t1', 'alice', [d.id], f.clock.now());
    const list = (q: object) =>
      store.notifications.list({ ...alice, limit: 10, ...q }).then((p) => ids(p.items));
    t.same(await list({ dismissed: true }), [d.id]);
    t.same(await list({ dismissed: false }), [c.id, b.id, a.id]);
    t.same(await list({ priority: 'high' }), [a.id]);
    t.same(await list({ group_key: 'g' }), [c.id, b.id]);
    t.same(await list({ created_after: b.created_at }), [d.id, c.id, b.id], 'at or after');
    t.same(await list({ created_before: b.created_at }), [a.id], 'strictly before');
    t.same(await list({ metadata: { order: '42' } }), [b.id, a.id], 'numbers match as text');
    t.same(await list({ metadata: { order: '42', tag: 'x' } }), [a.id], 'every pair');
    t.same(await list({ metadata: { flag: 'true' } }), [b.id], 'booleans as JSON writes them');
    t.same(await list({ metadata: { nested: '{"order":42}' } }), [], 'objects never match');
    t.same(await list({ metadata: { missing: '' } }), []);
    const page = await store.notifications.list({ ...alice, limit: 1, dismissed: false });
    t.same([ids(page.items), page.has_more], [[c.id], true], 'pages with filters');
  });

  t.test('expired notifications leave the feed and the unread counts at now', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const start = f.clock.now();
    const [lasting] = await seed(f, store, 1, { category: 'news' });
    const [soon] = await seed(f, store, 1, { category: 'news', expires_at: start + 10_000 });
    const [later] = await seed(f, store, 1, { priority: 'high', expires_at: start + 20_000 });
    const at = (now: number) =>
      Promise.all([
        store.notifications.list({ ...alice, limit: 10, now }).then((p) => ids(p.items)),
        store.notifications.unreadCounts('t1', 'alice', now),
      ]);
    t.same(await at(start + 9_999), [
      [later.id, soon.id, lasting.id],
      { total: 3, by_category: { news: 2, general: 1 }, by_priority: { normal: 2, high: 1 } },
    ]);
    t.same(
      await at(start + 10_000),
      [
        [later.id, lasting.id],
        { total: 2, by_category: { news: 1, general: 1 }, by_priority: { normal: 1, high: 1 } },
      ],
      'expired at its time exactly',
    );
    t.same(await at(start + 20_000), [
      [lasting.id],
      { total: 1, by_category: { news: 1 }, by_priority: { normal: 1 } },
    ]);
    t.equal((await store.notifications.unreadCounts('t1', 'alice')).total, 3, 'without now: all');
    await store.notifications.update('t1', soon.id, { expires_at: null });
    t.same((await at(start + 30_000))[0], [soon.id, lasting.id], 'an expiry lifted');
    t.equal((await at(start + 30_000))[1].total, 2);
    await store.notifications.update('t1', lasting.id, { expires_at: start + 25_000 });
    t.same((await at(start + 30_000))[0], [soon.id], 'an expiry set');
    t.equal((await at(start + 30_000))[1].total, 1);
    await store.notifications.markRead('t1', 'alice', [soon.id], start);
    t.equal((await at(start + 30_000))[1].total, 0);
  });

  t.test('dismiss reads and dismisses the recipient’s notifications once', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const [a, b, c] = await seed(f, store, 3);
    const [theirs] = await seed(f, store, 1, { recipient_id: 'bob' });
    await store.notifications.markRead('t1', 'alice', [b.id], 3);
    const changed = await store.notifications.dismiss(
      't1',
      'alice',
      [c.id, b.id, c.id, theirs.id, f.ids('ntf')],
      7,
    );
    t.same(changed, [c.id, b.id], 'in the order given, once each; foreign and unknown not');
    t.match(await store.notifications.get('t1', 'alice', c.id), { dismissed_at: 7, read_at: 7 });
    t.match(await store.notifications.get('t1', 'alice', b.id), { dismissed_at: 7, read_at: 3 });
    t.same(await store.notifications.dismiss('t1', 'alice', [c.id], 8), [], 'already');
    t.same(await store.notifications.dismiss('t1', 'alice', [], 8), []);
    t.same(await store.notifications.unreadCounts('t1', 'alice'), {
      total: 1,
      by_category: { general: 1 },
      by_priority: { normal: 1 },
    });
    t.match(await store.notifications.get('t1', 'bob', theirs.id), { dismissed_at: null });
    t.same(ids((await store.notifications.list({ ...alice, limit: 9, read: false })).items), [
      a.id,
    ]);
  });

  t.test('dismissAll dismisses every undismissed notification, or one category', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const news = await seed(f, store, 3, { category: 'news' });
    await seed(f, store, 2, { category: 'billing' });
    await seed(f, store, 1, { recipient_id: 'bob', category: 'news' });
    await store.notifications.dismiss('t1', 'alice', [news[0].id], 1);
    await store.notifications.remove('t1', 'alice', news[1].id, 1);
    t.equal(await store.notifications.dismissAll('t1', 'alice', 5, 'news'), 1);
    t.match(await store.notifications.get('t1', 'alice', news[2].id), {
      dismissed_at: 5,
      read_at: 5,
    });
    t.equal((await store.notifications.unreadCounts('t1', 'alice')).total, 2);
    t.equal(await store.notifications.dismissAll('t1', 'alice', 6), 2);
    t.equal(await store.notifications.dismissAll('t1', 'alice', 7), 0, 'nothing left');
    t.same((await store.notifications.list({ ...alice, limit: 9, dismissed: false })).items, []);
    t.equal((await store.notifications.unreadCounts('t1', 'bob')).total, 1, 'other recipient');
  });

  t.test('update changes content, actions and expiry of a tenant’s notification', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const [n] = await seed(f, store, 1, { actions: [approve] });
    const content = { title: 'New', body: 'Text', cta_text: 'Go' };
    const after = await store.notifications.update('t1', n.id, { content });
    t.same(after, { ...n, content });
    t.same(await store.notifications.get('t1', 'alice', n.id), { ...n, content });
    const both = await store.notifications.update('t1', n.id, {
      actions: [reject],
      expires_at: n.created_at + 5000,
    });
    t.same(both, { ...n, content, actions: [reject], expires_at: n.created_at + 5000 });
    t.same(await store.notifications.update('t1', n.id, {}), both, 'nothing to change');
    t.equal(await store.notifications.update('t2', n.id, { content }), null, 'other tenant');
    t.equal(await store.notifications.update('t1', f.ids('ntf'), { content }), null, 'unknown');
    await store.notifications.remove('t1', 'alice', n.id, 9);
    t.equal(await store.notifications.update('t1', n.id, { content }), null, 'deleted');
  });

  t.test('recordAction keeps the first action taken', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const [n] = await seed(f, store, 1, { actions: [approve, reject] });
    const first = await store.notifications.recordAction('t1', 'alice', n.id, 'approve', 50);
    t.same(first, {
      status: 'recorded',
      notification: { ...n, action_id: 'approve', actioned_at: 50 },
    });
    const again = await store.notifications.recordAction('t1', 'alice', n.id, 'reject', 60);
    t.same(again, {
      status: 'already',
      notification: { ...n, action_id: 'approve', actioned_at: 50 },
    });
    t.same(await store.notifications.recordAction('t1', 'bob', n.id, 'approve', 1), {
      status: 'not_found',
    });
    t.same(await store.notifications.recordAction('t2', 'alice', n.id, 'approve', 1), {
      status: 'not_found',
    });
    await store.notifications.remove('t1', 'alice', n.id, 70);
    t.same(await store.notifications.recordAction('t1', 'alice', n.id, 'approve', 80), {
      status: 'not_found',
    });
  });

  t.test('purgeBefore deletes old notifications for good, with their deliveries', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const old = await seed(f, store, 3);
    const [gone] = await seed(f, store, 1, { tenant_id: 't2', recipient_id: 'bob' });
    await store.notifications.remove('t2', 'bob', gone.id, 1);
    await store.notifications.markRead('t1', 'alice', [old[0].id], 1);
    f.clock.advance(60_000);
    const cutoff = idAt('ntf', f.clock.now());
    const kept = await seed(f, store, 2);
    t.equal(await store.notifications.purgeBefore(cutoff, 2), 2, 'a chunk at a time');
    t.equal(await store.notifications.purgeBefore(cutoff, 10), 2, 'the rest, a deleted one too');
    t.equal(await store.notifications.purgeBefore(cutoff, 10), 0);
    for (const n of old) {
      t.equal(await store.notifications.get('t1', 'alice', n.id), null);
      t.same(await store.deliveries.listByNotification('t1', n.id), [], 'deliveries too');
    }
    t.same(
      ids((await store.notifications.list({ ...alice, limit: 10 })).items),
      ids(kept).reverse(),
    );
    t.same(await store.notifications.unreadCounts('t1', 'alice'), {
      total: 2,
      by_category: { general: 2 },
      by_priority: { normal: 2 },
    });
    t.equal((await store.deliveries.listByNotification('t1', kept[0].id)).length, 1);
  });
}
