import t from 'tap';
import { runCli } from '../../src/cli/program.js';
import { timeRangeOf } from '../../src/cli/time-range.js';
import { filterOf } from '../../src/cli/where.js';
import { FakeClock } from '../../src/core/clock.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { cliIO } from '../helpers/cli.js';
import { ADMIN_KEY, startServer } from '../helpers/server.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

t.test('notifyd analytics track, query (a table or JSON) and metrics', async (t) => {
  // The query's presets end at the server's now: the fake clock stands at the real time.
  const now = Date.now();
  const s = await startServer(t, {}, createMemoryStore(), { clock: new FakeClock(now) });
  const env = { NOTIFYD_URL: s.url, NOTIFYD_API_KEY: ADMIN_KEY };
  const run = async (args: string[], code = 0) => {
    const r = cliIO(env);
    t.equal(await runCli(args, r.io), code, `notifyd ${args.join(' ')} ${r.err()}`);
    return r;
  };

  const tracked = await run([
    'analytics',
    'track',
    'signup',
    '-u',
    'ada',
    '-p',
    'plan=pro',
    '-p',
    'seats=3',
  ]);
  t.match(tracked.out(), /^Tracked signup \(aev_\w+\)\.\n$/);
  await run([
    'analytics',
    'track',
    'signup',
    '-u',
    'bob',
    '-p',
    'plan=free',
    '-p',
    'seats=1',
    '--at',
    iso(now - 2 * HOUR),
  ]);
  await run([
    'analytics',
    'track',
    'signup',
    '-u',
    'cy',
    '-p',
    'plan=pro',
    '-p',
    'seats=5',
    '--event-id',
    'e1',
  ]);
  const again = await run(['analytics', 'track', 'signup', '-u', 'cy', '--event-id', 'e1']);
  t.equal(again.out(), 'Ignored: event id e1 was seen before.\n');
  const stored = await s.store.analytics.scan({ tenant_id: null, from: 0, to: now + 1 }, 10);
  t.match(
    stored.find((e) => e.user_id === 'ada'),
    { event_type: 'signup', properties: { plan: 'pro', seats: 3 } },
    'property values are read as JSON where they are',
  );

  const byPlan = (
    await run([
      'analytics',
      'query',
      '-m',
      'count:signup',
      '-m',
      'unique_users',
      '--by',
      'plan',
      '--last',
      '24h',
    ])
  ).out();
  t.match(byPlan, /^PLAN\s+count:signup\s+unique_users\n/);
  t.match(byPlan, /\nfree\s+1\s+1\n/);
  t.match(byPlan, /\npro\s+2\s+2\n/);

  const filtered = (
    await run([
      'analytics',
      'query',
      '-m',
      'count:signup',
      '-w',
      'plan=pro,free',
      '-w',
      'seats>=3',
      '--last',
      '7d',
    ])
  ).out();
  t.match(filtered, /^count:signup\n2\n/, 'in and gte filters');

  const hourly = JSON.parse(
    (
      await run([
        'analytics',
        'query',
        '-m',
        'count:signup',
        '-g',
        'hour',
        '--last',
        '3h',
        '--json',
      ])
    ).out(),
  );
  t.equal(hourly.metadata.granularity, 'hour');
  t.equal(
    hourly.data.reduce(
      (n: number, r: { values: Record<string, number> }) => n + r.values['count:signup'],
      0,
    ),
    3,
    'a custom --last range covers all three',
  );
  const table = (
    await run(['analytics', 'query', '-m', 'count:signup', '-g', 'hour', '--last', '3h'])
  ).out();
  t.match(table, /^TIME\s+count:signup\n\d{4}-\d\d-\d\dT\d\d:00:00\.000Z\s+\d/);

  // Nothing was sent: the delivery rate has no value, shown as a dash rather than 0.
  const rate = (
    await run(['analytics', 'query', '-m', 'notifications_sent', '-m', 'delivery_rate'])
  ).out();
  t.match(rate, /^notifications_sent\s+delivery_rate\n0\s+—\n/);
  const rateJson = JSON.parse(
    (await run(['analytics', 'query', '-m', 'delivery_rate', '--json'])).out(),
  );
  t.equal(rateJson.data[0].values.delivery_rate, null, 'null in JSON');

  const since = (
    await run(['analytics', 'query', '-m', 'count:signup', '--from', iso(now - DAY)])
  ).out();
  t.match(since, /^count:signup\n3\n/, '--from alone: up to now');

  const metrics = (await run(['analytics', 'metrics'])).out();
  t.match(
    metrics,
    /notifications_delivered\s+count\s+Deliveries a provider confirmed, and in-app notifications handed to an open session\./,
  );

  const bad = await run(['analytics', 'query', '-m', 'nope'], 1);
  t.match(bad.err(), /INVALID_METRIC \(400\): No metric named "nope"/);
  const badLast = await run(['analytics', 'query', '-m', 'events', '--last', '3x'], 1);
  t.match(badLast.err(), /--last 3x: expected a length such as 90m, 12h, 7d or 4w/);
});

t.test('--last and --where as the query API spells them', async (t) => {
  const now = Date.UTC(2026, 2, 10, 12);
  t.same(timeRangeOf({ last: '7d' }, now), { preset: 'last_7d' });
  t.same(timeRangeOf({}, now), { preset: 'last_7d' }, '7 days by default');
  t.same(timeRangeOf({ last: '1y' }, now), { preset: 'last_year' });
  t.same(timeRangeOf({ last: '90m' }, now), { start: iso(now - 90 * 60_000), end: iso(now) });
  t.same(timeRangeOf({ last: '2w' }, now), { start: iso(now - 14 * DAY), end: iso(now) });
  t.same(
    timeRangeOf({ from: '2026-03-01T00:00:00Z' }, now),
    { start: '2026-03-01T00:00:00Z', end: iso(now) },
    '--from alone ends now',
  );
  t.throws(() => timeRangeOf({ last: '7d', from: '2026-03-01' }, now), /not both/);
  t.throws(() => timeRangeOf({ to: '2026-03-01' }, now), /--to needs --from/);
  t.throws(() => timeRangeOf({ last: '0d' }, now), /longer than zero/);

  t.same(filterOf('channel=email'), { field: 'channel', operator: 'eq', value: 'email' });
  t.same(filterOf('amount>=10'), { field: 'amount', operator: 'gte', value: 10 });
  t.same(filterOf('amount>10'), { field: 'amount', operator: 'gt', value: 10 });
  t.same(filterOf('amount<=10'), { field: 'amount', operator: 'lte', value: 10 });
  t.same(filterOf('plan!=free'), { field: 'plan', operator: 'neq', value: 'free' });
  t.same(filterOf('plan!=free,trial'), {
    field: 'plan',
    operator: 'not_in',
    value: ['free', 'trial'],
  });
  t.same(filterOf('channel=email,sms'), {
    field: 'channel',
    operator: 'in',
    value: ['email', 'sms'],
  });
  t.same(filterOf('path~/api=v1'), { field: 'path', operator: 'contains', value: '/api=v1' });
  t.throws(() => filterOf('channel'), /expected field=value/);
});
