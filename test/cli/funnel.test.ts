import t from 'tap';
import { stepOf } from '../../src/cli/funnel.js';
import { runCli } from '../../src/cli/program.js';
import { spanOf } from '../../src/cli/time-range.js';
import { duration, percent } from '../../src/client/funnel-figures.js';
import { cliIO } from '../helpers/cli.js';
import { ACTIVATION_FUNNEL, activationEvents, DAY, HOUR, iso } from '../helpers/funnel-users.js';
import { ADMIN_KEY, startServer } from '../helpers/server.js';

t.test(
  'notifyd analytics funnel create, list, get, results (a table or JSON), delete',
  async (t) => {
    const s = await startServer(t);
    const env = { NOTIFYD_URL: s.url, NOTIFYD_API_KEY: ADMIN_KEY };
    const run = async (args: string[], code = 0) => {
      const r = cliIO(env);
      t.equal(await runCli(args, r.io), code, `notifyd ${args.join(' ')} ${r.err()}`);
      return r;
    };
    // Three days ago, on the hour: inside --last 7d, and a day of its own for --from/--to.
    const T = Math.floor((Date.now() - 3 * DAY) / HOUR) * HOUR;
    const seeded = await s.api('POST', '/api/v1/analytics/events/batch', {
      events: [
        ...activationEvents(T), // u6 signed up before --from, inside --last 7d
      ],
    });
    t.equal(seeded.body.accepted, 13, JSON.stringify(seeded.body));

    const created = await run([
      'analytics',
      'funnel',
      'create',
      'activation',
      '--step',
      'Signed up=signup',
      '--step',
      'Onboarded=onboard where source=web',
      '--step',
      'Bought=purchase',
      '--window',
      '1d',
      '--description',
      'From sign-up to the first purchase',
    ]);
    t.match(created.out(), /^activation \(fnl_\w+, version 1\)\n/);
    t.match(created.out(), /window {2}1 d from entering\n/);
    t.match(
      created.out(),
      /steps {3}1\. Signed up: signup\n {10}2\. Onboarded: onboard where source eq "web"\n/,
    );
    const stored = await s.api('GET', '/api/v1/analytics/funnels/activation');
    // The --step flags stored the funnel the API tests make from its JSON body.
    t.match(stored.body, {
      ...ACTIVATION_FUNNEL,
      description: 'From sign-up to the first purchase',
    });

    const list = (await run(['analytics', 'funnel', 'list'])).out();
    t.match(list, /^NAME\s+STEPS\s+WINDOW\s+UPDATED\s+ID\n/);
    t.match(list, /\nactivation\s+Signed up → Onboarded → Bought\s+1 d\s+\d{4}-\S+\s+fnl_\w+\n/);
    t.match(
      (await run(['analytics', 'funnel', 'get', 'activation'])).out(),
      /3\. Bought: purchase/,
    );

    const table = (
      await run([
        'analytics',
        'funnel',
        'results',
        'activation',
        '--from',
        iso(T),
        '--to',
        iso(T + DAY),
      ])
    ).out();
    const [summary, ...lines] = table.split('\n').reverse().slice(1);
    t.match(summary, /^5 entered, 20% converted, in 3 h on average \(\d+ rows scanned\)$/);
    t.same(lines.reverse(), [
      `activation: users entering from ${iso(T)} to ${iso(T + DAY)}`,
      'STEP       ENTERED  COMPLETED  CONVERSION  DROP-OFF  AVG TIME TO NEXT',
      'Signed up  5        2          40%         60%       1 h 30 min',
      'Onboarded  2        1          50%         50%       2 h',
      'Bought     1        1          100%        0%        —',
    ]);

    const json = JSON.parse(
      (await run(['analytics', 'funnel', 'results', 'activation', '--last', '7d', '--json'])).out(),
    );
    t.match(json, { funnel_id: /^fnl_/, overall_conversion_rate: Number });
    t.same(
      json.steps.map((s: { entered: number; completed: number }) => [s.entered, s.completed]),
      [
        [6, 3],
        [3, 1],
        [1, 1],
      ],
      '--last 7d reaches back to u6, who signed up before --from',
    );
    t.ok(Date.parse(json.time_range.end) - Date.parse(json.time_range.start) === 7 * DAY);

    const nobody = (
      await run([
        'analytics',
        'funnel',
        'results',
        'activation',
        '--from',
        iso(T - 5 * DAY),
        '--to',
        iso(T - 4 * DAY),
      ])
    ).out();
    t.match(nobody, /\nSigned up\s+0\s+0\s+—\s+—\s+—\n/, 'a rate over nobody is a dash');
    t.match(nobody, /\nNobody entered the funnel in this period \(\d+ rows scanned\)\n$/);

    const missing = await run(['analytics', 'funnel', 'results', 'nope'], 1);
    t.match(missing.err(), /FUNNEL_NOT_FOUND \(404\)/);
    const oneStep = await run(['analytics', 'funnel', 'create', 'x', '--step', 'signup'], 1);
    t.match(oneStep.err(), /a funnel needs at least two --step/);

    t.equal(
      (await run(['analytics', 'funnel', 'delete', 'activation'])).out(),
      'Deleted funnel activation.\n',
    );
    t.match(
      (await run(['analytics', 'funnel', 'list'])).out(),
      /^NAME\s+STEPS\s+WINDOW\s+UPDATED\s+ID\n$/,
    );
  },
);

t.test('--step, the period and the figures as people read them', async (t) => {
  t.same(stepOf('signup'), { name: 'signup', event_type: 'signup' });
  t.same(stepOf('Signed up = auth.signup'), { name: 'Signed up', event_type: 'auth.signup' });
  t.same(stepOf('Paid=purchase where amount>=10 and plan=pro,team'), {
    name: 'Paid',
    event_type: 'purchase',
    filters: [
      { field: 'amount', operator: 'gte', value: 10 },
      { field: 'plan', operator: 'in', value: ['pro', 'team'] },
    ],
  });
  t.throws(() => stepOf('Nameless='), /expected \[NAME=\]EVENT_TYPE/);
  t.throws(() => stepOf('paid where amount'), /--step paid where amount: expected field=value/);

  const now = Date.UTC(2026, 2, 10, 12);
  t.same(spanOf({}, now), { start: iso(now - 30 * DAY), end: iso(now) }, '30 days by default');
  t.same(spanOf({ last: '7d' }, now), { start: iso(now - 7 * DAY), end: iso(now) });
  t.same(spanOf({ last: '1y' }, now), { start: iso(now - 365 * DAY), end: iso(now) });
  t.same(spanOf({ from: '2026-03-01T00:00:00Z' }, now), {
    start: '2026-03-01T00:00:00Z',
    end: iso(now),
  });
  t.throws(() => spanOf({ last: '7d', from: '2026-03-01' }, now), /not both/);

  t.equal(percent(0.4), '40%');
  t.equal(percent(1 / 3), '33.3%');
  t.equal(percent(0), '0%');
  t.equal(percent(null), '—');
  t.equal(duration(42), '42 s');
  t.equal(duration(90), '1 min 30 s');
  t.equal(duration(5400), '1 h 30 min');
  t.equal(duration(7200), '2 h');
  t.equal(duration(2 * 86_400 + 4 * 3600 + 59), '2 d 4 h');
  t.equal(duration(0.2), '< 1 s');
  t.equal(duration(0), '0 s');
  t.equal(duration(null), '—');
});
