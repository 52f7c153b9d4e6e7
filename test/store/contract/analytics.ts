import type { Test } from 'tap';
import type { TimeWindow } from '../../../src/analytics/activity.js';
import type {
  AnalyticsEventRecord,
  FunnelCounts,
  FunnelQuery,
  RollupRow,
} from '../../../src/analytics/store.js';
import { type MakeStore, storeFor } from './fixtures.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const ALL = { tenant_id: null, from: 0, to: T0 + 365 * DAY };

let seq = 0;
/** An event at `ts` in tenant t1, type `signup`, with no dims unless given. */
function ev(ts: number, over: Partial<AnalyticsEventRecord> = {}): AnalyticsEventRecord {
  seq++;
  return {
    id: `aev_${String(ts).padStart(16, '0')}${String(seq).padStart(6, '0')}`,
    tenant_id: 't1',
    event_type: 'signup',
    user_id: `u${seq}`,
    event_id: null,
    properties: { plan: 'pro', n: seq, nested: { ok: true } },
    timestamp: ts,
    dims: '{}',
    ...over,
  };
}

/** Rollup rows as sorted, comparable strings. */
const rows = (r: RollupRow[]) =>
  r.map((x) => `${x.tenant_id} ${x.bucket - T0} ${x.event_type} ${x.dims} ${x.count}`).sort();

/** A small fast generator, so that runs are alike. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Distinct users of `events` (in a tenant, or across them for null) in each window. */
function activeIn(
  events: readonly AnalyticsEventRecord[],
  tenant: string | null,
  windows: readonly TimeWindow[],
): number[] {
  return windows.map((w) => {
    const users = new Set<string>();
    for (const e of events) {
      if (e.user_id === null || (tenant !== null && e.tenant_id !== tenant)) continue;
      if (e.timestamp >= w.from && e.timestamp < w.to) users.add(e.user_id);
    }
    return users.size;
  });
}

/** Windows of 1, 2, 7 and 10 days, starting anywhere in `[from, from + days)`, some on a day. */
function windowsFrom(rand: () => number, from: number, days: number): TimeWindow[] {
  const out: TimeWindow[] = [];
  for (const len of [1, 2, 7, 10]) {
    for (let i = 0; i < 12; i++) {
      const start =
        i < 3 ? from + Math.floor(rand() * days) * DAY : from + Math.floor(rand() * days * DAY);
      out.push({
        from: start,
        to: start + len * DAY + (i % 4 === 3 ? 1 + Math.floor(rand() * HOUR) : 0),
      });
    }
  }
  return out;
}

/**
 * A funnel's counts by its definition, from the events themselves: per user (across tenants
 * for null), the first step-0 event in range, then each step's first event of its type after
 * the previous step's in (timestamp, id) order and within the window of step 0.
 */
