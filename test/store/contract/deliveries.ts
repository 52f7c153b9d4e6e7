import type { Test } from 'tap';
import type { DeliveryRecord, NotificationRecord, Store } from '../../../src/store/types.js';
import { Fixture, type MakeStore, storeFor } from './fixtures.js';

const LEASE = 30_000;

/** Inserts one notification with queued deliveries built by `build`. */
async function queue(
  f: Fixture,
  store: Store,
  build: (n: NotificationRecord) => DeliveryRecord[],
  over: Partial<NotificationRecord> = {},
): Promise<DeliveryRecord[]> {
  const notification = f.notification(over);
  const deliveries = build(notification);
  await store.notifications.insert([{ notification, deliveries }]);
  return deliveries;
}

const ids = (records: DeliveryRecord[]) => records.map((r) => r.id);

/** Delivery rows and the work queue: claims, leases, completion, retries, status. */
export function deliveriesContract(t: Test, make: MakeStore): void {
  t.test('listByNotification lists a notification’s deliveries, oldest first', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const rows = await queue(f, store, (n) => [
      f.delivery(n, { channel: 'email' }),
      f.delivery(n, { channel: 'push', last_error: 'x', provider_message_id: 'm1' }),
      f.delivery(n, { channel: 'in_app', status: 'delivered', attempts: 1 }),
    ]);
    const id = rows[0].notification_id;
    t.same(await store.deliveries.listByNotification('t1', id), rows);
    t.same(await store.deliveries.listByNotification('t2', id), [], 'other tenant');
    t.same(await store.deliveries.listByNotification('t1', f.ids('ntf')), []);
  });

  t.test('a routed notification keeps its rendered contents and push devices', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const contents = {
      push: { title: 'Hi', body: 'Ünïcödé 🎉', data: { n: '1' } },
      email: { subject: 'S', html: '<b>x</b>', text: 'x' },
    };
    const rows = await queue(
      f,
      store,
      (n) => [
        f.delivery(n, { channel: 'push', device_id: 'dev_1' }),
        f.delivery(n, { channel: 'push', device_id: 'dev_2' }),
        f.delivery(n, { channel: 'email' }),
        f.delivery(n, { channel: 'sms', status: 'skipped', last_error: 'no_phone' }),
      ],
      { contents, channels: ['push', 'email'] },
    );
    const id = rows[0].notification_id;
    t.same(await store.deliveries.listByNotification('t1', id), rows);
    t.same((await store.notifications.find('t1', id))?.contents, contents);
    const claimed = await store.deliveries.claim(['push'], 10, f.clock.now(), LEASE);
    t.same(
      claimed.map((d) => d.device_id),
      ['dev_1', 'dev_2'],
    );
    const [email] = await store.deliveries.claim(['email'], 10, f.clock.now(), LEASE);
    t.equal(email.device_id, null);
    await store.deliveries.complete(email.id, 'sent', f.clock.now(), { provider_message_id: 'm' });
    const after = await store.deliveries.listByNotification('t1', id);
    t.match(after[2], { status: 'sent', provider_message_id: 'm', device_id: null });
    t.equal((await store.notifications.find('t1', f.notification().id))?.contents, undefined);
  });

  t.test('claim leases due pending deliveries of the channels, oldest due first', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const now = f.clock.now();
    const [late, early, future] = await queue(f, store, (n) => [
      f.delivery(n, { channel: 'email', next_attempt_at: now }),
      f.delivery(n, { channel: 'email', next_attempt_at: now - 5000 }),
      f.delivery(n, { channel: 'email', next_attempt_at: now + 1 }),
    ]);
    const [push] = await queue(f, store, (n) => [f.delivery(n, { channel: 'push' })], {
      tenant_id: 't2',
    });
    await queue(f, store, (n) => [f.delivery(n, { channel: 'email', status: 'failed' })]);
    const claimed = await store.deliveries.claim(['email'], 10, now, LEASE);
    t.same(ids(claimed), [early.id, late.id], 'due only, oldest due first, pending only');
    for (const d of claimed) {
      t.equal(d.lease_until, now + LEASE);
      t.equal(d.attempts, 1);
      t.equal(d.updated_at, now);
      t.equal(d.status, 'pending');
    }
    t.same(await store.deliveries.claim(['email'], 10, now, LEASE), [], 'leased ones are taken');
    const both = await store.deliveries.claim(['email', 'push', 'sms'], 10, now + 1, LEASE);
    t.same(ids(both), [push.id, future.id], 'every tenant; by due time then id');
    t.same(await store.deliveries.claim([], 10, now + 1, LEASE), []);
    t.same(await store.deliveries.claim(['email'], 0, now + 1, LEASE), []);
    const stored = await store.deliveries.listByNotification('t1', early.notification_id);
    t.same(
      stored.find((d) => d.id === early.id),
      claimed[0],
      'the claim is stored as returned',
    );
  });

  t.test('claim honours its limit', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const now = f.clock.now();
    const rows = await queue(f, store, (n) =>
      Array.from({ length: 5 }, (_, i) =>
        f.delivery(n, { channel: 'sms', next_attempt_at: now - i }),
      ),
    );
    const first = await store.deliveries.claim(['sms'], 2, now, LEASE);
    t.same(ids(first), [rows[4].id, rows[3].id]);
    const rest = await store.deliveries.claim(['sms'], 10, now, LEASE);
    t.same(ids(rest), [rows[2].id, rows[1].id, rows[0].id]);
  });

  t.test('a lease that ran out makes the delivery claimable again', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const now = f.clock.now();
    const [d] = await queue(f, store, (n) => [f.delivery(n, { channel: 'push' })]);
    await store.deliveries.claim(['push'], 1, now, LEASE);
    t.same(await store.deliveries.claim(['push'], 1, now + LEASE - 1, LEASE), []);
    const [again] = await store.deliveries.claim(['push'], 1, now + LEASE, LEASE);
    t.equal(again.id, d.id);
    t.equal(again.attempts, 2, 'each claim counts an attempt');
    t.equal(again.lease_until, now + 2 * LEASE);
  });

  t.test('complete settles a delivery and clears its lease', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const now = f.clock.now();
    const [ok, bad] = await queue(f, store, (n) => [
      f.delivery(n, { channel: 'push' }),
      f.delivery(n, { channel: 'push' }),
    ]);
    await store.deliveries.claim(['push'], 2, now, LEASE);
    await store.deliveries.complete(ok.id, 'delivered', now + 5, { provider_message_id: 'pm-1' });
    await store.deliveries.complete(bad.id, 'dead', now + 6, { error: 'invalid token' });
    const [a, b] = await store.deliveries.listByNotification('t1', ok.notification_id);
    t.match(a, { status: 'delivered', lease_until: null, provider_message_id: 'pm-1' });
    t.match(a, { updated_at: now + 5, attempts: 1, last_error: null });
    t.match(b, {
      status: 'dead',
      lease_until: null,
      last_error: 'invalid token',
      updated_at: now + 6,
    });
    t.same(await store.deliveries.claim(['push'], 10, now + 10 * LEASE, LEASE), [], 'settled');
    await store.deliveries.complete(f.ids('dlv'), 'failed', now);
  });

  t.test('retry returns a delivery to the queue, due at the next time', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const now = f.clock.now();
    const [d] = await queue(f, store, (n) => [f.delivery(n, { channel: 'webhook' })]);
    await store.deliveries.claim(['webhook'], 1, now, LEASE);
    await store.deliveries.retry(d.id, now + 60_000, 'HTTP 503', now + 1);
    const [stored] = await store.deliveries.listByNotification('t1', d.notification_id);
    t.match(stored, {
      status: 'pending',
      lease_until: null,
      next_attempt_at: now + 60_000,
      last_error: 'HTTP 503',
      updated_at: now + 1,
    });
    t.same(await store.deliveries.claim(['webhook'], 1, now + 59_999, LEASE), [], 'not yet due');
    const [again] = await store.deliveries.claim(['webhook'], 1, now + 60_000, LEASE);
    t.equal(again.attempts, 2);
    await store.deliveries.complete(again.id, 'failed', now + 60_001);
    await store.deliveries.retry(d.id, now + 70_000, 'retry after failed', now + 60_002);
    const [requeued] = await store.deliveries.claim(['webhook'], 1, now + 70_000, LEASE);
    t.equal(requeued?.id, d.id, 'a settled delivery can be queued again');
  });

  t.test('add adds deliveries to an existing notification, leaving known ids alone', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const now = f.clock.now();
    const [inApp] = await queue(f, store, (n) => [
      f.delivery(n, { channel: 'in_app', status: 'delivered', attempts: 1 }),
    ]);
    const n = f.notification({ id: inApp.notification_id });
    const push = f.delivery(n, { channel: 'push', next_attempt_at: now + 5 });
    const sms = f.delivery(n, { channel: 'sms', status: 'failed', last_error: 'no number' });
    await store.deliveries.add([push, sms]);
    await store.deliveries.add([]);
    t.same(
      await store.deliveries.listByNotification('t1', n.id),
      [inApp, push, sms],
      'listed with the notification’s others, oldest first',
    );
    await store.deliveries.add([
      { ...inApp, status: 'pending', channel: 'push' },
      { ...push, status: 'dead', attempts: 9 },
    ]);
    t.same(
      await store.deliveries.listByNotification('t1', n.id),
      [inApp, push, sms],
      'an existing id is untouched',
    );
    t.same(await store.deliveries.claim(['push', 'sms', 'in_app'], 10, now + 4, LEASE), []);
    const [claimed] = await store.deliveries.claim(['push', 'sms', 'in_app'], 10, now + 5, LEASE);
    t.match(claimed, { id: push.id, attempts: 1, lease_until: now + 5 + LEASE });
    await store.deliveries.complete(push.id, 'delivered', now + 6);
    const [again] = await store.deliveries.listByNotification('t1', n.id).then((r) => r.slice(1));
    t.equal(again.status, 'delivered', 'an added delivery settles like any other');
  });

  t.test('setStatus changes one channel of the recipient’s notifications', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const build = (n: NotificationRecord) => [
      f.delivery(n, { channel: 'in_app', status: 'delivered' }),
      f.delivery(n, { channel: 'push' }),
    ];
    const [a] = await queue(f, store, build);
    const [b] = await queue(f, store, build);
    const [theirs] = await queue(f, store, build, { recipient_id: 'bob' });
    const [elsewhere] = await queue(f, store, build, { tenant_id: 't2' });
    const targets = [a, b, theirs, elsewhere].map((d) => d.notification_id);
    const at = f.clock.now() + 7;
    t.equal(
      await store.deliveries.setStatus('t1', 'alice', targets, 'in_app', 'acknowledged', at),
      2,
    );
    t.equal(
      await store.deliveries.setStatus('t1', 'alice', targets, 'in_app', 'acknowledged', at),
      0,
      'already so',
    );
    const [inApp, push] = await store.deliveries.listByNotification('t1', a.notification_id);
    t.match(inApp, { status: 'acknowledged', updated_at: at });
    t.match(push, { status: 'pending' }, 'other channel untouched');
    const [bobs] = await store.deliveries.listByNotification('t1', theirs.notification_id);
    t.equal(bobs.status, 'delivered', 'other recipient untouched');
    const [t2] = await store.deliveries.listByNotification('t2', elsewhere.notification_id);
    t.equal(t2.status, 'delivered', 'other tenant untouched');
    t.equal(await store.deliveries.setStatus('t1', 'alice', [], 'in_app', 'failed', at), 0);
  });
}
