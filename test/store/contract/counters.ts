import type { Test } from 'tap';
import { type MakeStore, storeFor } from './fixtures.js';

const T0 = Date.UTC(2026, 0, 1);

/** Counters: atomic increments, expiry, purging. */
export function countersContract(t: Test, make: MakeStore): void {
  t.test('increment adds and resolves to the new value', async (t) => {
    const store = await storeFor(t, make);
    t.equal(await store.counters.get('a', T0), 0, 'absent is 0');
    t.equal(await store.counters.increment('a', 1, 1000, T0), 1);
    t.equal(await store.counters.increment('a', 5, 1000, T0 + 1), 6);
    t.equal(await store.counters.increment('b', 2, 1000, T0), 2, 'keys are independent');
    t.equal(await store.counters.get('a', T0 + 2), 6);
  });

  t.test('concurrent increments are atomic', async (t) => {
    const store = await storeFor(t, make);
    const values = await Promise.all(
      Array.from({ length: 200 }, () => store.counters.increment('hot', 1, 60_000, T0)),
    );
    t.equal(await store.counters.get('hot', T0), 200);
    t.same(
      [...values].sort((x, y) => x - y),
      Array.from({ length: 200 }, (_, i) => i + 1),
      'every increment saw a distinct value',
    );
  });

  t.test('a counter keeps its first expiry and restarts at 0 once expired', async (t) => {
    const store = await storeFor(t, make);
    await store.counters.increment('w', 1, 1000, T0);
    await store.counters.increment('w', 1, 1000, T0 + 900); // must not push expiry to T0+1900
    t.equal(await store.counters.get('w', T0 + 999), 2);
    t.equal(await store.counters.get('w', T0 + 1000), 0, 'expired at its expiry');
    t.equal(await store.counters.increment('w', 3, 1000, T0 + 1000), 3, 'starts again');
    t.equal(await store.counters.get('w', T0 + 1999), 3, 'with a new expiry');
    t.equal(await store.counters.get('w', T0 + 2000), 0);
  });

  t.test('purgeExpired forgets counters expired at or before now', async (t) => {
    const store = await storeFor(t, make);
    await store.counters.increment('short', 1, 1000, T0);
    await store.counters.increment('mid', 1, 2000, T0);
    await store.counters.increment('long', 1, 5000, T0);
    t.equal(await store.counters.purgeExpired(T0 + 999), 0);
    t.equal(await store.counters.purgeExpired(T0 + 2000), 2);
    t.equal(await store.counters.purgeExpired(T0 + 2000), 0);
    t.equal(await store.counters.get('long', T0 + 2000), 1);
    t.equal(await store.counters.increment('short', 1, 1000, T0 + 2000), 1);
  });
}
