import type { Test } from 'tap';
import { StoreConflictError } from '../../../src/store/errors.js';
import { STORE_CONCERNS } from '../../../src/store/placement.js';
import type { Store } from '../../../src/store/types.js';
import { Fixture, type MakeStore, storeFor } from './fixtures.js';

const unavailable = { code: 'STORE_UNAVAILABLE', status: 503 };

/** Atomic and grouped inserts, copies in and out, ping and close. */
export function lifecycleContract(t: Test, make: MakeStore): void {
  t.test('an insert that fails writes none of its items', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const existing = f.item();
    await store.notifications.insert([existing]);
    const fresh = f.item({}, { key: 'k', ttlMs: 1000 });
    const clash = {
      ...f.item(),
      notification: { ...f.item().notification, id: existing.notification.id },
    };
    await t.rejects(store.notifications.insert([fresh, clash]), StoreConflictError);
    t.equal(await store.notifications.get('t1', 'alice', fresh.notification.id), null);
    t.same(await store.deliveries.listByNotification('t1', fresh.notification.id), []);
    const retry = f.item({}, { key: 'k', ttlMs: 1000 });
    t.same(await store.notifications.insert([retry]), [{ status: 'created' }], 'key not taken');
    const item = f.item();
    const twice = { ...item, deliveries: [item.deliveries[0], item.deliveries[0]] };
    await t.rejects(
      store.notifications.insert([twice]),
      StoreConflictError,
      'repeated delivery id',
    );
    t.equal(await store.notifications.get('t1', 'alice', item.notification.id), null);
  });

  t.test('a failing insert does not fail others made at the same time', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const existing = f.item();
    await store.notifications.insert([existing]);
    const [a, b] = [f.item(), f.item()];
    const bad = {
      ...f.item(),
      notification: { ...f.item().notification, id: existing.notification.id },
    };
    const results = await Promise.allSettled([
      store.notifications.insert([a]),
      store.notifications.insert([bad]),
      store.notifications.insert([b]),
    ]);
    t.same(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    t.ok(await store.notifications.get('t1', 'alice', a.notification.id));
    t.ok(await store.notifications.get('t1', 'alice', b.notification.id));
  });

  t.test('many concurrent inserts all resolve and are all stored', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const items = Array.from({ length: 1000 }, (_, i) => f.item({ recipient_id: `u${i % 10}` }));
    const outcomes = await Promise.all(items.map((i) => store.notifications.insert([i])));
    t.equal(outcomes.flat().filter((o) => o.status === 'created').length, 1000);
    const page = await store.notifications.list({
      tenant_id: 't1',
      recipient_id: 'u3',
      limit: 200,
    });
    t.equal(page.items.length, 100);
    t.equal(page.has_more, false);
  });

  t.test('records are copied in and out', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const item = f.item();
    const original = structuredClone(item);
    await store.notifications.insert([item]);
    item.notification.content.title = 'changed';
    item.notification.channels.push('sms');
    item.deliveries[0].status = 'dead';
    const got = await store.notifications.get('t1', 'alice', original.notification.id);
    t.same(got, original.notification);
    got!.content.title = 'changed again';
    (got!.data as { tags: string[] }).tags.push('y');
    t.same(
      await store.notifications.get('t1', 'alice', original.notification.id),
      original.notification,
    );
    t.same(
      await store.deliveries.listByNotification('t1', original.notification.id),
      original.deliveries,
    );
    const key = f.key();
    await store.keys.create(key);
    key.scopes.push('notifications:admin');
    const stored = await store.keys.get(key.id);
    t.same(stored?.scopes, ['notifications:send']);
    stored!.ip_allowlist.length = 0;
    t.equal((await store.keys.findByHash(key.hash))?.ip_allowlist.length, 2);
  });

  t.test('ping answers while open; after close every call is STORE_UNAVAILABLE', async (t) => {
    const f = new Fixture();
    const store = await make();
    await t.resolves(store.ping());
    t.type(store.backend, 'string');
    // An adapter serves every concern itself.
    for (const concern of STORE_CONCERNS) t.equal(store.backendOf(concern), store.backend, concern);
    await store.close();
    await store.close(); // closing twice is harmless
    await t.rejects(store.ping(), unavailable);
    await t.rejects(store.notifications.insert([f.item()]), unavailable);
    await t.rejects(
      store.notifications.list({ tenant_id: 't1', recipient_id: 'a', limit: 1 }),
      unavailable,
    );
    await t.rejects(store.deliveries.claim(['push'], 1, 0, 1, 'tok'), unavailable);
    await t.rejects(store.keys.count(), unavailable);
    await t.rejects(store.counters.increment('c', 1, 1, 0), unavailable);
    await t.rejects(store.queues.count('offline', 0), unavailable);
    await t.rejects(store.queues.takeExpired('offline', 0, 1), unavailable);
  });
}

/** What a durable backend must keep across close and open. */
export function durabilityContract<S extends Store>(
  t: Test,
  make: MakeStore<S>,
  reopen: (store: S) => Promise<S>,
): void {
  t.test('close writes pending inserts; reopening keeps everything', async (t) => {
    const f = new Fixture();
    const store = await make();
    const item = f.item({}, { key: 'k', ttlMs: 60_000 });
    const key = f.key();
    await store.keys.create(key);
    await store.counters.increment('c', 7, 60_000, f.clock.now());
    const queued = {
      id: item.notification.id,
      tenant_id: 't1',
      user_id: 'alice',
      payload: '{}',
      queued_at: f.clock.now(),
      expires_at: f.clock.now() + 60_000,
    };
    await store.queues.push('offline', [queued], 10);
    const pending = store.notifications.insert([item]); // not awaited before close
    await store.close();
    t.same(await pending, [{ status: 'created' }], 'resolved by close');
    const again = await reopen(store);
    t.teardown(() => again.close());
    t.same(await again.notifications.get('t1', 'alice', item.notification.id), item.notification);
    t.same(await again.deliveries.listByNotification('t1', item.notification.id), item.deliveries);
    t.same(await again.keys.get(key.id), key);
    t.equal(await again.counters.get('c', f.clock.now()), 7);
    t.same(await again.queues.list('offline', 't1', 'alice', f.clock.now(), 10), [queued]);
    const [dup] = await again.notifications.insert([f.item({}, { key: 'k', ttlMs: 1 })]);
    t.equal(dup.status, 'duplicate', 'idempotency keys survive too');
  });
}
