// SQLite analytics written on a thread of its own (store/sqlite/analytics-write-thread.ts):
// the event loop turns while a batch is written, close() writes what was accepted, and a
// thread that cannot run hands the writes back to the store's own connection.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { AnalyticsEventRecord, AnalyticsStore } from '../../src/analytics/store.js';
import { NotifydError } from '../../src/core/errors.js';
import { SqliteAnalyticsStore } from '../../src/store/sqlite/analytics.js';
import { AnalyticsWriteThread } from '../../src/store/sqlite/analytics-write-thread.js';
import { openDatabase } from '../../src/store/sqlite/connection.js';
import { SqliteHandle } from '../../src/store/sqlite/handle.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';

const T0 = Date.UTC(2026, 0, 1);
const ALL = { tenant_id: null, from: 0, to: T0 + 86_400_000 };
const dir = t.testdir();
let n = 0;

/** `count` signups of distinct users, one a millisecond from T0. */
function events(count: number, prefix = 'e'): AnalyticsEventRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `aev_${prefix}${String(i).padStart(8, '0')}`,
    tenant_id: 't1',
    event_type: 'signup',
    user_id: `u${i}`,
    event_id: null,
    properties: { i },
    timestamp: T0 + i,
    dims: '{}',
  }));
}

async function countOf(store: { analytics: AnalyticsStore }): Promise<number> {
  const rows = await store.analytics.rollups('day', { ...ALL, event_types: ['signup'] });
  return rows.reduce((a, r) => a + r.count, 0);
}

t.test('the event loop turns while a batch is written on the thread', async (t) => {
  const store = openSqliteStore({ path: join(dir, `s${++n}.db`) });
  t.teardown(() => store.close());
  // The thread starts with the first write: start it before the batch watched below.
  await store.analytics.append(events(1, 'warm'));
  let turns = 0;
  let counting = true;
  const turn = () => {
    turns++;
    if (counting) setImmediate(turn);
  };
  setImmediate(turn);
  const kept = await store.analytics.append(events(20_000));
  counting = false;
  t.equal(kept.filter(Boolean).length, 20_000, 'every event kept');
  // Written on the event loop, the batch is one synchronous write between two turns.
  t.ok(turns > 2, `the loop turned while the batch was written (${turns} turns)`);
  t.equal(await countOf(store), 20_001, 'a read on the store connection sees the commit');
});

t.test('the same answers with and without the thread', async (t) => {
  const answers = [];
  for (const analyticsWriteThread of [true, false]) {
    const store = openSqliteStore({ path: join(dir, `s${++n}.db`), analyticsWriteThread });
    const batch = events(300);
    const first = await store.analytics.append(batch);
    const again = await store.analytics.append([...batch.slice(0, 2), ...events(2, 'x')]);
    const users = await store.analytics.activeUsers('t1', [{ from: 0, to: ALL.to }]);
    answers.push({ first, again, users, count: await countOf(store) });
    await store.close();
  }
  t.same(answers[0], answers[1]);
  t.same(answers[0]!.again, [false, false, true, true], 'known ids are not kept again');
});

t.test('close writes the appends it was given; reopening keeps them', async (t) => {
  const path = join(dir, `s${++n}.db`);
  const store = openSqliteStore({ path });
  const writes = [store.analytics.append(events(500)), store.analytics.append(events(5, 'y'))];
  await store.close();
  t.same((await Promise.all(writes)).flat().filter(Boolean).length, 505, 'settled by close');
  const again = openSqliteStore({ path });
  t.teardown(() => again.close());
  t.equal(await countOf(again), 505);
});

t.test('the purge runs on the thread', async (t) => {
  const store = openSqliteStore({ path: join(dir, `s${++n}.db`) });
  t.teardown(() => store.close());
  await store.analytics.append(events(10));
  const cut = T0 + 5;
  const dropped = await store.analytics.purge({ raw: cut, minute: 0, hour: 0, day: 0 });
  t.equal(dropped, 5, 'five raw events before the cutoff');
  const left = await store.analytics.scan({ ...ALL }, 100);
  t.equal(left.length, 5);
});

t.test('a thread that cannot open the file hands writes back to the store', async (t) => {
  const path = join(dir, `s${++n}.db`);
  const main = openSqliteStore({ path, analyticsWriteThread: false });
  t.teardown(() => main.close());
  // A thread pointed at a path that is not a database fails as it starts.
  const notADir = join(dir, 'a-file');
  writeFileSync(notADir, 'x');
  const warnings: string[] = [];
  const thread = new AnalyticsWriteThread({ path: join(notADir, 'x.db') }, (err) =>
    warnings.push(err.message),
  );
  // The analytics file on a connection of its own, written through a store with that thread.
  const db = openDatabase({ path: main.analyticsPath });
  t.teardown(() => db.close());
  const store = new SqliteAnalyticsStore(new SqliteHandle(db), thread);
  const lost = await store.append(events(3)).then(
    () => null,
    (err: unknown) => err,
  );
  t.ok(lost instanceof NotifydError, 'the call under way fails');
  t.equal((lost as NotifydError).code, 'STORE_UNAVAILABLE', 'as the store being unavailable');
  t.equal(warnings.length, 1, 'the failure is heard once');
  t.same(await store.append(events(3, 'z')), [true, true, true], 'later writes go on');
  t.equal(await countOf(main), 3, 'written on the store connection');
  await store.drain();
});
