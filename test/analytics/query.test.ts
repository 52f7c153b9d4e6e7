import t, { type Test } from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { type Running, startServer } from '../helpers/server.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Tuesday 2026-03-10, 12:00 UTC. */
const NOW = Date.UTC(2026, 2, 10, 12);
const TODAY = Date.UTC(2026, 2, 10);
const iso = (ms: number) => new Date(ms).toISOString();
const QUERY = '/api/v1/analytics/query';

/** Events with known answers, sent through the batch API. */
const EVENTS = [
  // Signups by method (a rollup dimension) with an amount (not one).
  {
    event_type: 'auth.signup',
    user_id: 'a',
    at: TODAY - 2 * DAY + HOUR,
    p: { method: 'password', amount: 5 },
  },
  {
    event_type: 'auth.signup',
    user_id: 'b',
    at: TODAY - 2 * DAY + 2 * HOUR,
    p: { method: 'sso', amount: 10 },
  },
  {
    event_type: 'auth.signup',
    user_id: 'c',
    at: TODAY - 2 * DAY + 2 * HOUR,
    p: { method: 'password', amount: 15 },
  },
  {
    event_type: 'auth.signup',
    user_id: 'd',
    at: TODAY - DAY + HOUR,
    p: { method: 'sso', amount: 20 },
  },
  {
    event_type: 'auth.signup',
    user_id: 'e',
    at: TODAY + HOUR,
    p: { method: 'password', amount: 25, tags: ['x', 'y'] },
  },
  {
    event_type: 'auth.signup',
    user_id: 'f',
    at: TODAY + 2 * HOUR,
    p: { method: 'password', amount: 30 },
  },
  // Logins: 3 successful (a twice, b), 2 failed from one address.
  {
    event_type: 'auth.login',
    user_id: 'a',
    at: TODAY + HOUR,
    p: { status: 'success', ip: '10.0.0.1' },
  },
  {
    event_type: 'auth.login',
    user_id: 'a',
    at: TODAY + 3 * HOUR,
    p: { status: 'success', ip: '10.0.0.1' },
  },
  {
    event_type: 'auth.login',
    user_id: 'b',
    at: TODAY + 3 * HOUR,
    p: { status: 'success', ip: '10.0.0.2' },
  },
  {
    event_type: 'auth.login',
    user_id: 'z',
    at: TODAY + 4 * HOUR,
    p: { status: 'failure', ip: '10.6.6.6' },
  },
  {
    event_type: 'auth.login',
    user_id: 'z',
    at: TODAY + 5 * HOUR,
    p: { status: 'failure', ip: '10.6.6.6' },
  },
];

async function seeded(t: Test): Promise<Running> {
  const clock = new FakeClock(NOW);
  const s = await startServer(
    t,
    { analytics: { max_backfill_ms: 60 * DAY } },
    createMemoryStore(),
    { clock },
  );
  const res = await s.api('POST', '/api/v1/analytics/events/batch', {
    events: EVENTS.map((e) => ({
      event_type: e.event_type,
      user_id: e.user_id,
      timestamp: iso(e.at),
      properties: e.p,
    })),
  });
  t.equal(res.body.accepted, EVENTS.length, 'seeded');
  return s;
}

const series = (body: { data: { values: Record<string, number> }[] }, m: string) =>
  body.data.map((r) => r.values[m]);

t.test('a daily series over a preset reads day rollups, today included', async (t) => {
  const s = await seeded(t);
  const res = await s.api('POST', QUERY, {
    metrics: ['signups'],
    time_range: { preset: 'last_7d' },
    granularity: 'day',
  });
  t.equal(res.status, 200);
  t.equal(res.body.data.length, 7);
  t.equal(res.body.data[0].timestamp, iso(TODAY - 6 * DAY));
  t.same(series(res.body, 'signups'), [0, 0, 0, 0, 3, 1, 2]);
  t.match(res.body.metadata, { source: 'rollup', granularity: 'day', timezone: 'UTC' });
  t.equal(res.body.total_count, 7);
});

