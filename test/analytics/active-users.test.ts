import t, { type Test } from 'tap';
import { type AnalyticsQuery, QueryEngine } from '../../src/analytics/query.js';
import type { AnalyticsEventRecord } from '../../src/analytics/store.js';
import { FakeClock } from '../../src/core/clock.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** 2026-03-10 09:17:23.456 UTC: off every bucket edge. */
const NOW = Date.UTC(2026, 2, 10, 9, 17, 23, 456);
const RETENTION = { raw_days: 90, minute_days: 2, hour_days: 30, day_days: 400 };
const iso = (ms: number) => new Date(ms).toISOString();
const dir = t.testdir();

/** 3,000 events over the last 45 days: 3 tenants, 60 users, a few without a user. */
function events(): AnalyticsEventRecord[] {
  let s = 11;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return Array.from({ length: 3000 }, (_, i) => ({
    id: `aev_${String(i).padStart(8, '0')}`,
    tenant_id: `t${1 + Math.floor(rand() * 3)}`,
    event_type: rand() < 0.5 ? 'auth.login' : 'feature_used',
    user_id: rand() < 0.03 ? null : `u${Math.floor(rand() * 60)}`,
    event_id: null,
    properties: {},
    timestamp: NOW - Math.floor(rand() * 45 * DAY),
    dims: '{}',
  }));
}

/** The same query forced onto the raw scan: a filter every event with a user passes. */
const scanned = (q: AnalyticsQuery): AnalyticsQuery => ({
  ...q,
  filters: [...(q.filters ?? []), { field: 'user_id', operator: 'neq', value: '' }],
});

const QUERIES: AnalyticsQuery[] = [
  // The bench's: DAU/MAU per day over 7 days, ending now (off the day edge).
  {
    metrics: ['dau', 'mau', 'dau_mau_ratio'],
    granularity: 'day',
    time_range: { start: iso(NOW - 7 * DAY), end: iso(NOW) },
  },
  { metrics: ['dau', 'wau', 'mau'], granularity: 'day', time_range: { preset: 'last_7d' } },
  {
    metrics: ['wau', 'dau'],
    granularity: 'hour',
    time_range: { start: iso(NOW - 30 * HOUR - 1234), end: iso(NOW) },
  },
  {
    metrics: ['mau', 'wau'],
    granularity: 'week',
    timezone: 'America/New_York',
    time_range: { start: iso(NOW - 40 * DAY), end: iso(NOW - 3 * HOUR) },
  },
  { metrics: ['dau_mau_ratio'], time_range: { preset: 'last_24h' } },
];

async function check(t: Test, store: Store): Promise<void> {
  const clock = new FakeClock(NOW);
  const engine = new QueryEngine(store.analytics, clock, {
    rollupDimensions: [],
    timeoutMs: 60_000,
    retention: RETENTION,
  });
  const all = events();
  for (let i = 0; i < all.length; i += 250) await store.analytics.append(all.slice(i, i + 250));
  for (const [n, q] of QUERIES.entries()) {
    for (const tenant of ['t1', null]) {
      const rows = await engine.run(tenant, q);
      const raw = await engine.run(tenant, scanned(q));
      t.equal(raw.metadata.source, 'raw');
      t.not(rows.metadata.source, 'raw', `query ${n} (${tenant}) counted from activity rows`);
      t.ok(
        rows.data.some((r) => Object.values(r.values).some((v) => v !== null && v > 0)),
        'not all zero',
      );
      t.same(rows.data, raw.data, `query ${n} (${tenant}): the scan's answer`);
    }
  }
  // A tenant filter on the caller's own tenant still reads rows; another one scans.
  const q = {
    ...QUERIES[0]!,
    filters: [{ field: 'tenant_id', operator: 'eq' as const, value: 't2' }],
  };
  const own = await engine.run('t2', q);
  t.equal(own.metadata.source, 'rollup');
  t.same(own.data, (await engine.run('t2', scanned(q))).data);
  t.same(
    (await engine.run(null, q)).data,
    (await engine.run(null, scanned(q))).data,
    'no caller tenant: the filter scopes, answers alike',
  );
  // A window starting before the raw retention reads raw events, as before.
  const old = await engine.run('t1', {
    metrics: ['mau'],
    granularity: 'day',
    time_range: { start: iso(NOW - 70 * DAY), end: iso(NOW - 60 * DAY) },
  });
  t.equal(old.metadata.source, 'raw');
}

t.test('memory: active users from activity rows answer as the scan does', async (t) => {
  const store = createMemoryStore();
  t.teardown(() => store.close());
  await check(t, store);
});

t.test('sqlite: active users from activity rows answer as the scan does', async (t) => {
  const store = openSqliteStore({ path: `${dir}/a.db` });
  t.teardown(() => store.close());
  await check(t, store);
});
