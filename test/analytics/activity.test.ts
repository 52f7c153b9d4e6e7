import t from 'tap';
import {
  type ActivityGroup,
  type ActivityRow,
  ALL_TENANTS,
  activityGroups,
  FIRST,
  LAST,
  mergeActivity,
  NO_PREV,
  PREV_LAST,
  userRuns,
} from '../../src/analytics/activity.js';
import type { AnalyticsEventRecord } from '../../src/analytics/store.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

const event = (ts: number, user: string | null, tenant = 't1'): AnalyticsEventRecord => ({
  id: `aev_${ts}`,
  tenant_id: tenant,
  event_type: 'x',
  user_id: user,
  event_id: null,
  properties: {},
  timestamp: ts,
  dims: '{}',
});

t.test('activityGroups: one group per (tenant, user, day) and every tenant, sorted', async (t) => {
  const groups = activityGroups([
    event(T0 + 5 * DAY + 9, 'b'),
    event(T0 + 5 * DAY + 1, 'b'),
    event(T0 + 5 * DAY + 5, 'b'),
    event(T0 + 2 * DAY, 'a', 't2'),
    event(T0 + 5 * DAY + 7, 'b'),
    event(T0 + 3, null),
  ]);
  t.same(
    groups.map((g) => [
      g.tenant_id,
      g.user_id,
      (g.day - T0) / DAY,
      g.first - g.day,
      g.last - g.day,
    ]),
    [
      [ALL_TENANTS, 'a', 2, 0, 0],
      [ALL_TENANTS, 'b', 5, 1, 9],
      ['t1', 'b', 5, 1, 9],
      ['t2', 'a', 2, 0, 0],
    ],
  );
  t.same(userRuns(groups), [
    [0, 1],
    [1, 2],
    [2, 3],
    [3, 4],
  ]);
});

t.test('mergeActivity writes each row it changes once, with its final values', async (t) => {
  const row = (d: number, first: number, last: number, prev: number): ActivityRow => ({
    day: T0 + d * DAY,
    first: T0 + d * DAY + first,
    last: T0 + d * DAY + last,
    prev_last: prev,
  });
  const group = (d: number, first: number, last: number): ActivityGroup => ({
    tenant_id: 't1',
    user_id: 'u',
    day: T0 + d * DAY,
    first: T0 + d * DAY + first,
    last: T0 + d * DAY + last,
  });
  // The user's rows: days 1, 4 and 9 (the span of groups on days 2 to 4 is days 1 to 9).
  const rows = [
    row(1, 10, 20, NO_PREV),
    row(4, 10, 20, T0 + DAY + 20),
    row(9, 5, 6, T0 + 4 * DAY + 20),
  ];
  // A new day 2 between 1 and 4, and day 4's last moved: day 4's prev_last and day 9's move.
  const writes = mergeActivity(rows, [group(2, 3, 30), group(4, 15, 40)], 0, 2);
  t.same(writes, [
    { ...row(2, 3, 30, T0 + DAY + 20), insert: true, changed: 0 },
    { ...row(4, 10, 40, T0 + 2 * DAY + 30), insert: false, changed: LAST | PREV_LAST },
    { ...row(9, 5, 6, T0 + 4 * DAY + 40), insert: false, changed: PREV_LAST },
  ]);
  t.same(
    mergeActivity(rows.slice(0, 2), [group(4, 12, 18)], 0, 1),
    [],
    'a group within its row changes nothing',
  );
  t.same(
    mergeActivity([rows[0]!], [group(0, 1, 2), group(1, 5, 15)], 0, 2),
    [
      { ...row(0, 1, 2, NO_PREV), insert: true, changed: 0 },
      { ...row(1, 5, 20, T0 + 2), insert: false, changed: FIRST | PREV_LAST },
    ],
    "a day before the user's first: the first row gets a prev_last",
  );
  t.same(
    mergeActivity([], [group(3, 1, 2)], 0, 1),
    [{ ...row(3, 1, 2, NO_PREV), insert: true, changed: 0 }],
    "the user's first row",
  );
});