t.test(
  'hourly buckets read hour rollups; a range off the hour scans raw, same answer',
  async (t) => {
    const s = await seeded(t);
    const body = (start: number, end: number) => ({
      metrics: ['logins_total'],
      time_range: { start: iso(start), end: iso(end) },
      granularity: 'hour',
    });
    const aligned = await s.api('POST', QUERY, body(TODAY, TODAY + 6 * HOUR));
    t.same(series(aligned.body, 'logins_total'), [0, 1, 0, 2, 1, 1]);
    t.equal(aligned.body.metadata.source, 'rollup');
    const off = await s.api('POST', QUERY, body(TODAY + 1, TODAY + 6 * HOUR));
    t.same(series(off.body, 'logins_total'), [0, 1, 0, 2, 1, 1]);
    t.equal(off.body.metadata.source, 'raw');
    const cut = await s.api('POST', QUERY, body(TODAY + HOUR + 1, TODAY + 6 * HOUR));
    t.same(
      series(cut.body, 'logins_total'),
      [0, 0, 2, 1, 1],
      'an event before start is not counted',
    );
  },
);

t.test('minute buckets read minute rollups over at most a day', async (t) => {
  const s = await seeded(t);
  const MIN = 60_000;
  const at = TODAY + 3 * HOUR; // two successful logins
  const body = (start: number, end: number) => ({
    metrics: ['logins_total'],
    dimensions: ['status'],
    time_range: { start: iso(start), end: iso(end) },
    granularity: 'minute',
  });
  const aligned = await s.api('POST', QUERY, body(at - 2 * MIN, at + 3 * MIN));
  t.equal(aligned.status, 200);
  t.same(series(aligned.body, 'logins_total'), [0, 0, 2, 0, 0]);
  t.equal(aligned.body.data[2].timestamp, iso(at));
  t.same(aligned.body.data[2].dimensions, { status: 'success' });
  t.match(aligned.body.metadata, { source: 'rollup', granularity: 'minute' });
  const off = await s.api('POST', QUERY, body(at - 2 * MIN + 1, at + 3 * MIN));
  t.same(series(off.body, 'logins_total'), [0, 0, 2, 0, 0], 'a raw scan agrees');
  t.equal(off.body.metadata.source, 'raw');

  const day = await s.api('POST', QUERY, {
    metrics: ['events'],
    time_range: { preset: 'last_24h' },
    granularity: 'minute',
    limit: 10_000,
  });
  t.equal(day.status, 200, 'a whole day of minutes is allowed');
  t.equal(day.body.total_count, 1440);
  t.equal(day.body.data.at(-1).timestamp, iso(NOW), 'the current minute is the last');

  const long = await s.api('POST', QUERY, body(at - DAY - MIN, at));
  t.equal(long.status, 400);
  t.match(long.body.error, {
    code: 'INVALID_TIME_RANGE',
    message: /^Minute granularity covers at most 24 hours; this range is 25 hours/,
    details: { field: 'granularity' },
  });
});

t.test('dimensions group rows; rollup and raw agree', async (t) => {
  const s = await seeded(t);
  const q = {
    metrics: ['signups'],
    dimensions: ['method'],
    time_range: { start: iso(TODAY - 2 * DAY), end: iso(TODAY + DAY) },
  };
  const byRollup = await s.api('POST', QUERY, q);
  t.equal(byRollup.body.metadata.source, 'rollup');
  const rows = (b: { data: { values: { signups: number }; dimensions: { method: string } }[] }) =>
    b.data.map((r) => [r.dimensions.method, r.values.signups]);
  t.same(rows(byRollup.body), [
    ['password', 4],
    ['sso', 2],
  ]);
  const byRaw = await s.api('POST', QUERY, {
    ...q,
    filters: [{ field: 'user_id', operator: 'neq', value: 'nobody' }],
  });
  t.equal(byRaw.body.metadata.source, 'raw');
  t.same(rows(byRaw.body), rows(byRollup.body));
  const byDay = await s.api('POST', QUERY, { ...q, granularity: 'day' });
  t.same(
    byDay.body.data.map(
      (r: { timestamp: string; dimensions: { method: string }; values: { signups: number } }) => [
        r.timestamp.slice(0, 10),
        r.dimensions.method,
        r.values.signups,
      ],
    ),
    [
      ['2026-03-08', 'password', 2],
      ['2026-03-08', 'sso', 1],
      ['2026-03-09', 'password', 0],
      ['2026-03-09', 'sso', 1],
      ['2026-03-10', 'password', 2],
      ['2026-03-10', 'sso', 0],
    ],
    'every group in every bucket',
  );
});

