import t from 'tap';
import { runCli } from '../../src/cli/program.js';
import { FakeClock } from '../../src/core/clock.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { cliIO } from '../helpers/cli.js';
import { ADMIN_KEY, startServer } from '../helpers/server.js';

const MIN = 60_000;
const NOW = Date.UTC(2026, 2, 10, 12);
const iso = (ms: number) => new Date(ms).toISOString();

t.test(
  'notifyd alert rule create|list|show|disable|enable|delete, alert list|show|ack',
  async (t) => {
    const clock = new FakeClock(NOW);
    const s = await startServer(t, {}, createMemoryStore(), { clock });
    const env = { NOTIFYD_URL: s.url, NOTIFYD_API_KEY: ADMIN_KEY };
    const run = async (args: string[], code = 0) => {
      const r = cliIO(env, process.cwd());
      t.equal(await runCli(args, r.io), code, `notifyd ${args.join(' ')} ${r.err()}`);
      return r;
    };
    const events = [1, 2].map((m) => ({
      event_type: 'signup',
      timestamp: iso(NOW - m * MIN),
      properties: { plan: 'pro' },
    }));
    await s.api('POST', '/api/v1/analytics/events/batch', { events });

    const created = await run([
      'alert',
      'rule',
      'create',
      'signups-drop',
      '--metric',
      'count:signup',
      '--condition',
      'change_percent',
      '--threshold',
      '-50',
      '--window',
      '1h',
      '--every',
      '5m',
      '--filter',
      'plan=pro',
      '--subscriber',
      'ops',
      '--topic',
      'oncall',
      '--channel',
      'in_app',
    ]);
    t.match(created.out(), /^signups-drop \(alr_\w+, enabled\)/);
    t.match(created.out(), /when\s+count:signup change percent -50% over 1h, evaluated every 5m/);
    t.match(created.out(), /filters\s+plan eq pro/);
    t.match(created.out(), /notifies\s+ops, topic oncall \(in_app, category alerts\)/);
    t.match(created.out(), /next\s+2026-03-10T12:05:00\.000Z/);

    await run([
      'alert',
      'rule',
      'create',
      'no-signups',
      '--metric',
      'count:signup',
      '--condition',
      'below',
      '--threshold',
      '3',
      '--window',
      '10m',
    ]);
    t.match(
      (await run(['alert', 'rule', 'list'])).out(),
      /no-signups\s+alr_\w+\s+count:signup below 3 over 10m\s+1m\s+enabled\s+2026-03-10T12:01:00\.000Z/,
    );
    t.match(JSON.parse((await run(['alert', 'rule', 'show', 'no-signups', '--json'])).out()), {
      condition: 'below',
      threshold: 3,
      window_minutes: 10,
    });

    clock.set(NOW + MIN);
    await s.server.scheduler.runDue();
    const listed = (await run(['alert', 'list'])).out();
    t.match(listed, /ID\s+RULE\s+STATUS\s+VALUE\s+THRESHOLD\s+TRIGGERED/);
    t.match(listed, /alt_\w+\s+no-signups\s+triggered\s+2\s+below 3\s+2026-03-10T12:01:00\.000Z/);
    const [alert] = JSON.parse(
      (await run(['alert', 'list', '--rule', 'no-signups', '--json'])).out(),
    ).data;
    t.match(
      (await run(['alert', 'show', alert.id])).out(),
      /^no-signups: triggered \(alt_\w+\)\n {2}value\s+2, below 3\n/,
    );
    t.match(
      (await run(['alert', 'ack', alert.id])).out(),
      /acked\s+2026-03-10T12:01:00\.000Z by admin/,
    );
    t.equal(
      JSON.parse((await run(['alert', 'list', '--status', 'acknowledged', '--json'])).out()).total,
      1,
    );

    t.match((await run(['alert', 'rule', 'disable', 'no-signups'])).out(), /\(alr_\w+, disabled\)/);
    t.match((await run(['alert', 'show', alert.id])).out(), /resolved\s+\S+ \(rule_disabled\)/);
    t.match((await run(['alert', 'rule', 'enable', 'no-signups'])).out(), /, enabled\)/);
    t.match(
      (await run(['alert', 'rule', 'delete', 'signups-drop'])).out(),
      'Deleted alert rule signups-drop.',
    );
    t.equal(JSON.parse((await run(['alert', 'rule', 'list', '--json'])).out()).total, 1);

    // Failures: one line, exit 1.
    const base = ['alert', 'rule', 'create', 'x', '--metric', 'events', '--window', '5m'];
    t.match(
      (await run([...base, '--condition', 'over', '--threshold', '1'], 1)).err(),
      /Allowed: above, below, change_percent/,
    );
    t.match(
      (await run([...base, '--condition', 'above', '--threshold', 'lots'], 1)).err(),
      /Expected a number/,
    );
    t.match((await run([...base, '--condition', 'above'], 1)).err(), /--threshold/);
    t.match(
      (await run([...base, '--condition', 'above', '--threshold', '1', '--filter', 'x'], 1)).err(),
      /field=value/,
    );
    t.match(
      (
        await run(
          [
            'alert',
            'rule',
            'create',
            'x',
            '--metric',
            'nope',
            '--condition',
            'above',
            '--threshold',
            '1',
            '--window',
            '5m',
          ],
          1,
        )
      ).err(),
      /INVALID_METRIC \(400\)/,
    );
    t.match(
      (await run([...base, '--condition', 'above', '--threshold', '1', '--window', '5s'], 1)).err(),
      /VALIDATION_ERROR \(400\)/,
    );
    t.match((await run(['alert', 'ack', 'alt_nope'], 1)).err(), /ALERT_NOT_FOUND \(404\)/);
    t.match(
      (await run(['alert', 'rule', 'show', 'nope'], 1)).err(),
      /ALERT_RULE_NOT_FOUND \(404\)/,
    );
  },
);
