import t from 'tap';
import { NotifydError } from '../../src/core/errors.js';
import { connectStore } from '../../src/store/connecting.js';
import { storeUnavailable } from '../../src/store/errors.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import type { Store } from '../../src/store/types.js';

/** An opener that fails with these errors in turn, then opens a memory store. */
function opener(failures: unknown[]) {
  const opened: Store[] = [];
  let calls = 0;
  const open = async () => {
    calls++;
    const failure = failures.shift();
    if (failure) throw failure;
    const store = createMemoryStore();
    opened.push(store);
    return store;
  };
  return { open, opened, calls: () => calls };
}

t.test('a store that opens at once is used at once', async (t) => {
  const { open } = opener([]);
  const store = connectStore(open, { backend: 'memory', maxDelayMs: 100 });
  t.equal(await store.firstAttempt, true);
  await store.ready;
  t.equal(store.backend, 'memory');
  t.equal(await store.keys.count(), 0);
  await t.resolves(store.ping());
  await store.close();
  await t.rejects(store.keys.count(), { code: 'STORE_UNAVAILABLE' }, 'closed with the store');
});

t.test(
  'while the backend is down, calls are STORE_UNAVAILABLE and opening is retried',
  async (t) => {
    const { open, calls } = opener([storeUnavailable(), storeUnavailable(), storeUnavailable()]);
    const retries: Array<[number, number]> = [];
    const store = connectStore(open, {
      backend: 'postgres',
      initialDelayMs: 5,
      maxDelayMs: 12,
      onRetry: (err, delay, attempt) => {
        t.match(err, { code: 'STORE_UNAVAILABLE' });
        retries.push([attempt, delay]);
      },
    });
    t.equal(await store.firstAttempt, false);
    await t.rejects(store.ping(), { code: 'STORE_UNAVAILABLE' });
    await t.rejects(store.notifications.unreadCounts('t', 'u'), { code: 'STORE_UNAVAILABLE' });
    await t.rejects(store.deliveries.listByNotification('t', 'n'), { code: 'STORE_UNAVAILABLE' });
    await t.rejects(store.counters.get('k', 0), { code: 'STORE_UNAVAILABLE' });
    await store.ready;
    t.same(
      retries,
      [
        [1, 5],
        [2, 10],
        [3, 12],
      ],
      'delays double up to the bound',
    );
    t.equal(calls(), 4);
    t.equal(await store.counters.increment('k', 2, 1000, 0), 2, 'calls reach the opened store');
    await store.close();
  },
);

t.test('a failure retrying cannot fix ends the attempts', async (t) => {
  const broken = new Error('The database is at schema version 9, newer than this notifyd knows');
  const first = connectStore(opener([broken]).open, { backend: 'sqlite', maxDelayMs: 10 });
  await t.rejects(first.firstAttempt, broken, 'at the first attempt');
  await t.rejects(first.ready, broken);
  await first.close();

  const later = opener([storeUnavailable(), new NotifydError('VALIDATION_ERROR')]);
  const store = connectStore(later.open, { backend: 'sqlite', initialDelayMs: 1, maxDelayMs: 5 });
  t.equal(await store.firstAttempt, false);
  await t.rejects(store.ready, { code: 'VALIDATION_ERROR' }, 'after retrying');
  t.equal(later.calls(), 2);
  await store.close();
});

t.test('closing stops the retries and closes what an attempt in flight opens', async (t) => {
  const down = opener([storeUnavailable(), storeUnavailable()]);
  const store = connectStore(down.open, { backend: 'redis', initialDelayMs: 50, maxDelayMs: 50 });
  t.equal(await store.firstAttempt, false);
  await store.close();
  await new Promise((r) => setTimeout(r, 120));
  t.equal(down.calls(), 1, 'no attempt after close');

  let finish: (s: Store) => void = () => {};
  const slow = connectStore(() => new Promise<Store>((resolve) => (finish = resolve)), {
    backend: 'redis',
    maxDelayMs: 50,
  });
  const closing = slow.close();
  const late = createMemoryStore();
  finish(late);
  await closing;
  await t.rejects(late.ping(), { code: 'STORE_UNAVAILABLE' }, 'the late store was closed');
  await t.rejects(slow.ping(), { code: 'STORE_UNAVAILABLE' });
});

t.test('concerns placed in this process serve before the backend opens', async (t) => {
  const down = opener([storeUnavailable()]);
  const local = createMemoryStore();
  const placement = {
    notifications: 'sqlite',
    deliveries: 'sqlite',
    keys: 'sqlite',
    counters: 'sqlite',
    queues: 'sqlite',
    objects: 'sqlite',
    ratelimit: 'memory',
    analytics: 'sqlite',
    subscribers: 'sqlite',
    devices: 'sqlite',
    topicMembers: 'sqlite',
    preferences: 'sqlite',
    jobs: 'sqlite',
    requests: 'sqlite',
  } as const;
  const store = connectStore(down.open, {
    backend: 'sqlite',
    placement,
    local,
    initialDelayMs: 5,
    maxDelayMs: 5,
  });
  t.equal(await store.firstAttempt, false);
  t.equal(store.backendOf('ratelimit'), 'memory', 'known before it opens');
  t.equal(store.backendOf('keys'), 'sqlite');
  t.equal(store.ratelimit, local.ratelimit, 'served from the local store');
  await t.rejects(store.keys.count(), { code: 'STORE_UNAVAILABLE' });
  await store.close();
  await t.rejects(local.ping(), { code: 'STORE_UNAVAILABLE' }, 'closed with the store');

  const unplaced = connectStore(opener([]).open, { backend: 'postgres', maxDelayMs: 5 });
  t.equal(unplaced.backendOf('ratelimit'), 'postgres', 'without a placement: all on the backend');
  await unplaced.close();
});