t.test('every filter operator', async (t) => {
  const s = await seeded(t);
  const total = async (filter: object) => {
    const res = await s.api('POST', QUERY, {
      metrics: ['signups'],
      filters: [filter],
      time_range: { preset: 'last_7d' },
    });
    t.equal(res.status, 200, JSON.stringify(filter));
    return res.body.data[0].values.signups;
  };
  t.equal(await total({ field: 'method', operator: 'eq', value: 'sso' }), 2);
  t.equal(await total({ field: 'properties.method', operator: 'neq', value: 'sso' }), 4);
  t.equal(await total({ field: 'amount', operator: 'gt', value: 15 }), 3);
  t.equal(await total({ field: 'amount', operator: 'gte', value: 15 }), 4);
  t.equal(await total({ field: 'amount', operator: 'lt', value: 15 }), 2);
  t.equal(await total({ field: 'amount', operator: 'lte', value: 15 }), 3);
  t.equal(await total({ field: 'user_id', operator: 'in', value: ['a', 'f', 'q'] }), 2);
  t.equal(await total({ field: 'user_id', operator: 'not_in', value: ['a', 'f'] }), 4);
  t.equal(await total({ field: 'method', operator: 'contains', value: 'ass' }), 4);
  t.equal(await total({ field: 'tags', operator: 'contains', value: 'y' }), 1, 'in a list');
  t.equal(await total({ field: 'event_type', operator: 'eq', value: 'auth.signup' }), 6);
  const bad = await s.api('POST', QUERY, {
    metrics: ['signups'],
    filters: [{ field: 'user_id', operator: 'in', value: 'a' }],
    time_range: { preset: 'last_7d' },
  });
  t.equal(bad.status, 400);
  t.equal(bad.body.error.code, 'VALIDATION_ERROR');
  t.match(bad.body.error.message, /filters\[0\]\.value must be a list/);
});

t.test('distinct users, ratios and auth metrics', async (t) => {
  const s = await seeded(t);
  const res = await s.api('POST', QUERY, {
    metrics: [
      'logins_total',
      'logins_successful',
      'logins_failed',
      'login_success_rate',
      'unique_login_users',
      'unique_users',
      'events',
    ],
    time_range: { start: iso(TODAY), end: iso(TODAY + DAY) },
  });
  t.same(res.body.data[0].values, {
    logins_total: 5,
    logins_successful: 3,
    logins_failed: 2,
    login_success_rate: 0.6,
    unique_login_users: 2,
    unique_users: 5,
    events: 7,
  });
  const ips = await s.api('POST', QUERY, {
    metrics: ['logins_failed'],
    dimensions: ['ip'],
    order_by: 'logins_failed',
    order_direction: 'desc',
    limit: 1,
    time_range: { preset: 'last_24h' },
  });
  t.same(ips.body.data[0].dimensions, { ip: '10.6.6.6' }, 'top failing address');
  t.equal(ips.body.data[0].values.logins_failed, 2);
  t.equal(ips.body.total_count, 3, 'total before the limit');
  const page2 = await s.api('POST', QUERY, {
    metrics: ['logins_total'],
    dimensions: ['ip'],
    offset: 1,
    limit: 1,
    time_range: { preset: 'last_24h' },
  });
  t.same(
    page2.body.data.map((r: { dimensions: { ip: string } }) => r.dimensions.ip),
    ['10.0.0.2'],
  );
});

t.test('a ratio with nothing to divide by has no value (null), not 0', async (t) => {
  const s = await seeded(t);
  // Logins on the 10th only (5, 3 successful); none on the 8th and 9th.
  const body = {
    metrics: ['logins_total', 'login_success_rate', 'dau_mau_ratio'],
    time_range: { start: iso(TODAY - 2 * DAY), end: iso(TODAY + DAY) },
    granularity: 'day',
  };
  const byRollup = await s.api('POST', QUERY, body);
  t.equal(byRollup.status, 200);
  t.same(
    byRollup.body.data.map((r: { values: object }) => r.values),
    [
      { logins_total: 0, login_success_rate: null, dau_mau_ratio: 1 },
      { logins_total: 0, login_success_rate: null, dau_mau_ratio: 0.25 },
      { logins_total: 5, login_success_rate: 0.6, dau_mau_ratio: 0.7143 },
    ],
  );
  const byRaw = await s.api('POST', QUERY, {
    ...body,
    filters: [{ field: 'user_id', operator: 'neq', value: 'nobody' }],
  });
  t.equal(byRaw.body.metadata.source, 'raw');
  t.same(
    byRaw.body.data.map(
      (r: { values: { login_success_rate: unknown } }) => r.values.login_success_rate,
    ),
    [null, null, 0.6],
    'a raw scan agrees',
  );
  // DAU/MAU before anyone was active: no users over no users.
  const early = await s.api('POST', QUERY, {
    metrics: ['dau_mau_ratio', 'mau'],
    time_range: { start: iso(TODAY - 40 * DAY), end: iso(TODAY - 39 * DAY) },
  });
  t.same(early.body.data[0].values, { dau_mau_ratio: null, mau: 0 });
  // Ordered by the ratio, rows without one come last either way.
  for (const dir of ['asc', 'desc']) {
    const ordered = await s.api('POST', QUERY, {
      ...body,
      order_by: 'login_success_rate',
      order_direction: dir,
    });
    t.same(
      ordered.body.data.map(
        (r: { values: { login_success_rate: unknown } }) => r.values.login_success_rate,
      ),
      [0.6, null, null],
      dir,
    );
  }
});

