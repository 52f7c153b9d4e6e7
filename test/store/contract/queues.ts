import type { Test } from 'tap';
import type { QueuedItem, Store } from '../../../src/store/types.js';
import { Fixture, type MakeStore, storeFor } from './fixtures.js';

const TTL = 60_000;

/** A queued item for `alice` in `t1`, made now and expiring TTL later unless overridden. */
function item(f: Fixture, over: Partial<QueuedItem> = {}): QueuedItem {
  const now = f.clock.now();
  const id = over.id ?? f.ids('ntf');
  return {
    id,
    tenant_id: 't1',
    user_id: 'alice',
    payload: JSON.stringify({ id, title: 'Héllo "there"', n: 12345678901234 }),
    queued_at: now,
    expires_at: now + TTL,
    ...over,
  };
}

const ids = (items: QueuedItem[]) => items.map((i) => i.id);
const byId = (a: QueuedItem, b: QueuedItem) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Takes expired items until none are left; resolves to everything it took. */
async function drain(store: Store, q: string, now: number, limit: number) {
  const taken: QueuedItem[] = [];
  for (;;) {
    const batch = await store.queues.takeExpired(q, now, limit);
    if (batch.length === 0) return taken;
    taken.push(...batch);
  }
}

/**
 * Per-user queues with expiry: offline queue and ack tracking. Queues of different names
 * are separate (a test says so), so every test takes names of its own and all share one
 * store: opening a durable store per test would cost more than the tests.
 */
