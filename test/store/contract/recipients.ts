import type { Test } from 'tap';
import type { DeviceRecord } from '../../../src/store/types.js';
import { Fixture, type MakeStore, storeFor } from './fixtures.js';

/** Subscribers, devices, topic memberships, preferences, and a recipient's erasure. */
export function recipientsContract(t: Test, make: MakeStore): void {
  t.test('subscribers: upsert creates, then sets only the fields given', async (t) => {
    const store = await storeFor(t, make);
    const first = await store.subscribers.upsert(
      't1',
      {
        id: 'alice',
        email: 'Alice@Example.com',
        phone: '+33612345678',
        data: { plan: 'pro', n: [1] },
      },
      1000,
    );
    t.equal(first.created, true);
    t.same(first.subscriber, {
      id: 'alice',
      tenant_id: 't1',
      email: 'Alice@Example.com',
      phone: '+33612345678',
      locale: null,
      timezone: null,
      name: null,
      avatar_url: null,
      data: { plan: 'pro', n: [1] },
      created_at: 1000,
      updated_at: 1000,
    });
    const second = await store.subscribers.upsert(
      't1',
      { id: 'alice', timezone: 'Europe/Paris', phone: null },
      2000,
    );
    t.equal(second.created, false);
    t.match(second.subscriber, {
      email: 'Alice@Example.com',
      phone: null,
      timezone: 'Europe/Paris',
      data: { plan: 'pro' },
      created_at: 1000,
      updated_at: 2000,
    });
    t.same(await store.subscribers.get('t1', 'alice'), second.subscriber);
    t.equal(await store.subscribers.get('t2', 'alice'), null, 'other tenant');
    t.equal(await store.subscribers.get('t1', 'bob'), null);
  });

  t.test('subscribers: listed by id after a cursor, filtered by email in any case', async (t) => {
    const store = await storeFor(t, make);
    for (const id of ['c', 'a', 'e', 'b', 'd']) {
      await store.subscribers.upsert('t1', { id, email: id < 'c' ? 'Same@x.io' : `${id}@x.io` }, 1);
    }
    await store.subscribers.upsert('t2', { id: 'a0', email: 'same@x.io' }, 1);
    const ids = (l: Array<{ id: string }>) => l.map((s) => s.id);
    t.same(ids(await store.subscribers.list('t1', { limit: 3 })), ['a', 'b', 'c']);
    t.same(ids(await store.subscribers.list('t1', { after: 'c', limit: 3 })), ['d', 'e']);
    t.same(ids(await store.subscribers.list('t1', { limit: 10, email: 'same@X.IO' })), ['a', 'b']);
    t.same(ids(await store.subscribers.list('t1', { limit: 10, after: 'a', email: 'same@x.io' })), [
      'b',
    ]);
    await store.subscribers.upsert('t1', { id: 'a', email: 'other@x.io' }, 2);
    t.same(ids(await store.subscribers.list('t1', { limit: 10, email: 'same@x.io' })), ['b']);
    await store.subscribers.upsert('t1', { id: 'b', email: null }, 2);
    t.same(await store.subscribers.list('t1', { limit: 10, email: 'same@x.io' }), []);
    t.same(await store.subscribers.existing('t1', ['e', 'zz', 'a', 'e']), ['e', 'a']);
    t.equal(await store.subscribers.remove('t1', 'a'), true);
    t.equal(await store.subscribers.remove('t1', 'a'), false);
    t.same(ids(await store.subscribers.list('t1', { limit: 10 })), ['b', 'c', 'd', 'e']);
    t.same(await store.subscribers.list('t1', { limit: 10, email: 'other@x.io' }), []);
  });

  const device = (f: Fixture, over: Partial<DeviceRecord> = {}): DeviceRecord => ({
    id: f.ids('dev'),
    tenant_id: 't1',
    subscriber_id: 'alice',
    kind: 'fcm',
    endpoint: null,
    keys: null,
    token: 'tok-1',
    info: { platform: 'android' },
    active: true,
    last_used_at: null,
    failure_count: 0,
    created_at: f.clock.now(),
    updated_at: f.clock.now(),
    ...over,
  });

  t.test('devices: an address registers once; again, it is updated in place', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const a = device(f);
    t.same(await store.devices.register(a), { device: a, created: true });
    const web = device(f, {
      kind: 'webpush',
      token: null,
      endpoint: 'https://push.example/1',
      keys: { p256dh: 'p', auth: 'a' },
      info: null,
    });
    await store.devices.register(web);
    await store.devices.update('t1', a.id, { active: false, failure_count: 3 }, 50);
    f.clock.advance(10);
    const again = device(f, { subscriber_id: 'bob', info: null });
    const moved = await store.devices.register(again);
    t.equal(moved.created, false);
    t.same(moved.device, {
      ...a,
      subscriber_id: 'bob',
      info: null,
      active: true,
      failure_count: 0,
      updated_at: again.updated_at,
    });
    t.same(
      (await store.devices.list('t1', 'alice')).map((d) => d.id),
      [web.id],
    );
    t.same(
      (await store.devices.list('t1', 'bob')).map((d) => d.id),
      [a.id],
    );
    const other = device(f, { tenant_id: 't2' });
    t.equal((await store.devices.register(other)).created, true, 'addresses are per tenant');
    t.equal(await store.devices.get('t2', a.id), null);
    t.same(await store.devices.get('t1', web.id), web);
  });

  t.test('devices: update, remove, removeAll', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const a = device(f);
    f.clock.advance(1);
    const b = device(f, { token: 'tok-2' });
    await store.devices.register(a);
    await store.devices.register(b);
    const changed = await store.devices.update(
      't1',
      a.id,
      { last_used_at: 77, info: { name: 'x' }, active: false },
      99,
    );
    t.same(changed, { ...a, last_used_at: 77, info: { name: 'x' }, active: false, updated_at: 99 });
    t.equal(await store.devices.update('t2', a.id, { active: true }, 1), null);
    t.same(
      (await store.devices.list('t1', 'alice')).map((d) => d.id),
      [a.id, b.id],
    );
    t.same(await store.devices.remove('t1', a.id), changed);
    t.equal(await store.devices.remove('t1', a.id), null);
    t.equal((await store.devices.register(device(f))).created, true, 'its address is free');
    t.equal(await store.devices.removeAll('t1', 'alice'), 2);
    t.same(await store.devices.list('t1', 'alice'), []);
  });

  t.test('topic members: add, remove, page by id, count, clear, per subscriber', async (t) => {
    const store = await storeFor(t, make);
    const m = store.topicMembers;
    t.equal(await m.add('t1', 'news', ['c', 'a', 'b', 'a'], 1), 3);
    t.equal(await m.add('t1', 'news', ['a', 'd'], 2), 1);
    await m.add('t1', 'sport', ['a'], 1);
    await m.add('t2', 'news', ['z'], 1);
    t.equal(await m.count('t1', 'news'), 4);
    t.same(await m.list('t1', 'news', null, 3), ['a', 'b', 'c']);
    t.same(await m.list('t1', 'news', 'c', 3), ['d']);
    t.same(await m.topicsOf('t1', 'a'), ['news', 'sport']);
    t.equal(await m.remove('t1', 'news', ['b', 'x']), 1);
    t.same(await m.list('t1', 'news', null, 10), ['a', 'c', 'd']);
    t.equal(await m.leaveAll('t1', 'a'), 2);
    t.same(await m.topicsOf('t1', 'a'), []);
    t.equal(await m.clear('t1', 'news', 1), 1);
    t.equal(await m.clear('t1', 'news', 10), 1);
    t.equal(await m.clear('t1', 'news', 10), 0);
    t.equal(await m.count('t1', 'news'), 0);
    t.same(await m.topicsOf('t1', 'c'), []);
    t.equal(await m.count('t2', 'news'), 1, 'other tenant untouched');
  });

  t.test('topic members: a thousand in one call', async (t) => {
    const store = await storeFor(t, make);
    const ids = Array.from({ length: 1000 }, (_, i) => `s${String(i).padStart(4, '0')}`);
    t.equal(await store.topicMembers.add('t1', 'big', ids, 1), 1000);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: string[] = await store.topicMembers.list('t1', 'big', after, 300);
      if (page.length === 0) break;
      seen.push(...page);
      after = page[page.length - 1]!;
    }
    t.same(seen, ids);
    t.equal(await store.topicMembers.remove('t1', 'big', ids), 1000);
  });

  t.test('preferences: put replaces, get, remove', async (t) => {
    const store = await storeFor(t, make);
    t.equal(await store.preferences.get('t1', 'alice'), null);
    const doc = { global_enabled: false, channels: { push: { enabled: false } }, n: 1.5 };
    await store.preferences.put('t1', 'alice', { data: doc, updated_at: 5 });
    t.same(await store.preferences.get('t1', 'alice'), { data: doc, updated_at: 5 });
    await store.preferences.put('t1', 'alice', { data: { a: [] }, updated_at: 6 });
    t.same(await store.preferences.get('t1', 'alice'), { data: { a: [] }, updated_at: 6 });
    t.equal(await store.preferences.get('t2', 'alice'), null);
    t.equal(await store.preferences.remove('t1', 'alice'), true);
    t.equal(await store.preferences.remove('t1', 'alice'), false);
    t.equal(await store.preferences.get('t1', 'alice'), null);
  });

  t.test('a page of recipients is read at once: getMany, listMany', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    for (const id of ['ann', 'bob', 'cy'])
      await store.subscribers.upsert('t1', { id, email: `${id}@example.com` }, 1000);
    await store.subscribers.upsert('t2', { id: 'dee' }, 1000);
    const many = await store.subscribers.getMany('t1', ['cy', 'nobody', 'ann', 'cy', 'dee']);
    t.same(
      many,
      [await store.subscribers.get('t1', 'cy'), await store.subscribers.get('t1', 'ann')],
      'the stored ones, each once, in the order asked, of the tenant only',
    );
    t.same(await store.subscribers.getMany('t1', []), []);

    const b1 = device(f, { subscriber_id: 'bob', token: 'b1' });
    f.clock.advance(1);
    const a1 = device(f, { subscriber_id: 'ann', token: 'a1' });
    f.clock.advance(1);
    const b2 = device(f, { subscriber_id: 'bob', token: 'b2', active: false });
    for (const d of [b1, a1, b2, device(f, { tenant_id: 't2', subscriber_id: 'bob' })])
      await store.devices.register(d);
    const devices = await store.devices.listMany('t1', ['bob', 'cy', 'ann', 'bob']);
    t.same(
      devices,
      [...(await store.devices.list('t1', 'bob')), ...(await store.devices.list('t1', 'ann'))],
      'each subscriber’s as list gives them, in the order asked',
    );
    t.same(
      devices.map((d) => d.token),
      ['b1', 'b2', 'a1'],
    );
    t.same(await store.devices.listMany('t1', []), []);

    await store.preferences.put('t1', 'ann', { data: { global_enabled: false }, updated_at: 5 });
    await store.preferences.put('t1', 'cy', { data: { channels: { sms: {} } }, updated_at: 6 });
    await store.preferences.put('t2', 'bob', { data: {}, updated_at: 7 });
    const prefs = await store.preferences.getMany('t1', ['ann', 'bob', 'cy']);
    t.same(
      prefs,
      new Map([
        ['ann', { data: { global_enabled: false }, updated_at: 5 }],
        ['cy', { data: { channels: { sms: {} } }, updated_at: 6 }],
      ]),
    );
    t.same(await store.preferences.getMany('t1', []), new Map());
  });

  t.test('notifications: every one of a recipient is listed, then erased', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const mine = [0, 1, 2].map((i) =>
      f.item({ read_at: i === 1 ? 5 : null }, i === 0 ? { key: 'k0', ttlMs: 1e9 } : undefined),
    );
    const other = f.item({ recipient_id: 'bob' });
    for (const item of [...mine, other]) await store.notifications.insert([item]);
    const ids = mine.map((i) => i.notification.id);
    await store.notifications.remove('t1', 'alice', ids[2]!, 9);
    const all = await store.notifications.listAll('t1', 'alice', null, 10);
    t.same(
      all.map((n) => n.id),
      ids,
      'deleted ones included',
    );
    t.same(
      (await store.notifications.listAll('t1', 'alice', ids[0]!, 1)).map((n) => n.id),
      [ids[1]],
    );
    t.equal(await store.notifications.eraseRecipient('t1', 'alice', 2), 2);
    t.equal(await store.notifications.eraseRecipient('t1', 'alice', 2), 1);
    t.equal(await store.notifications.eraseRecipient('t1', 'alice', 2), 0);
    // Under the limit, each notification is counted once (however many indexes hold it).
    for (const item of [f.item({ recipient_id: 'carol' }), f.item({ recipient_id: 'carol' })]) {
      await store.notifications.insert([item]);
    }
    t.equal(await store.notifications.eraseRecipient('t1', 'carol', 10), 2);
    t.equal(await store.notifications.eraseRecipient('t1', 'carol', 10), 0);
    t.same(await store.notifications.listAll('t1', 'alice', null, 10), []);
    t.same(
      (await store.notifications.list({ tenant_id: 't1', recipient_id: 'alice', limit: 10 })).items,
      [],
    );
    t.same(await store.notifications.unreadCounts('t1', 'alice'), {
      total: 0,
      by_category: {},
      by_priority: {},
    });
    t.same(await store.deliveries.listByNotification('t1', ids[0]!), []);
    const reused = f.item({}, { key: 'k0', ttlMs: 1e9 });
    t.same(await store.notifications.insert([reused]), [{ status: 'created' }], 'claim gone');
    t.equal(
      (await store.notifications.listAll('t1', 'bob', null, 10)).length,
      1,
      'others untouched',
    );
  });
}