t.test('active users: DAU, WAU, MAU over trailing windows, and DAU/MAU', async (t) => {
  const s = await seeded(t);
  const res = await s.api('POST', QUERY, {
    metrics: ['dau', 'wau', 'mau', 'dau_mau_ratio'],
    time_range: { start: iso(TODAY - 2 * DAY), end: iso(TODAY + DAY) },
    granularity: 'day',
  });
  t.same(
    res.body.data.map((r: { values: object }) => r.values),
    [
      { dau: 3, wau: 3, mau: 3, dau_mau_ratio: 1 },
      { dau: 1, wau: 4, mau: 4, dau_mau_ratio: 0.25 },
      // today: a, b, e, f, z
      { dau: 5, wau: 7, mau: 7, dau_mau_ratio: 0.7143 },
    ],
  );
});

t.test('time zones, weeks and months', async (t) => {
  const s = await seeded(t);
  // New York's 9 March (EDT since the 8th) ends at 04:00 UTC on the 10th: logins at 01:00 and
  // 03:00 UTC fall in it, those at 04:00 and 05:00 UTC in the 10th.
  const ny = await s.api('POST', QUERY, {
    metrics: ['logins_total'],
    time_range: { start: '2026-03-09T04:00:00Z', end: '2026-03-11T04:00:00Z' },
    granularity: 'day',
    timezone: 'America/New_York',
  });
  t.same(
    ny.body.data.map((r: { timestamp: string; values: { logins_total: number } }) => [
      r.timestamp,
      r.values.logins_total,
    ]),
    [
      ['2026-03-09T04:00:00.000Z', 3],
      ['2026-03-10T04:00:00.000Z', 2],
    ],
  );
  t.equal(ny.body.metadata.source, 'rollup', 'whole hours: hour rollups');
  const weeks = await s.api('POST', QUERY, {
    metrics: ['signups'],
    time_range: { start: iso(TODAY - 9 * DAY), end: iso(TODAY + DAY) },
    granularity: 'week',
  });
  t.same(
    weeks.body.data.map((r: { timestamp: string; values: { signups: number } }) => [
      r.timestamp.slice(0, 10),
      r.values.signups,
    ]),
    [
      ['2026-02-23', 0],
      ['2026-03-02', 3],
      ['2026-03-09', 3],
    ],
    'ISO weeks start on Monday',
  );
  const months = await s.api('POST', QUERY, {
    metrics: ['signups'],
    time_range: { preset: 'last_90d' },
    granularity: 'month',
  });
  t.same(
    months.body.data.map((r: { timestamp: string }) => r.timestamp.slice(0, 7)),
    ['2026-01', '2026-02', '2026-03'],
    'from the month 90 days before the end of this one',
  );
  t.same(series(months.body, 'signups'), [0, 0, 6]);
});