export async function queuesContract(t: Test, make: MakeStore): Promise<void> {
  const store = await storeFor(t, make);
  let n = 0;
  const queueName = () => `queue-${++n}`;
  t.test('push stores items; list gives them back lowest id first', async (t) => {
    const f = new Fixture();
    const Q = queueName();
    const [a, b, c] = [item(f), item(f), item(f)];
    t.equal(await store.queues.push(Q, [c, a], 10), 0, 'nothing dropped');
    t.equal(await store.queues.push(Q, [b], 10), 0);
    t.same(await store.queues.list(Q, 't1', 'alice', f.clock.now(), 10), [a, b, c]);
    t.equal(await store.queues.push(Q, [], 10), 0, 'an empty push is fine');
  });

  t.test('an id already queued keeps its first entry', async (t) => {
    const f = new Fixture();
    const Q = queueName();
    const first = item(f);
    await store.queues.push(Q, [first], 10);
    const again = { ...first, payload: 'changed', expires_at: first.expires_at + 5 };
    t.equal(await store.queues.push(Q, [again, again], 10), 0);
    t.same(await store.queues.list(Q, 't1', 'alice', f.clock.now(), 10), [first]);
    t.equal(await store.queues.count(Q, f.clock.now()), 1, 'counted once');
    const other = item(f);
    t.equal(await store.queues.push(Q, [other, { ...other, payload: 'dup' }], 10), 0);
    t.same(await store.queues.list(Q, 't1', 'alice', f.clock.now(), 10), [first, other]);
  });

  t.test('past its cap a user’s queue keeps its highest ids', async (t) => {
    const f = new Fixture();
    const Q = queueName();
    const items = Array.from({ length: 5 }, () => item(f));
    const bobs = [item(f, { user_id: 'bob' })];
    t.equal(await store.queues.push(Q, [...items, ...bobs], 3), 2, 'two dropped');
    const now = f.clock.now();
    t.same(await store.queues.list(Q, 't1', 'alice', now, 10), items.slice(2));
    t.same(await store.queues.list(Q, 't1', 'bob', now, 10), bobs, 'per user');
    const newer = item(f);
    t.equal(await store.queues.push(Q, [newer], 3), 1);
    t.same(
      ids(await store.queues.list(Q, 't1', 'alice', now, 10)),
      ids([...items.slice(3), newer]),
    );
    const older = item(f, { id: items[0].id });
    t.equal(await store.queues.push(Q, [older], 3), 1, 'an id below the cap drops itself');
    t.same(
      ids(await store.queues.list(Q, 't1', 'alice', now, 10)),
      ids([...items.slice(3), newer]),
    );
    t.equal(await store.queues.count(Q, now), 4);
  });

  t.test('list leaves out expired items and honours its limit', async (t) => {
    const f = new Fixture();
    const Q = queueName();
    const now = f.clock.now();
    const soon = item(f, { expires_at: now + 10 });
    const later = item(f, { expires_at: now + 20 });
    const latest = item(f);
    await store.queues.push(Q, [soon, later, latest], 10);
    t.same(await store.queues.list(Q, 't1', 'alice', now, 2), [soon, later], 'limit');
    t.same(await store.queues.list(Q, 't1', 'alice', now + 10, 10), [later, latest], 'at expiry');
    t.same(await store.queues.list(Q, 't1', 'alice', now + 10, 1), [later], 'limit after expiry');
    t.same(await store.queues.list(Q, 't1', 'alice', now + TTL, 10), []);
    t.same(await store.queues.list(Q, 't1', 'alice', now, 0), [], 'limit 0');
    t.same(await store.queues.list(Q, 't1', 'nobody', now, 10), []);
  });

  t.test('remove takes ids out of the user’s queue and returns them', async (t) => {
    const f = new Fixture();
    const Q = queueName();
    const [a, b, c] = [item(f), item(f), item(f)];
    const bobs = item(f, { user_id: 'bob' });
    await store.queues.push(Q, [a, b, c, bobs], 10);
    const removed = await store.queues.remove(Q, 't1', 'alice', [c.id, a.id, c.id, 'ntf_x']);
    t.same(removed, [a, c], 'the removed items, lowest id first, each once');
    t.same(await store.queues.remove(Q, 't1', 'alice', [a.id]), [], 'already gone');
    t.same(await store.queues.remove(Q, 't1', 'alice', [bobs.id]), [], 'not another user’s');
    t.same(await store.queues.remove(Q, 't1', 'alice', []), []);
    const now = f.clock.now();
    t.same(await store.queues.list(Q, 't1', 'alice', now, 10), [b]);
    t.same(await store.queues.list(Q, 't1', 'bob', now, 10), [bobs]);
    t.equal(await store.queues.count(Q, now), 2);
    t.same(await store.queues.remove(Q, 't1', 'alice', [b.id]), [b]);
    await store.queues.push(Q, [a], 10);
    t.same(await store.queues.list(Q, 't1', 'alice', now, 10), [a], 'can be queued again');
  });

  t.test('remove returns an expired item it removes', async (t) => {
    const f = new Fixture();
    const Q = queueName();
    const a = item(f, { expires_at: f.clock.now() + 1 });
    await store.queues.push(Q, [a], 10);
    t.same(await store.queues.remove(Q, 't1', 'alice', [a.id]), [a]);
    t.same(await store.queues.takeExpired(Q, a.expires_at + 1, 10), [], 'and it is not swept');
  });

  t.test('takeExpired removes expired items of every user, earliest expiry first', async (t) => {
    const f = new Fixture();
    const Q = queueName();
    const now = f.clock.now();
    const a = item(f, { expires_at: now + 30 });
    const b = item(f, { expires_at: now + 10, user_id: 'bob' });
    const c = item(f, { expires_at: now + 10, tenant_id: 't2' });
    const d = item(f, { expires_at: now + 20 });
    const e = item(f, { expires_at: now + 40 });
    await store.queues.push(Q, [a, b, c, d, e], 10);
    t.same(await store.queues.takeExpired(Q, now + 9, 10), [], 'nothing expired yet');
    t.same(await store.queues.takeExpired(Q, now + 30, 0), [], 'limit 0');
    t.same(await store.queues.takeExpired(Q, now + 30, 2), [b, c], 'by expiry, then id');
    t.same(await store.queues.takeExpired(Q, now + 30, 10), [d, a], 'at or before now');
    t.same(await store.queues.takeExpired(Q, now + 30, 10), [], 'each taken once');
    t.same(await store.queues.list(Q, 't1', 'alice', now, 10), [e], 'taken items are gone');
    t.same(await store.queues.list(Q, 't1', 'bob', now, 10), []);
    t.equal(await store.queues.count(Q, now), 1);
    await store.queues.push(Q, [b], 10);
    t.same(await store.queues.list(Q, 't1', 'bob', now, 10), [b], 'can be queued again');
  });

  t.test('concurrent takers never get the same item', async (t) => {
    const f = new Fixture();
    const Q = queueName();
    const now = f.clock.now();
    const users = ['alice', 'bob', 'carol', 'dave'];
    const items = Array.from({ length: 80 }, (_, i) =>
      item(f, { user_id: users[i % users.length], expires_at: now + (i % 7) }),
    );
    await store.queues.push(Q, items, 100);
    const takers = await Promise.all(Array.from({ length: 6 }, () => drain(store, Q, now + 10, 7)));
    const taken = takers.flat();
    t.equal(taken.length, items.length, 'every item taken');
    t.equal(new Set(ids(taken)).size, items.length, 'none twice');
    t.same([...taken].sort(byId), [...items].sort(byId), 'as they were pushed');
    t.equal(await store.queues.count(Q, now), 0);
  });

  t.test('count counts unexpired items of one tenant or of all', async (t) => {
    const f = new Fixture();
    const Q = queueName();
    const A = queueName();
    const now = f.clock.now();
    t.equal(await store.queues.count(Q, now), 0, 'empty');
    await store.queues.push(
      Q,
      [
        item(f),
        item(f, { user_id: 'bob' }),
        item(f, { expires_at: now + 5 }),
        item(f, { tenant_id: 't2' }),
      ],
      10,
    );
    t.equal(await store.queues.count(Q, now), 4);
    t.equal(await store.queues.count(Q, now, 't1'), 3);
    t.equal(await store.queues.count(Q, now, 't2'), 1);
    t.equal(await store.queues.count(Q, now, 't3'), 0);
    t.equal(await store.queues.count(Q, now + 5, 't1'), 2, 'expired ones are not counted');
    t.equal(await store.queues.count(Q, now + 5), 3);
    t.equal(await store.queues.count(A, now), 0, 'per queue');
  });

  t.test('queues of different names are separate', async (t) => {
    const f = new Fixture();
    const Q = queueName();
    const A = queueName();
    const now = f.clock.now();
    const a = item(f, { expires_at: now + 1 });
    const b = item(f);
    await store.queues.push(Q, [a, b], 10);
    const acked = { ...a, payload: 'ack' };
    await store.queues.push(A, [acked], 1);
    t.same(await store.queues.list(Q, 't1', 'alice', now, 10), [a, b], 'cap per queue');
    t.same(await store.queues.list(A, 't1', 'alice', now, 10), [acked]);
    t.same(await store.queues.takeExpired(A, now + 1, 10), [acked]);
    t.same(await store.queues.list(Q, 't1', 'alice', now, 10), [a, b]);
    t.same(await store.queues.remove(A, 't1', 'alice', [b.id]), []);
    t.equal(await store.queues.count(Q, now), 2);
    t.equal(await store.queues.count(A, now), 0);
  });

  t.test('tenants and users are separate, even with awkward names', async (t) => {
    const f = new Fixture();
    const Q = queueName();
    const now = f.clock.now();
    const id = f.ids('ntf');
    const one = item(f, { id, tenant_id: 'a:b', user_id: 'c' });
    const two = item(f, { id, tenant_id: 'a', user_id: 'b:c' });
    const three = item(f, { id, tenant_id: 'a%3Ab', user_id: 'c' });
    await store.queues.push(Q, [one, two, three], 1);
    t.same(await store.queues.list(Q, 'a:b', 'c', now, 10), [one]);
    t.same(await store.queues.list(Q, 'a', 'b:c', now, 10), [two]);
    t.same(await store.queues.list(Q, 'a%3Ab', 'c', now, 10), [three]);
    t.equal(await store.queues.count(Q, now, 'a:b'), 1);
    t.same(await store.queues.remove(Q, 'a', 'b:c', [id]), [two]);
    t.same(await store.queues.list(Q, 'a:b', 'c', now, 10), [one], 'same id, other user kept');
    const taken = await store.queues.takeExpired(Q, now + TTL, 10);
    t.same(taken.sort(byTenant), [one, three].sort(byTenant), 'expiry and id tie: any order');
  });
}

const byTenant = (a: QueuedItem, b: QueuedItem) =>
  a.tenant_id < b.tenant_id ? -1 : a.tenant_id > b.tenant_id ? 1 : 0;
