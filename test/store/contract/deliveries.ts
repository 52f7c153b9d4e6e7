import type { Test } from 'tap';
import type { DeliveryRecord, NotificationRecord, Store } from '../../../src/store/types.js';
import { Fixture, type MakeStore, storeFor } from './fixtures.js';

const LEASE = 30_000;
const TOKEN = 'lease-1';

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

  t.test('listByNotifications lists several notifications’ deliveries in one call', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const a = await queue(f, store, (n) => [
      f.delivery(n, { channel: 'email' }),
      f.delivery(n, { channel: 'push' }),
    ]);
    const b = await queue(f, store, (n) => [f.delivery(n, { channel: 'sms' })]);
    const none = f.ids('ntf');
    const theirs = await queue(f, store, (n) => [f.delivery(n)], { tenant_id: 't2' });
    const [na, nb] = [a[0].notification_id, b[0].notification_id];
    t.same(
      await store.deliveries.listByNotifications('t1', [nb, none, na]),
      [...b, ...a],
      'grouped in the order asked, each oldest first',
    );
    t.same(
      await store.deliveries.listByNotifications('t1', [na, na]),
      a,
      'an id asked twice, once',
    );
    t.same(
      await store.deliveries.listByNotifications('t1', [theirs[0].notification_id]),
      [],
      'another tenant’s',
    );
    t.same(await store.deliveries.listByNotifications('t1', []), []);
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
    const claimed = await store.deliveries.claim(['push'], 10, f.clock.now(), LEASE, TOKEN);
    t.same(
      claimed.map((d) => d.device_id),
      ['dev_1', 'dev_2'],
    );
    const [email] = await store.deliveries.claim(['email'], 10, f.clock.now(), LEASE, TOKEN);
    t.equal(email.device_id, null);
    await store.deliveries.complete(email.id, TOKEN, 'sent', f.clock.now(), {
      provider_message_id: 'm',
    });
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
    const claimed = await store.deliveries.claim(['email'], 10, now, LEASE, TOKEN);
    t.same(ids(claimed), [early.id, late.id], 'due only, oldest due first, pending only');
    for (const d of claimed) {
      t.equal(d.lease_until, now + LEASE);
      t.equal(d.lease_token, TOKEN);
      t.equal(d.attempts, 1);
      t.equal(d.updated_at, now);
      t.equal(d.status, 'pending');
    }
    t.same(
      await store.deliveries.claim(['email'], 10, now, LEASE, TOKEN),
      [],
      'leased ones are taken',
    );
    const both = await store.deliveries.claim(['email', 'push', 'sms'], 10, now + 1, LEASE, TOKEN);
    t.same(ids(both), [push.id, future.id], 'every tenant; by due time then id');
    t.same(await store.deliveries.claim([], 10, now + 1, LEASE, TOKEN), []);
    t.same(await store.deliveries.claim(['email'], 0, now + 1, LEASE, TOKEN), []);
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
    const first = await store.deliveries.claim(['sms'], 2, now, LEASE, TOKEN);
    t.same(ids(first), [rows[4].id, rows[3].id]);
    const rest = await store.deliveries.claim(['sms'], 10, now, LEASE, TOKEN);
    t.same(ids(rest), [rows[2].id, rows[1].id, rows[0].id]);
  });

  t.test('a lease that ran out makes the delivery claimable again', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const now = f.clock.now();
    const [d] = await queue(f, store, (n) => [f.delivery(n, { channel: 'push' })]);
    await store.deliveries.claim(['push'], 1, now, LEASE, TOKEN);
    t.same(await store.deliveries.claim(['push'], 1, now + LEASE - 1, LEASE, 'lease-2'), []);
    const [again] = await store.deliveries.claim(['push'], 1, now + LEASE, LEASE, 'lease-3');
    t.equal(again.id, d.id);
    t.equal(again.attempts, 2, 'each claim counts an attempt');
    t.equal(again.lease_until, now + 2 * LEASE);
    t.equal(again.lease_token, 'lease-3', 'under the new claim’s token');
  });

  t.test('only the token a delivery is leased under settles it', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const now = f.clock.now();
    const [a, b] = await queue(f, store, (n) =>
      ['push', 'push'].map((channel) => f.delivery(n, { channel })),
    );
    const nid = a.notification_id;
    const list = () => store.deliveries.listByNotification('t1', nid);
    t.notOk(await store.deliveries.complete(a.id, TOKEN, 'sent', now), 'not claimed: refused');
    t.notOk(await store.deliveries.retry(a.id, TOKEN, now, 'x', now), 'not claimed: refused');
    await store.deliveries.claim(['push'], 2, now, LEASE, 'old');
    // The first worker's lease runs out; another claims both under its own token.
    const later = now + LEASE;
    t.equal((await store.deliveries.claim(['push'], 2, later, LEASE, 'new')).length, 2);
    const before = await list();
    t.notOk(
      await store.deliveries.complete(a.id, 'old', 'sent', later + 1, { provider_message_id: 'p' }),
      'a stale token does not complete',
    );
    t.notOk(
      await store.deliveries.retry(b.id, 'old', later + 9, 'late', later + 1),
      'a stale token does not retry',
    );
    t.notOk(await store.deliveries.complete(f.ids('dlv'), 'old', 'sent', later), 'unknown id');
    t.same(await list(), before, 'nothing changed');
    t.match(before, [{ lease_token: 'new' }, { lease_token: 'new' }]);
    t.ok(await store.deliveries.complete(a.id, 'new', 'sent', later + 2), 'the holder completes');
    t.ok(await store.deliveries.retry(b.id, 'new', later + 50, 'HTTP 503', later + 2));
    t.match(await list(), [
      { status: 'sent', lease_until: null, lease_token: null },
      { status: 'pending', lease_until: null, lease_token: null, next_attempt_at: later + 50 },
    ]);
    t.notOk(await store.deliveries.complete(a.id, 'new', 'failed', later + 3), 'settled once');
    t.notOk(await store.deliveries.retry(b.id, 'new', later, 'again', later + 3), 'requeued once');
    const [c] = await store.deliveries.claim(['push'], 1, later + 50, LEASE, 'third');
    t.match(c, { id: b.id, lease_token: 'third', attempts: 3 });
  });

  t.test('concurrent claimers never lease one delivery twice', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const now = f.clock.now();
    const rows = await queue(f, store, (n) =>
      Array.from({ length: 40 }, () => f.delivery(n, { channel: 'email' })),
    );
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        store.deliveries.claim(['email'], 7, now, LEASE, `w${i}`),
      ),
    );
    const got = claims.flatMap((c, i) => c.map((d) => [d.id, `w${i}`] as const));
    t.equal(new Set(got.map(([id]) => id)).size, got.length, 'no delivery twice');
    t.equal(got.length, rows.length, 'every delivery once');
    for (const [id, token] of got) {
      t.ok(await store.deliveries.complete(id, token, 'sent', now + 1), `${id} by its claimer`);
    }
  });

  t.test('complete settles a delivery and clears its lease', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const now = f.clock.now();
    const [ok, bad] = await queue(f, store, (n) => [
      f.delivery(n, { channel: 'push' }),
      f.delivery(n, { channel: 'push' }),
    ]);
    await store.deliveries.claim(['push'], 2, now, LEASE, TOKEN);
    t.ok(
      await store.deliveries.complete(ok.id, TOKEN, 'delivered', now + 5, {
        provider_message_id: 'pm-1',
      }),
    );
    t.ok(
      await store.deliveries.complete(bad.id, TOKEN, 'dead', now + 6, { error: 'invalid token' }),
    );
    const [a, b] = await store.deliveries.listByNotification('t1', ok.notification_id);
    t.match(a, {
      status: 'delivered',
      lease_until: null,
      lease_token: null,
      provider_message_id: 'pm-1',
    });
    t.match(a, { updated_at: now + 5, attempts: 1, last_error: null });
    t.match(b, {
      status: 'dead',
      lease_until: null,
      last_error: 'invalid token',
      updated_at: now + 6,
    });
    t.same(
      await store.deliveries.claim(['push'], 10, now + 10 * LEASE, LEASE, TOKEN),
      [],
      'settled',
    );
    t.notOk(await store.deliveries.complete(f.ids('dlv'), TOKEN, 'failed', now), 'unknown');
  });

  t.test(
    'status callbacks: a sent delivery found by its provider message id, then confirmed',
    async (t) => {
      const f = new Fixture();
      const store = await storeFor(t, make);
      const now = f.clock.now();
      const [one, two] = await queue(f, store, (n) => [
        f.delivery(n, { channel: 'sms' }),
        f.delivery(n, { channel: 'email' }),
      ]);
      const [other] = await queue(f, store, (n) => [f.delivery(n, { channel: 'sms' })], {
        tenant_id: 't2',
      });
      await store.deliveries.claim(['sms', 'email'], 10, now, LEASE, TOKEN);
      t.ok(
        await store.deliveries.complete(one.id, TOKEN, 'sent', now + 1, {
          provider_message_id: 'SM1',
        }),
      );
      t.ok(
        await store.deliveries.complete(two.id, TOKEN, 'sent', now + 1, {
          provider_message_id: 'SM2',
        }),
      );
      t.ok(
        await store.deliveries.complete(other.id, TOKEN, 'sent', now + 1, {
          provider_message_id: 'SM3',
        }),
      );
      t.match(await store.deliveries.findByProviderMessageId('sms', 'SM1'), {
        id: one.id,
        tenant_id: 't1',
        status: 'sent',
        provider_message_id: 'SM1',
      });
      t.match(
        await store.deliveries.findByProviderMessageId('sms', 'SM3'),
        {
          id: other.id,
          tenant_id: 't2',
        },
        'any tenant: the provider message id names it',
      );
      t.equal(
        await store.deliveries.findByProviderMessageId('sms', 'SM2'),
        null,
        'another channel',
      );
      t.equal(await store.deliveries.findByProviderMessageId('sms', 'SM404'), null, 'unknown');

      t.match(await store.deliveries.confirmSent(one.id, 'delivered', now + 2), {
        id: one.id,
        status: 'delivered',
        updated_at: now + 2,
        last_error: null,
      });
      t.equal(
        await store.deliveries.confirmSent(one.id, 'failed', now + 3, '30008'),
        null,
        'not sent any more',
      );
      t.match(await store.deliveries.confirmSent(other.id, 'failed', now + 4, 'twilio: 30003'), {
        status: 'failed',
        last_error: 'twilio: 30003',
      });
      t.same(ids(await store.deliveries.listDead('t2', {}, 10)), [other.id], 'a dead letter now');
      t.equal(await store.deliveries.confirmSent(f.ids('dlv'), 'delivered', now), null, 'unknown');
      t.match(await store.deliveries.listByNotification('t1', one.notification_id), [
        { id: one.id, status: 'delivered' },
        { id: two.id, status: 'sent' },
      ]);
    },
  );

  t.test('retry returns a delivery to the queue, due at the next time', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const now = f.clock.now();
    const [d] = await queue(f, store, (n) => [f.delivery(n, { channel: 'webhook' })]);
    await store.deliveries.claim(['webhook'], 1, now, LEASE, TOKEN);
    t.ok(await store.deliveries.retry(d.id, TOKEN, now + 60_000, 'HTTP 503', now + 1));
    const [stored] = await store.deliveries.listByNotification('t1', d.notification_id);
    t.match(stored, {
      status: 'pending',
      lease_until: null,
      next_attempt_at: now + 60_000,
      last_error: 'HTTP 503',
      updated_at: now + 1,
    });
    t.same(
      await store.deliveries.claim(['webhook'], 1, now + 59_999, LEASE, TOKEN),
      [],
      'not yet due',
    );
    const [again] = await store.deliveries.claim(['webhook'], 1, now + 60_000, LEASE, TOKEN);
    t.equal(again.attempts, 2);
    t.ok(await store.deliveries.complete(again.id, TOKEN, 'failed', now + 60_001));
    t.notOk(
      await store.deliveries.retry(d.id, TOKEN, now + 70_000, 'retry after failed', now + 60_002),
      'a settled delivery is not queued again by its old lease',
    );
    t.same(await store.deliveries.claim(['webhook'], 1, now + 70_000, LEASE, TOKEN), []);
  });

  t.test('release returns a delivery to the queue without counting the attempt', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const now = f.clock.now();
    const [d] = await queue(f, store, (n) => [f.delivery(n, { channel: 'webhook' })]);
    await store.deliveries.claim(['webhook'], 1, now, LEASE, TOKEN);
    t.ok(await store.deliveries.retry(d.id, TOKEN, now, 'HTTP 503', now));
    const [first] = await store.deliveries.claim(['webhook'], 1, now, LEASE, TOKEN);
    t.equal(first.attempts, 2);
    t.notOk(await store.deliveries.release(d.id, 'other', now + 5_000, now + 1), 'not its lease');
    t.ok(await store.deliveries.release(d.id, TOKEN, now + 5_000, now + 1));
    const [stored] = await store.deliveries.listByNotification('t1', d.notification_id);
    t.match(stored, {
      status: 'pending',
      lease_until: null,
      lease_token: null,
      next_attempt_at: now + 5_000,
      attempts: 1,
      last_error: 'HTTP 503',
      updated_at: now + 1,
    });
    t.notOk(await store.deliveries.release(d.id, TOKEN, now + 6_000, now + 2), 'released once');
    t.same(await store.deliveries.claim(['webhook'], 1, now + 4_999, LEASE, TOKEN), []);
    const [again] = await store.deliveries.claim(['webhook'], 1, now + 5_000, LEASE, 'lease-2');
    t.equal(again.attempts, 2, 'the released claim was not counted');
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
    t.same(await store.deliveries.claim(['push', 'sms', 'in_app'], 10, now + 4, LEASE, TOKEN), []);
    const [claimed] = await store.deliveries.claim(
      ['push', 'sms', 'in_app'],
      10,
      now + 5,
      LEASE,
      TOKEN,
    );
    t.match(claimed, { id: push.id, attempts: 1, lease_until: now + 5 + LEASE });
    t.ok(await store.deliveries.complete(push.id, TOKEN, 'delivered', now + 6));
    const [again] = await store.deliveries.listByNotification('t1', n.id).then((r) => r.slice(1));
    t.equal(again.status, 'delivered', 'an added delivery settles like any other');
  });

  t.test('dead letters: listed newest first per tenant, paged, by channel; requeued', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const now = f.clock.now();
    const dead = { status: 'failed' as const, attempts: 3, last_error: 'HTTP 503' };
    const [email1, sms1, fine] = await queue(f, store, (n) => [
      f.delivery(n, { channel: 'email', ...dead }),
      f.delivery(n, { channel: 'sms', ...dead }),
      f.delivery(n, { channel: 'email', status: 'sent' }),
    ]);
    const [email2] = await queue(f, store, (n) => [f.delivery(n, { channel: 'email', ...dead })]);
    const [theirs] = await queue(f, store, (n) => [f.delivery(n, { channel: 'email', ...dead })], {
      tenant_id: 't2',
    });
    const list = (filter: { channel?: string; before?: string }, limit = 10) =>
      store.deliveries.listDead('t1', filter, limit).then(ids);
    t.same(await list({}), [email2.id, sms1.id, email1.id], 'failed only, newest first');
    t.same(await list({}, 2), [email2.id, sms1.id]);
    t.same(await list({ before: sms1.id }), [email1.id], 'the next page');
    t.same(await list({ channel: 'email' }), [email2.id, email1.id]);
    t.same(await list({ channel: 'email', before: email2.id }), [email1.id]);
    t.same(await list({ channel: 'push' }), []);
    t.same(await list({}, 0), []);
    t.same(await store.deliveries.listDead('t2', {}, 10).then(ids), [theirs.id], 'per tenant');
    const [first] = await store.deliveries.listDead('t1', {}, 1);
    t.same(first, email2, 'the whole record');

    t.equal(await store.deliveries.requeueDead('t2', email1.id, now), null, 'other tenant');
    t.equal(await store.deliveries.requeueDead('t1', fine.id, now), null, 'not dead');
    t.equal(await store.deliveries.requeueDead('t1', f.ids('dlv'), now), null, 'unknown');
    const back = await store.deliveries.requeueDead('t1', email1.id, now + 5);
    t.match(back, {
      id: email1.id,
      status: 'pending',
      attempts: 0,
      next_attempt_at: now + 5,
      updated_at: now + 5,
      lease_until: null,
      lease_token: null,
      last_error: 'HTTP 503',
    });
    t.equal(await store.deliveries.requeueDead('t1', email1.id, now + 5), null, 'once');
    t.same(await list({}), [email2.id, sms1.id], 'no longer dead');
    t.same(await store.deliveries.claim(['email'], 10, now + 4, LEASE, TOKEN), [], 'not due');
    const [claimed] = await store.deliveries.claim(['email'], 10, now + 5, LEASE, TOKEN);
    t.match(claimed, { id: email1.id, attempts: 1 });
    t.ok(await store.deliveries.complete(email1.id, TOKEN, 'failed', now + 6, { error: 'x' }));
    t.same(await list({}), [email2.id, sms1.id, email1.id], 'dead again');
    await store.notifications.purgeBefore(f.ids('ntf'), 100);
    t.same(await list({}), [], 'purged with their notifications');
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