t.test('the error table: unknown metric, bad ranges', async (t) => {
  const s = await seeded(t);
  const cases: [object, number, string][] = [
    [{ metrics: ['nope'], time_range: { preset: 'last_7d' } }, 400, 'INVALID_METRIC'],
    [
      { metrics: ['delivery_rate', 'x_y'], time_range: { preset: 'last_7d' } },
      400,
      'INVALID_METRIC',
    ],
    [
      { metrics: ['events'], time_range: { start: iso(NOW), end: iso(NOW - 1) } },
      400,
      'INVALID_TIME_RANGE',
    ],
    [
      { metrics: ['events'], time_range: { start: 'soon', end: iso(NOW) } },
      400,
      'INVALID_TIME_RANGE',
    ],
    [{ metrics: ['events'], time_range: {} }, 400, 'INVALID_TIME_RANGE'],
    [
      { metrics: ['events'], time_range: { preset: 'last_7d', start: iso(NOW) } },
      400,
      'INVALID_TIME_RANGE',
    ],
    [
      { metrics: ['events'], time_range: { preset: 'last_7d' }, timezone: 'Mars/Olympus' },
      400,
      'INVALID_TIME_RANGE',
    ],
    [
      {
        metrics: ['events'],
        time_range: { start: '2000-01-01T00:00:00Z', end: iso(NOW) },
        granularity: 'hour',
      },
      400,
      'INVALID_TIME_RANGE',
    ],
    [{ metrics: ['events'], time_range: { preset: 'last_week' } }, 400, 'VALIDATION_ERROR'],
    [
      { metrics: ['events'], time_range: { preset: 'last_7d' }, granularity: 'minute' },
      400,
      'INVALID_TIME_RANGE',
    ],
    [
      {
        metrics: ['events'],
        time_range: { start: iso(NOW - DAY - 60_000), end: iso(NOW) },
        granularity: 'minute',
      },
      400,
      'INVALID_TIME_RANGE',
    ],
    [
      { metrics: ['events'], time_range: { preset: 'last_7d' }, granularity: 'second' },
      400,
      'VALIDATION_ERROR',
    ],
    [{ metrics: [], time_range: { preset: 'last_7d' } }, 400, 'VALIDATION_ERROR'],
    [
      { metrics: ['events'], time_range: { preset: 'last_7d' }, order_by: 'signups' },
      400,
      'VALIDATION_ERROR',
    ],
  ];
  for (const [body, status, code] of cases) {
    const res = await s.api('POST', QUERY, body);
    t.equal(res.status, status, JSON.stringify(body));
    t.equal(res.body.error?.code, code, JSON.stringify(body));
  }
  const metrics = await s.api('GET', '/api/v1/analytics/metrics');
  t.ok(metrics.body.data.some((m: { name: string }) => m.name === 'delivery_rate'));
});

t.test('notifyd records its own rate-limit and configuration events from the bus', async (t) => {
  const s = await seeded(t);
  const limit = {
    key: 'k1',
    scope: 'api_key' as const,
    policy: 'standard',
    policy_id: 'rlp_1',
    rule_id: null,
    limit: 10,
    remaining: 0,
    reset_at: iso(NOW + 60_000),
  };
  s.server.events.emit('ratelimit.limit_exceeded', 'acme', { ...limit, retry_after_seconds: 5 });
  s.server.events.emit('ratelimit.limit_exceeded', 'acme', { ...limit, retry_after_seconds: 5 });
  s.server.events.emit('ratelimit.limit_approached', 'acme', { ...limit, share: 0.8 });
  const policy = await s.api('POST', '/api/v1/ratelimit/policies', {
    name: 'strict',
    limits: [{ scope: 'api_key', max_requests: 5, window_unit: 'minute' }],
    algorithm: 'fixed_window',
  });
  t.equal(policy.status, 201);
  await new Promise((r) => setImmediate(r));
  await s.server.analytics!.ingestor.flush();
  const res = await s.api('POST', QUERY, {
    metrics: ['ratelimit_limited', 'ratelimit_approached'],
    dimensions: ['tenant_id', 'policy'],
    filters: [
      {
        field: 'event_type',
        operator: 'in',
        value: ['ratelimit.limit_exceeded', 'ratelimit.limit_approached'],
      },
    ],
    time_range: { preset: 'last_24h' },
  });
  t.same(res.body.data, [
    {
      timestamp: res.body.data[0].timestamp,
      values: { ratelimit_limited: 2, ratelimit_approached: 1 },
      dimensions: { tenant_id: 'acme', policy: 'standard' },
    },
  ]);
  const audit = await s.api('POST', QUERY, {
    metrics: ['count:audit.change'],
    dimensions: ['change', 'name'],
    time_range: { preset: 'last_24h' },
  });
  t.same(audit.body.data[0].dimensions, { change: 'ratelimit.policy_created', name: 'strict' });
});