function funnelIn(
  events: readonly AnalyticsEventRecord[],
  q: FunnelQuery,
): Omit<FunnelCounts, 'rows_read'> {
  const byUser = new Map<string, AnalyticsEventRecord[]>();
  const sorted = [...events].sort(
    (a, b) => a.timestamp - b.timestamp || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  for (const e of sorted) {
    if (e.user_id === null || (q.tenant_id !== null && e.tenant_id !== q.tenant_id)) continue;
    const list = byUser.get(e.user_id) ?? [];
    list.push(e);
    byUser.set(e.user_id, list);
  }
  const n = q.steps.length;
  const out = {
    reached: new Array<number>(n).fill(0),
    gaps: new Array<number>(n).fill(0),
    total: 0,
  };
  for (const list of byUser.values()) {
    let at = list.findIndex(
      (e) => e.event_type === q.steps[0] && e.timestamp >= q.from && e.timestamp < q.to,
    );
    if (at < 0) continue;
    const times = [list[at]!.timestamp];
    for (let k = 1; k < n; k++) {
      const next = list.findIndex(
        (e, i) => i > at && e.event_type === q.steps[k] && e.timestamp - times[0]! <= q.window_ms,
      );
      if (next < 0) break;
      times.push(list[next]!.timestamp);
      at = next;
    }
    times.forEach((ts, k) => {
      out.reached[k]!++;
      if (k > 0) out.gaps[k]! += ts - times[k - 1]!;
    });
    if (times.length === n) out.total += times[n - 1]! - times[0]!;
  }
  return out;
}

/** Analytics: events appended with their rollups, idempotency, scans, purging. */
export function analyticsContract(t: Test, make: MakeStore): void {
  t.test('append keeps events and scan returns them in time order, whole', async (t) => {
    const store = await storeFor(t, make);
    const late = ev(T0 + 2 * MIN);
    const early = ev(T0 + MIN, { user_id: null, properties: { a: [1, 'x'], b: null } });
    t.same(await store.analytics.append([late, early]), [true, true]);
    t.same(await store.analytics.append([]), []);
    const got = await store.analytics.scan(ALL, 10);
    t.same(got, [early, late], 'ordered by timestamp, fields and properties intact');
  });

  t.test('rollups count per bucket, tenant, type and dims in every granularity', async (t) => {
    const store = await storeFor(t, make);
    await store.analytics.append([
      ev(T0 + 10_000, { dims: '{"channel":"email"}' }),
      ev(T0 + 50_000, { dims: '{"channel":"email"}' }),
      ev(T0 + MIN + 1, { dims: '{"channel":"email"}' }),
      ev(T0 + HOUR + 5, { dims: '{"channel":"sms"}' }),
      ev(T0 + DAY + 5, { event_type: 'login' }),
      ev(T0 + 20, { tenant_id: 't2' }),
    ]);
    t.same(
      rows(await store.analytics.rollups('minute', ALL)),
      [
        `t1 0 signup {"channel":"email"} 2`,
        `t1 ${DAY} login {} 1`,
        `t1 ${HOUR} signup {"channel":"sms"} 1`,
        `t1 ${MIN} signup {"channel":"email"} 1`,
        't2 0 signup {} 1',
      ].sort(),
    );
    t.same(
      rows(await store.analytics.rollups('hour', ALL)),
      [
        `t1 0 signup {"channel":"email"} 3`,
        `t1 ${DAY} login {} 1`,
        `t1 ${HOUR} signup {"channel":"sms"} 1`,
        't2 0 signup {} 1',
      ].sort(),
    );
    t.same(
      rows(await store.analytics.rollups('day', ALL)),
      [
        `t1 0 signup {"channel":"email"} 3`,
        `t1 0 signup {"channel":"sms"} 1`,
        `t1 ${DAY} login {} 1`,
        't2 0 signup {} 1',
      ].sort(),
    );
    const t1Hours = { tenant_id: 't1', from: T0, to: T0 + DAY, event_types: ['signup'] };
    t.same(
      rows(await store.analytics.rollups('hour', t1Hours)),
      [`t1 0 signup {"channel":"email"} 3`, `t1 ${HOUR} signup {"channel":"sms"} 1`],
      'filtered by tenant, type and [from, to)',
    );
    const none = { ...t1Hours, event_types: [] };
    t.same(await store.analytics.rollups('hour', none), [], 'no types: nothing');
  });

  t.test('rollup buckets before the given cutoffs are not written; events are', async (t) => {
    const store = await storeFor(t, make);
    const events = [ev(T0 + 5), ev(T0 + HOUR + 5), ev(T0 + DAY + HOUR + 5)];
    const cutoffs = { minute: T0 + DAY + HOUR, hour: T0 + HOUR, day: T0 };
    t.same(await store.analytics.append(events, cutoffs), [true, true, true]);
    t.equal((await store.analytics.scan(ALL, 10)).length, 3, 'every event is kept');
    t.same(rows(await store.analytics.rollups('minute', ALL)), [`t1 ${DAY + HOUR} signup {} 1`]);
    t.same(
      rows(await store.analytics.rollups('hour', ALL)),
      [`t1 ${HOUR} signup {} 1`, `t1 ${DAY + HOUR} signup {} 1`].sort(),
      'a bucket starting at its cutoff is written',
    );
    t.same(
      rows(await store.analytics.rollups('day', ALL)),
      ['t1 0 signup {} 2', `t1 ${DAY} signup {} 1`].sort(),
    );
  });

  t.test('a tallied notification event adds its occurrences to the rollups', async (t) => {
    const store = await storeFor(t, make);
    const dims = '{"channel":"in_app"}';
    const tallied = (n: unknown, over: Partial<AnalyticsEventRecord> = {}) =>
      ev(T0 + 5, {
        event_type: 'notification.delivered',
        user_id: null,
        properties: { channel: 'in_app', occurrences: n },
        dims,
        ...over,
      });
    await store.analytics.append([
      tallied(40),
      tallied(2),
      // Not a count: a fraction, a text, or a tracked event with a user or of another type.
      tallied(1.5),
      tallied('7'),
      tallied(9, { user_id: 'u1' }),
      tallied(9, { event_type: 'signup' }),
    ]);
    for (const g of ['minute', 'hour', 'day'] as const) {
      t.same(
        rows(await store.analytics.rollups(g, ALL)),
        [`t1 0 notification.delivered ${dims} 45`, `t1 0 signup ${dims} 1`].sort(),
        g,
      );
    }
    const kept = await store.analytics.scan(ALL, 10);
    t.equal(kept.length, 6, 'each is kept as one event');
    t.same(kept.map((e) => e.properties.occurrences).sort(), [1.5, 2, 40, '7', 9, 9].sort());
  });

  t.test(
    'a read-all recorded by notifyd (a notifyd: event id, a user) adds its occurrences once',
    async (t) => {
      const store = await storeFor(t, make);
      const dims = '{"channel":"in_app"}';
      const read = (n: unknown, eventId: string | null) =>
        ev(T0 + 5, {
          event_type: 'notification.read',
          user_id: 'u1',
          event_id: eventId,
          properties: { channel: 'in_app', all: true, occurrences: n },
          dims,
        });
      t.same(
        await store.analytics.append([
          read(3, 'notifyd:notification.read:evt_1'),
          read(3, 'notifyd:notification.read:evt_1'),
          read(2, 'notifyd:notification.read:evt_2'),
          // A client's event counts once whatever its properties.
          read(9, 'mine'),
          read(9, null),
        ]),
        [true, false, true, true, true],
      );
      for (const g of ['minute', 'hour', 'day'] as const) {
        t.same(
          rows(await store.analytics.rollups(g, ALL)),
          [`t1 0 notification.read ${dims} 7`],
          g,
        );
      }
    },
  );

  t.test('an event_id is kept once per tenant; repeats add nothing', async (t) => {
    const store = await storeFor(t, make);
    const first = ev(T0, { event_id: 'e-1' });
    t.same(await store.analytics.append([first, ev(T0 + 1, { event_id: 'e-1' })]), [true, false]);
    t.same(
      await store.analytics.append([
        ev(T0 + 2, { event_id: 'e-1' }),
        ev(T0 + 3, { event_id: 'e-1', tenant_id: 't2' }),
        ev(T0 + 4),
        ev(T0 + 5),
      ]),
      [false, true, true, true],
      'another tenant may use the same id; events without one are all kept',
    );
    t.equal((await store.analytics.scan(ALL, 100)).length, 4);
    const day = await store.analytics.rollups('day', ALL);
    t.same(rows(day), ['t1 0 signup {} 3', 't2 0 signup {} 1']);
  });

  t.test('scan filters and pages by (timestamp, id)', async (t) => {
    const store = await storeFor(t, make);
    const events = [
      ev(T0, { tenant_id: 't2' }),
      ev(T0 + 1),
      ev(T0 + 1),
      ev(T0 + 1, { event_type: 'login' }),
      ev(T0 + 2),
      ev(T0 + HOUR),
    ];
    await store.analytics.append([...events].reverse());
    const range = { tenant_id: 't1', from: T0, to: T0 + HOUR, event_types: ['signup'] };
    const page1 = await store.analytics.scan(range, 2);
    t.same(
      page1.map((e) => e.id),
      [events[1]!.id, events[2]!.id],
    );
    const page2 = await store.analytics.scan(range, 2, page1[1]);
    t.same(
      page2.map((e) => e.id),
      [events[4]!.id],
      'the event at `to` is outside',
    );
    t.same(await store.analytics.scan(range, 2, page2[0]), []);
    const everyone = await store.analytics.scan({ tenant_id: null, from: T0, to: T0 + 2 }, 10);
    t.same(
      everyone.map((e) => e.id),
      events.slice(0, 4).map((e) => e.id),
    );
  });

  t.test('scanActivity reads events with a user, without properties, in scan order', async (t) => {
    const store = await storeFor(t, make);
    const events = [
      ev(T0, { tenant_id: 't2' }),
      ev(T0 + 1, { user_id: null }),
      ev(T0 + 1),
      ev(T0 + 1, { event_type: 'login' }),
      ev(T0 + 2),
      ev(T0 + 3, { user_id: null }),
      ev(T0 + 4),
      ev(T0 + HOUR),
    ];
    await store.analytics.append([...events].reverse());
    const head = (e: AnalyticsEventRecord) => ({
      id: e.id,
      tenant_id: e.tenant_id,
      event_type: e.event_type,
      user_id: e.user_id,
      timestamp: e.timestamp,
    });
    t.same(
      await store.analytics.scanActivity(ALL, 100),
      events.filter((e) => e.user_id !== null).map(head),
      'every event with a user, its own fields only, in (timestamp, id) order',
    );
    const range = { tenant_id: 't1', from: T0, to: T0 + HOUR, event_types: ['signup'] };
    const page1 = await store.analytics.scanActivity(range, 2);
    t.same(
      page1.map((e) => e.id),
      [events[2]!.id, events[4]!.id],
      'filtered by tenant and type; events without a user do not count against the limit',
    );
    const page2 = await store.analytics.scanActivity(range, 2, page1[1]);
    t.same(
      page2.map((e) => e.id),
      [events[6]!.id],
      'the page after the cursor; the event at `to` is outside',
    );
    t.same(await store.analytics.scanActivity(range, 2, page2[0]), []);
    t.same(
      await store.analytics.scanActivity({ ...range, event_types: [] }, 10),
      [],
      'no types: nothing',
    );
  });

  t.test('purge forgets events and rollup buckets before their cutoffs', async (t) => {
    const store = await storeFor(t, make);
    await store.analytics.append([ev(T0, { event_id: 'old' }), ev(T0 + HOUR), ev(T0 + 2 * DAY)]);
    const cutoffs = { raw: T0 + 1, minute: T0 + 2 * DAY, hour: T0 + HOUR, day: 0 };
    // raw: 1 event; minute: the buckets at 0 and HOUR; hour: the bucket at 0.
    t.equal(await store.analytics.purge(cutoffs), 4);
    t.equal(await store.analytics.purge(cutoffs), 0);
    t.same(
      (await store.analytics.scan(ALL, 10)).map((e) => e.timestamp - T0),
      [HOUR, 2 * DAY],
    );
    t.same(
      rows(await store.analytics.rollups('minute', ALL)),
      [`t1 ${2 * DAY} signup {} 1`].sort(),
    );
    t.same(
      rows(await store.analytics.rollups('hour', ALL)),
      [`t1 ${HOUR} signup {} 1`, `t1 ${2 * DAY} signup {} 1`].sort(),
    );
    t.same(
      rows(await store.analytics.rollups('day', ALL)),
      ['t1 0 signup {} 2', `t1 ${2 * DAY} signup {} 1`].sort(),
    );
    t.same(await store.analytics.append([ev(T0, { event_id: 'old' })]), [true], 'purged ids free');
  });

  t.test(
    'activeUsers counts distinct users per window as a scan of the events would',
    async (t) => {
      const store = await storeFor(t, make);
      const rand = lcg(7);
      // 3 tenants, 25 users, 12 days, appended out of time order in concurrent batches, with
      // repeated event ids (ignored) and events without a user.
      const events: AnalyticsEventRecord[] = [];
      for (let i = 0; i < 600; i++) {
        const ts = T0 + Math.floor(rand() * 12 * DAY);
        const user = rand() < 0.05 ? null : `u${Math.floor(rand() * 25)}`;
        events.push(
          ev(ts, {
            tenant_id: `t${1 + Math.floor(rand() * 3)}`,
            user_id: user,
            event_id: rand() < 0.1 ? `dup${Math.floor(rand() * 20)}` : null,
          }),
        );
      }
      const batches = Array.from({ length: 12 }, (_, b) => events.filter((_, i) => i % 12 === b));
      const outcomes = await Promise.all(batches.map((b) => store.analytics.append(b)));
      const kept = batches.flatMap((b, i) => b.filter((_, j) => outcomes[i]![j]));
      t.ok(kept.length < events.length, 'some repeats ignored');
      const windows = windowsFrom(rand, T0 - DAY, 14);
      for (const tenant of ['t1', 't2', 't3', null, 'nobody']) {
        t.same(
          await store.analytics.activeUsers(tenant, windows),
          activeIn(kept, tenant, windows),
          `tenant ${tenant}`,
        );
      }
      t.same(await store.analytics.activeUsers('t1', []), []);
      await t.rejects(
        store.analytics.activeUsers('t1', [{ from: T0, to: T0 + DAY - 1 }]),
        RangeError,
        'a window shorter than a day',
      );
    },
  );

  t.test('activeUsers: edges of days, and a user seen again after a gap', async (t) => {
    const store = await storeFor(t, make);
    const u = (ts: number, user: string) => ev(ts, { user_id: user });
    // a: day 0 at 23:00, day 3 at 01:00; b: day 1 all day; c: day 5 only, then day 2 later.
    await store.analytics.append([u(T0 + 23 * HOUR, 'a'), u(T0 + 3 * DAY + HOUR, 'a')]);
    await store.analytics.append([u(T0 + DAY, 'b'), u(T0 + 2 * DAY - 1, 'b')]);
    await store.analytics.append([u(T0 + 5 * DAY + HOUR, 'c')]);
    await store.analytics.append([u(T0 + 2 * DAY + 12 * HOUR, 'c')]);
    const at = (from: number, days: number) => ({ from, to: from + days * DAY });
    t.same(
      await store.analytics.activeUsers('t1', [
        at(T0, 1), // a
        at(T0 + 23 * HOUR + 1, 1), // b (a's 23:00 is just before, b's day-1 end just after)
        at(T0 + 23 * HOUR, 1), // a, b
        at(T0 + 2 * DAY - 1, 1), // b, c
        at(T0 + 2 * DAY, 1), // c
        at(T0 + 2 * DAY + 12 * HOUR + 1, 1), // a (01:00 on day 3)
        { from: T0 + 3 * DAY + HOUR + 1, to: T0 + 5 * DAY + HOUR }, // nobody: c just after
        at(T0 + 3 * DAY + HOUR + 1, 3), // c
        at(T0 - 10 * DAY, 30), // a, b, c
      ]),
      [1, 1, 2, 2, 1, 1, 0, 1, 3],
    );
  });

  t.test(
    'purge drops activity rows of days before the raw cutoff; later windows keep',
    async (t) => {
      const store = await storeFor(t, make);
      const u = (ts: number, user: string) => ev(ts, { user_id: user });
      await store.analytics.append([
        u(T0 + HOUR, 'a'),
        u(T0 + DAY + HOUR, 'b'),
        u(T0 + 2 * DAY, 'a'),
      ]);
      const windows = [
        { from: T0 + DAY, to: T0 + 3 * DAY },
        { from: T0 + DAY + HOUR + 1, to: T0 + 3 * DAY },
      ];
      t.same(await store.analytics.activeUsers('t1', windows), [2, 1]);
      const cutoffs = { raw: T0 + DAY + 1, minute: 0, hour: 0, day: 0 };
      // 1 event; t1's row of day 0 (one tenant has rows: no every-tenant rows are kept).
      t.equal(await store.analytics.purge(cutoffs), 2);
      t.same(await store.analytics.activeUsers('t1', windows), [2, 1], 'unchanged');
      t.same(await store.analytics.activeUsers(null, [{ from: T0, to: T0 + DAY }]), [0], 'purged');
    },
  );

  t.test(
    'activeUsers: a batch with many events of one user-day, out of time order, between rows',
    async (t) => {
      const store = await storeFor(t, make);
      const rand = lcg(11);
      const kept: AnalyticsEventRecord[] = [];
      const append = async (events: AnalyticsEventRecord[]) => {
        t.same(
          await store.analytics.append(events),
          events.map(() => true),
        );
        kept.push(...events);
      };
      const at = (day: number, user: string, tenant = 't1') =>
        ev(T0 + day * DAY + Math.floor(rand() * DAY), { user_id: user, tenant_id: tenant });
      // Every window start that matters: each event's time, just after it, each day's start.
      const windows = (): TimeWindow[] => {
        const starts = new Set<number>();
        for (const e of kept) starts.add(e.timestamp).add(e.timestamp + 1);
        for (let d = -1; d <= 12; d++) starts.add(T0 + d * DAY);
        return [...starts].flatMap((from) => [1, 3, 7].map((n) => ({ from, to: from + n * DAY })));
      };
      const check = async (what: string) => {
        const w = windows();
        for (const tenant of ['t1', 't2', null]) {
          t.same(
            await store.analytics.activeUsers(tenant, w),
            activeIn(kept, tenant, w),
            `${what}, tenant ${tenant}`,
          );
        }
      };
      // a on days 2 and 8, b on day 5, in two tenants.
      await append([at(8, 'a'), at(2, 'a'), at(5, 'b'), at(5, 'b', 't2')]);
      await check('first rows');
      // 300 events of a on day 5 (between its rows) in shuffled order, in one batch with an
      // event of a before its first day and one after its last, and b's day 5 moved both ways.
      const many = Array.from({ length: 300 }, () => at(5, 'a'));
      await append([
        ...many,
        at(0, 'a'),
        at(11, 'a'),
        ev(T0 + 5 * DAY, { user_id: 'b' }),
        ev(T0 + 6 * DAY - 1, { user_id: 'b' }),
        at(5, 'a', 't2'),
      ]);
      await check('a day inserted between rows, before the first and after the last');
      // Later batches that only move a day's first or last (the next row's prev_last moves).
      await append([ev(T0 + 2 * DAY, { user_id: 'a' }), ev(T0 + 3 * DAY - 1, { user_id: 'a' })]);
      await check("a day's first and last moved");
      await append([ev(T0 + 5 * DAY + 1, { user_id: 'a' }), at(5, 'a')]);
      await check("another day's first moved");
    },
  );

  t.test('activeUsers: concurrent batches of the same users and days', async (t) => {
    const store = await storeFor(t, make);
    const rand = lcg(23);
    // 40 batches of 50 events, 4 users over 6 days in 2 tenants: every batch touches rows
    // the others touch too.
    const batches = Array.from({ length: 40 }, () =>
      Array.from({ length: 50 }, () =>
        ev(T0 + Math.floor(rand() * 6 * DAY), {
          user_id: `u${Math.floor(rand() * 4)}`,
          tenant_id: rand() < 0.5 ? 't1' : 't2',
        }),
      ),
    );
    const outcomes = await Promise.all(batches.map((b) => store.analytics.append(b)));
    t.ok(outcomes.every((o) => o.every(Boolean)));
    const kept = batches.flat();
    const windows = windowsFrom(rand, T0 - DAY, 8);
    for (let d = 0; d < 6; d++) windows.push({ from: T0 + d * DAY, to: T0 + (d + 1) * DAY });
    for (const tenant of ['t1', 't2', null]) {
      t.same(
        await store.analytics.activeUsers(tenant, windows),
        activeIn(kept, tenant, windows),
        `tenant ${tenant}`,
      );
    }
  });

  t.test(
    'activeUsers across tenants: one tenant alone, then a second one, then purged empty',
    async (t) => {
      const store = await storeFor(t, make);
      const rand = lcg(31);
      let kept: AnalyticsEventRecord[] = [];
      const batch = (tenants: string[], n = 40) =>
        Array.from({ length: n }, () =>
          ev(T0 + Math.floor(rand() * 8 * DAY), {
            user_id: rand() < 0.1 ? null : `u${Math.floor(rand() * 12)}`,
            tenant_id: tenants[Math.floor(rand() * tenants.length)]!,
          }),
        );
      const append = async (...batches: AnalyticsEventRecord[][]) => {
        const outcomes = await Promise.all(batches.map((b) => store.analytics.append(b)));
        t.ok(outcomes.every((o) => o.every(Boolean)));
        kept.push(...batches.flat());
      };
      const windows = windowsFrom(rand, T0 - DAY, 10);
      const check = async (what: string, tenants: (string | null)[]) => {
        for (const tenant of tenants) {
          t.same(
            await store.analytics.activeUsers(tenant, windows),
            activeIn(kept, tenant, windows),
            `${what}, tenant ${tenant}`,
          );
        }
      };
      await check('no rows', [null, 't1']);
      await append(batch(['t1']), [ev(T0, { user_id: null, tenant_id: 't2' })]);
      await append(batch(['t1']), batch(['t1']));
      await check('one tenant', [null, 't1', 't2']);
      // A batch of the second tenant alone, then both, then the first alone again.
      await append(batch(['t2']));
      await check('a second tenant', [null, 't1', 't2']);
      await append(batch(['t1', 't2']), batch(['t1']), batch(['t2', 't3']));
      await check('three tenants', [null, 't1', 't2', 't3']);
      // Every row purged: the next tenant is alone again, until another one comes.
      await store.analytics.purge({ raw: T0 + 20 * DAY, minute: 0, hour: 0, day: 0 });
      kept = [];
      await check('purged', [null, 't1']);
      await append(batch(['t3']), batch(['t3']));
      await check('one tenant after the purge', [null, 't1', 't3']);
      await append(batch(['t1']));
      await check('a second tenant after the purge', [null, 't1', 't3']);
    },
  );

  t.test('activeUsers across tenants: concurrent batches of one tenant each', async (t) => {
    const store = await storeFor(t, make);
    const rand = lcg(37);
    // 24 batches, each in one of 3 tenants, appended at once into a store without rows.
    const batches = Array.from({ length: 24 }, (_, b) =>
      Array.from({ length: 30 }, () =>
        ev(T0 + Math.floor(rand() * 6 * DAY), {
          user_id: `u${Math.floor(rand() * 10)}`,
          tenant_id: `t${1 + (b % 3)}`,
        }),
      ),
    );
    const outcomes = await Promise.all(batches.map((b) => store.analytics.append(b)));
    t.ok(outcomes.every((o) => o.every(Boolean)));
    const kept = batches.flat();
    const windows = windowsFrom(rand, T0 - DAY, 8);
    for (const tenant of ['t1', 't2', 't3', null]) {
      t.same(
        await store.analytics.activeUsers(tenant, windows),
        activeIn(kept, tenant, windows),
        `tenant ${tenant}`,
      );
    }
  });

  t.test(
    'funnel: steps after the previous one in (timestamp, id) order, within the window',
    async (t) => {
      const store = await storeFor(t, make);
      const at = (ts: number, user: string | null, type: string, tenant = 't1') =>
        ev(ts, { user_id: user, event_type: type, tenant_id: tenant });
      // ev() makes ids that grow with each call: at one timestamp, later calls come later.
      const events = [
        at(T0, 'a', 'login'), // before a's signup in (timestamp, id): not its login step
        at(T0, 'a', 'signup'),
        at(T0, 'a', 'signup'), // a second signup: the first one is a's entry
        at(T0, 'a', 'login'), // same millisecond, after the signup: step 1
        at(T0 + 10 * MIN, 'a', 'feature'),
        at(T0 + HOUR, 'b', 'signup'),
        at(T0 + HOUR + MIN, 'b', 'feature'), // feature before login: not step 2
        at(T0 + 2 * HOUR, 'b', 'login'),
        at(T0 + HOUR + DAY + 1, 'b', 'feature'), // past the window of a day
        at(T0 - MIN, 'c', 'signup'), // before the range
        at(T0 + MIN, 'c', 'login'),
        at(T0 + 2 * HOUR, 'c', 'signup'), // c enters here
        at(T0 + 3 * HOUR, 'c', 'login'),
        at(T0 + 3 * HOUR, 'c', 'feature'),
        at(T0 + 5 * HOUR, 'd', 'signup', 't2'), // another tenant, same steps
        at(T0 + 6 * HOUR, 'd', 'login', 't2'),
        at(T0 + 5 * HOUR, null, 'signup'), // no user: nobody's funnel
        at(T0 + DAY, 'e', 'signup'), // at the range's end: not in it
      ];
      t.same(
        await store.analytics.append(events),
        events.map(() => true),
      );
      const q = { from: T0, to: T0 + DAY, window_ms: DAY, steps: ['signup', 'login', 'feature'] };
      const t1 = await store.analytics.funnel({ ...q, tenant_id: 't1' });
      t.same(
        { reached: t1.reached, gaps: t1.gaps, total: t1.total },
        { reached: [3, 3, 2], gaps: [0, 0 + HOUR + HOUR, 10 * MIN + 0], total: 10 * MIN + HOUR },
        'a: 0 ms to login, 10 min to feature; b: 1 h to login; c: 1 h, then 0 ms',
      );
      const all = await store.analytics.funnel({ ...q, tenant_id: null });
      t.same(all.reached, [4, 4, 2], "every tenant: d's login too");
      t.same(all.gaps, [0, 3 * HOUR, 10 * MIN]);
      const again = await store.analytics.funnel({
        ...q,
        tenant_id: null,
        steps: ['signup', 'signup'],
      });
      t.same(
        again.reached,
        [4, 1],
        "a step of the same type needs a later event: only a's second signup",
      );
      t.same(again.gaps, [0, 0]);
      const none = await store.analytics.funnel({
        ...q,
        tenant_id: 't1',
        steps: ['nothing', 'login'],
      });
      t.same(
        { reached: none.reached, gaps: none.gaps, total: none.total },
        { reached: [0, 0], gaps: [0, 0], total: 0 },
      );
    },
  );

  t.test('funnel: the counts of its definition, across tenants, ties and windows', async (t) => {
    const store = await storeFor(t, make);
    const rand = lcg(31);
    const TYPES = ['a', 'b', 'c', 'd'];
    // 1,200 events of 15 users (some in both tenants) over 6 days, on whole minutes (ties).
    const events = Array.from({ length: 1200 }, () =>
      ev(T0 + Math.floor(rand() * 6 * 24 * 60) * MIN, {
        user_id: rand() < 0.05 ? null : `u${Math.floor(rand() * 15)}`,
        tenant_id: rand() < 0.7 ? 't1' : 't2',
        event_type: TYPES[Math.floor(rand() * TYPES.length)]!,
      }),
    );
    for (let i = 0; i < events.length; i += 100) {
      await store.analytics.append(events.slice(i, i + 100));
    }
    const funnels = [
      ['a', 'b', 'c'],
      ['a', 'a', 'b', 'a'],
      ['d', 'c'],
      ['b', 'x', 'a'],
    ];
    for (const steps of funnels) {
      for (const window_ms of [MIN, HOUR, DAY, 3 * DAY]) {
        for (const [from, to] of [
          [T0, T0 + 6 * DAY],
          [T0 + DAY + 7 * MIN, T0 + 2 * DAY],
          [T0 + 3 * DAY, T0 + 3 * DAY + HOUR],
        ]) {
          for (const tenant_id of ['t1', 't2', null]) {
            const q = { tenant_id, from: from!, to: to!, window_ms, steps };
            const got = await store.analytics.funnel(q);
            t.same(
              { reached: got.reached, gaps: got.gaps, total: got.total },
              funnelIn(events, q),
              `${steps.join('>')} window ${window_ms} [${from! - T0}, ${to! - T0}) ${tenant_id}`,
            );
          }
        }
      }
    }
  });

  t.test('concurrent appends all count', async (t) => {
    const store = await storeFor(t, make);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.analytics.append(Array.from({ length: 10 }, (_, j) => ev(T0 + i * 10 + j))),
      ),
    );
    t.same(rows(await store.analytics.rollups('day', ALL)), ['t1 0 signup {} 200'].sort());
  });
}
