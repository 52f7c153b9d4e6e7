import type { Test } from 'tap';
import type { NewNotification, Store } from '../../../src/store/types.js';
import { Fixture, type MakeStore, storeFor } from './fixtures.js';

const HOUR = 3_600_000;

/** Nothing of a duplicate is written: no notification, no delivery, no new unread. */
async function assertNothingWritten(t: Test, store: Store, item: NewNotification) {
  const n = item.notification;
  t.equal(
    await store.notifications.get(n.tenant_id, n.recipient_id, n.id),
    null,
    'no notification',
  );
  t.same(await store.deliveries.listByNotification(n.tenant_id, n.id), [], 'no delivery');
}

/** Idempotency keys: duplicates inside and across batches, expiry, purging. */
export function idempotencyContract(t: Test, make: MakeStore): void {
  t.test('a key held by an unexpired notification makes a duplicate', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const first = f.item({}, { key: 'order-1', ttlMs: HOUR });
    t.same(await store.notifications.insert([first]), [{ status: 'created' }]);
    f.clock.advance(HOUR - 1);
    const again = f.item({ recipient_id: 'bob' }, { key: 'order-1', ttlMs: HOUR });
    t.same(await store.notifications.insert([again]), [
      {
        status: 'duplicate',
        notification_id: first.notification.id,
        request_id: first.notification.request_id,
      },
    ]);
    await assertNothingWritten(t, store, again);
    t.equal((await store.notifications.unreadCounts('t1', 'bob')).total, 0);
    const other = f.item({ tenant_id: 't2' }, { key: 'order-1', ttlMs: HOUR });
    t.same(await store.notifications.insert([other]), [{ status: 'created' }], 'per tenant');
  });

  t.test('an expired key is free again', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const first = f.item({}, { key: 'k', ttlMs: HOUR });
    await store.notifications.insert([first]);
    f.clock.advance(HOUR); // expiry is exclusive: at expires_at the key is free
    const second = f.item({}, { key: 'k', ttlMs: HOUR });
    t.same(await store.notifications.insert([second]), [{ status: 'created' }]);
    t.ok(await store.notifications.get('t1', 'alice', second.notification.id));
    f.clock.advance(1);
    const third = f.item({}, { key: 'k', ttlMs: HOUR });
    const [outcome] = await store.notifications.insert([third]);
    t.same(outcome, {
      status: 'duplicate',
      notification_id: second.notification.id,
      request_id: second.notification.request_id,
    });
  });

  t.test('within one batch the first item with a key wins', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const a = f.item({}, { key: 'k1', ttlMs: HOUR });
    const b = f.item({}, { key: 'k2', ttlMs: HOUR });
    const c = f.item({ recipient_id: 'bob' }, { key: 'k1', ttlMs: HOUR });
    const d = f.item();
    const e = f.item({}, { key: 'k2', ttlMs: HOUR });
    const dup = (x: NewNotification) => ({
      status: 'duplicate',
      notification_id: x.notification.id,
      request_id: x.notification.request_id,
    });
    t.same(await store.notifications.insert([a, b, c, d, e]), [
      { status: 'created' },
      { status: 'created' },
      dup(a),
      { status: 'created' },
      dup(b),
    ]);
    await assertNothingWritten(t, store, c);
    await assertNothingWritten(t, store, e);
    t.equal((await store.notifications.unreadCounts('t1', 'alice')).total, 3);
  });

  t.test('a large batch with many repeated keys writes one per key', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const items = Array.from({ length: 500 }, (_, i) =>
      f.item({ recipient_id: `u${i % 7}` }, { key: `k${i % 50}`, ttlMs: HOUR }),
    );
    const outcomes = await store.notifications.insert(items);
    t.equal(outcomes.filter((o) => o.status === 'created').length, 50);
    const wrong = outcomes.filter(
      (o, i) =>
        i >= 50 &&
        (o.status !== 'duplicate' || o.notification_id !== items[i % 50].notification.id),
    );
    t.same(wrong, [], 'each later item points at the first holder of its key');
    let stored = 0;
    for (let u = 0; u < 7; u++)
      stored += (await store.notifications.unreadCounts('t1', `u${u}`)).total;
    t.equal(stored, 50);
  });

  t.test(
    'a batch of distinct keys: held ones are duplicates, free and expired ones taken',
    async (t) => {
      const f = new Fixture();
      const store = await storeFor(t, make);
      const old = f.item({}, { key: 'old', ttlMs: 1000 });
      const held = f.item({}, { key: 'held', ttlMs: HOUR });
      const elsewhere = f.item({ tenant_id: 't2' }, { key: 'new', ttlMs: HOUR });
      await store.notifications.insert([old, held, elsewhere]);
      f.clock.advance(1000);
      const batch = ['held', 'new', 'old', 'other'].map((key) =>
        f.item({ recipient_id: 'bob' }, { key, ttlMs: HOUR }),
      );
      t.same(await store.notifications.insert(batch), [
        {
          status: 'duplicate',
          notification_id: held.notification.id,
          request_id: held.notification.request_id,
        },
        { status: 'created' },
        { status: 'created' },
        { status: 'created' },
      ]);
      await assertNothingWritten(t, store, batch[0] as NewNotification);
      t.equal((await store.notifications.unreadCounts('t1', 'bob')).total, 3);
      // The expired key now points at its new holder.
      const later = f.item({}, { key: 'old', ttlMs: HOUR });
      t.match(await store.notifications.insert([later]), [
        { status: 'duplicate', notification_id: batch[2]?.notification.id },
      ]);
    },
  );

  t.test('concurrent batches sharing keys take each key once', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const keys = Array.from({ length: 20 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    // Each batch names every key, in its own order (reversed for every other one).
    const batches = Array.from({ length: 6 }, (_, b) =>
      (b % 2 ? [...keys].reverse() : keys).map((key) =>
        f.item({ recipient_id: `u${b}` }, { key, ttlMs: HOUR }),
      ),
    );
    const outcomes = await Promise.all(batches.map((items) => store.notifications.insert(items)));
    const created = outcomes.flat().filter((o) => o.status === 'created').length;
    t.equal(created, keys.length, 'one holder per key');
    const holders = new Map<string, string>();
    for (const [b, items] of batches.entries()) {
      for (const [i, item] of items.entries()) {
        const o = outcomes[b]?.[i];
        const key = item.idempotency?.key as string;
        const holder = o?.status === 'created' ? item.notification.id : o?.notification_id;
        if (holders.has(key)) t.equal(holder, holders.get(key), `${key}: one holder`);
        else holders.set(key, holder as string);
      }
    }
  });

  t.test('concurrent inserts of one key create it once', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const items = Array.from({ length: 5 }, () => f.item({}, { key: 'same', ttlMs: HOUR }));
    const outcomes = (await Promise.all(items.map((i) => store.notifications.insert([i])))).flat();
    t.same(outcomes[0], { status: 'created' }, 'the first call wins');
    for (const o of outcomes.slice(1)) {
      t.same(o, {
        status: 'duplicate',
        notification_id: items[0].notification.id,
        request_id: items[0].notification.request_id,
      });
    }
  });

  t.test('purgeExpiredIdempotency forgets keys expired at or before now', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const start = f.clock.now();
    await store.notifications.insert([
      f.item({}, { key: 'a', ttlMs: 1000 }),
      f.item({}, { key: 'b', ttlMs: 2000 }),
      f.item({ tenant_id: 't2' }, { key: 'a', ttlMs: 3000 }),
    ]);
    t.equal(await store.notifications.purgeExpiredIdempotency(start + 999), 0);
    t.equal(await store.notifications.purgeExpiredIdempotency(start + 2000), 2);
    t.equal(await store.notifications.purgeExpiredIdempotency(start + 2000), 0);
    const held = f.item({ tenant_id: 't2' }, { key: 'a', ttlMs: 1 });
    const [outcome] = await store.notifications.insert([held]);
    t.equal(outcome.status, 'duplicate', 'an unexpired key survives the purge');
    t.equal(await store.notifications.purgeExpiredIdempotency(start + 3000), 1);
  });

  t.test('heldKeys names who holds each unexpired key, per tenant, in order', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const start = f.clock.now();
    const a = f.item({}, { key: 'a', ttlMs: 1000 });
    const b = f.item({}, { key: 'b:c%', ttlMs: 3000 });
    await store.notifications.insert([
      a,
      b,
      f.item({ tenant_id: 't2' }, { key: 'x', ttlMs: HOUR }),
    ]);
    const holder = (x: NewNotification) => ({
      notification_id: x.notification.id,
      request_id: x.notification.request_id,
    });
    t.same(await store.notifications.heldKeys('t1', ['b:c%', 'free', 'a', 'x'], start), [
      holder(b),
      null,
      holder(a),
      null,
    ]);
    t.same(
      await store.notifications.heldKeys('t1', ['a', 'b:c%'], start + 1000),
      [null, holder(b)],
      'a key is free at its expiry',
    );
    t.same(await store.notifications.heldKeys('t1', [], start), []);
  });
}
