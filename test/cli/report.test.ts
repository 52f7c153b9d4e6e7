import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../../src/cli/program.js';
import { FakeClock } from '../../src/core/clock.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { cliIO } from '../helpers/cli.js';
import { ADMIN_KEY, startServer } from '../helpers/server.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 2, 10, 12);
const iso = (ms: number) => new Date(ms).toISOString();

t.test(
  'notifyd report: definitions, generate to a file, list, get, download, delete',
  async (t) => {
    const s = await startServer(t, {}, createMemoryStore(), { clock: new FakeClock(NOW) });
    const events = [
      ...[0, 0, 1].map((d) => ({
        event_type: 'signup',
        timestamp: iso(NOW - (d + 1) * DAY),
        properties: { plan: 'pro' },
      })),
      { event_type: 'signup', timestamp: iso(NOW - DAY), properties: { plan: 'free' } },
    ];
    t.equal((await s.api('POST', '/api/v1/analytics/events/batch', { events })).body.accepted, 4);
    await s.api('POST', '/api/v1/reports/definitions', {
      name: 'signups',
      title: 'Signups',
      queries: [{ title: 'By plan', metrics: ['count:signup'], dimensions: ['plan'] }],
    });
    const dir = mkdtempSync(join(tmpdir(), 'notifyd-report-'));
    const env = { NOTIFYD_URL: s.url, NOTIFYD_API_KEY: ADMIN_KEY };
    const run = async (args: string[], code = 0) => {
      const r = cliIO(env, dir);
      t.equal(await runCli(args, r.io), code, `notifyd ${args.join(' ')} ${r.err()}`);
      return r;
    };

    const defs = (await run(['report', 'definitions'])).out();
    t.match(defs, /signups\s+custom\s+Signups\s+1\s+-\s+last_7d\s+pdf/);
    t.match(
      defs,
      /notification-delivery\s+notifications\s+Notification delivery\s+4\s+channel, category, template, tenant\s+last_7d\s+pdf/,
    );
    t.match(
      defs,
      /compliance-audit\s+compliance\s+Compliance audit\s+4\s+object, action, actor, tenant/,
    );
    t.equal(JSON.parse((await run(['report', 'definitions', '--json'])).out()).total, 10);

    const made = await run(['report', 'generate', 'signups', '--format', 'pdf', '--out', 'r.pdf']);
    t.match(made.out(), /^Wrote r\.pdf \(\d+ bytes\)\.\nSignups \(rpt_\w+, completed\)/);
    t.match(made.out(), /section\s+By plan: 2 rows/);
    const text = execFileSync('pdftotext', ['-layout', join(dir, 'r.pdf'), '-']).toString();
    t.match(text, /Totals: count:signup 4/);
    t.match(text, /pro\s+3/);
    t.match(text, /free\s+1/);

    const inline = JSON.parse(
      (
        await run([
          'report',
          'generate',
          '--query',
          'count:signup',
          '--by',
          'plan',
          '--granularity',
          'day',
          '--last',
          '30d',
          '--timezone',
          'UTC',
          '--title',
          'Daily',
          '--format',
          'csv',
          '--json',
        ])
      ).out(),
    );
    t.match(inline, {
      title: 'Daily',
      format: 'csv',
      parameters: { time_range: { preset: 'last_30d' } },
    });
    const fixed = JSON.parse(
      (
        await run([
          'report',
          'generate',
          '--query',
          'events',
          '--from',
          iso(NOW - 3 * DAY),
          '--to',
          iso(NOW),
          '--json',
          '--out',
          'x.json',
          '--format',
          'json',
        ])
      ).out(),
    );
    t.match(JSON.parse(readFileSync(join(dir, 'x.json'), 'utf8')), {
      sections: [{ rows: [{ values: { events: 4 } }] }],
    });

    const listed = await run(['report', 'list']);
    t.match(listed.out(), /ID\s+TITLE\s+STATUS/);
    t.match(listed.out(), /Daily\s+completed\s+csv/);
    t.equal(
      JSON.parse((await run(['report', 'list', '--status', 'failed', '--json'])).out()).total,
      0,
    );
    t.match(
      (await run(['report', 'get', inline.id])).out(),
      /^Daily \(rpt_\w+, completed\)\n {2}period/,
    );

    const dl = await run(['report', 'download', inline.id, '--out', 'daily.csv']);
    t.match(dl.out(), /^Wrote daily\.csv/);
    const csv = readFileSync(join(dir, 'daily.csv'), 'utf8').trimEnd().split('\r\n');
    t.equal(csv[0], 'section,timestamp,plan,count:signup');
    t.ok(csv.includes(`count:signup,${iso(NOW - 2 * DAY - 12 * 3_600_000)},pro,1`), csv.join('\n'));
    t.match(
      JSON.parse(
        (
          await run(['report', 'download', fixed.id, '--format', 'pdf', '--out', 'f.pdf', '--json'])
        ).out(),
      ),
      { out: 'f.pdf' },
    );

    // A built-in definition with --param (a name twice is a list).
    const built = JSON.parse(
      (
        await run([
          'report',
          'generate',
          'notification-delivery',
          '--param',
          'channel=email',
          '--param',
          'channel=push',
          '--param',
          'period=last_30d',
          '--format',
          'csv',
          '--out',
          'nd.csv',
          '--json',
        ])
      ).out(),
    );
    t.match(built, {
      report_definition_id: 'notification-delivery',
      status: 'completed',
      parameters: { channel: ['email', 'push'], period: 'last_30d' },
    });
    t.match(
      readFileSync(join(dir, 'nd.csv'), 'utf8'),
      /^section,timestamp,channel,notifications_sent/,
    );
    t.match(
      (await run(['report', 'generate', 'api-usage', '--param', 'colour=red'], 1)).err(),
      /Unknown parameter colour/,
    );
    t.match(
      (await run(['report', 'generate', 'api-usage', '--param', 'colour'], 1)).err(),
      /--param takes name=value/,
    );

    // Failures: one line, exit 1.
    t.match((await run(['report', 'generate'], 1)).err(), /give a definition/);
    t.match(
      (await run(['report', 'generate', 'signups', '--query', 'events'], 1)).err(),
      /not both/,
    );
    t.match(
      (
        await run(
          ['report', 'generate', '--query', 'events', '--last', '7d', '--from', 'x', '--to', 'y'],
          1,
        )
      ).err(),
      /--last or --from/,
    );
    t.match(
      (await run(['report', 'generate', '--query', 'events', '--from', 'x'], 1)).err(),
      /go together/,
    );
    t.match(
      (await run(['report', 'generate', '--query', 'nope'], 1)).err(),
      /INVALID_METRIC \(400\)/,
    );
    t.match(
      (await run(['report', 'download', 'rpt_nope', '--out', 'n'], 1)).err(),
      /REPORT_NOT_FOUND \(404\)/,
    );
    t.match(
      (await run(['report', 'generate', '--query', 'events', '--last', '2w'], 1)).err(),
      /Allowed: 24h, 7d/,
    );

    // A report that fails says so.
    await s.server.analytics!.reporting.reports.make(
      {
        title: 'x',
        description: '',
        definition: null,
        queries: [],
        time_range: { start: 'bad' },
        timezone: 'UTC',
        format: 'csv',
      },
      'default',
      null,
      null,
    );
    const failedId = JSON.parse(
      (await run(['report', 'list', '--status', 'failed', '--json'])).out(),
    ).data[0].id;
    t.match((await run(['report', 'get', failedId])).out(), /error\s+INVALID_TIME_RANGE/);
    t.match((await run(['report', 'delete', failedId])).out(), /Deleted report rpt_/);
  },
);

t.test('notifyd report schedule: create, list, get, pause, resume, delete', async (t) => {
  const s = await startServer(t, {}, createMemoryStore(), { clock: new FakeClock(NOW) });
  await s.api('POST', '/api/v1/reports/definitions', {
    name: 'signups',
    title: 'Signups',
    queries: [{ title: 'All', metrics: ['count:signup'] }],
  });
  const env = { NOTIFYD_URL: s.url, NOTIFYD_API_KEY: ADMIN_KEY };
  const run = async (args: string[], code = 0) => {
    const r = cliIO(env, process.cwd());
    t.equal(await runCli(args, r.io), code, `notifyd ${args.join(' ')} ${r.err()}`);
    return r;
  };
  const created = await run([
    'report',
    'schedule',
    'create',
    'morning',
    'signups',
    '--schedule',
    'daily',
    '--at',
    '09:00',
    '--timezone',
    'Europe/Berlin',
    '--email',
    'ops@acme.test',
    '--email',
    'cto@acme.test',
  ]);
  // Says what it created, the schedule, and the definition it runs by the name it was given.
  t.match(created.out(), /^Created report schedule morning \(rps_\w+, active\)\n/);
  t.match(created.out(), /\n {2}report\s+signups \(rpd_\w+\)\n/);
  t.match(created.out(), /runs\s+daily at 09:00 Europe\/Berlin/);
  t.match(created.out(), /to\s+ops@acme\.test, cto@acme\.test/);
  t.match(created.out(), /next\s+2026-03-11T08:00:00\.000Z/);
  t.match(
    (await run(['report', 'schedule', 'get', 'morning'])).out(),
    /^morning \(rps_\w+, active\)\n/,
  );
  // A weekly or monthly cadence says its day: "weekly at 08:00" alone hid that it is Mondays.
  const weekly = await run(
    'report schedule create mondays signups --schedule weekly --email ops@acme.test'.split(' '),
  );
  t.match(weekly.out(), /runs\s+weekly on Mondays at 08:00 UTC/);
  await run(['report', 'schedule', 'delete', 'mondays']);
  t.match(
    (await run(['report', 'schedule', 'list'])).out(),
    /morning\s+rps_\w+\s+daily 09:00\s+Europe\/Berlin\s+active\s+2026-03-11T08:00:00\.000Z/,
  );
  t.match((await run(['report', 'schedule', 'pause', 'morning'])).out(), /\(rps_\w+, paused\)/);
  const resumed = JSON.parse(
    (await run(['report', 'schedule', 'resume', 'morning', '--json'])).out(),
  );
  t.match(resumed, { status: 'active', next_run_at: '2026-03-11T08:00:00.000Z' });
  const bad = await run(
    ['report', 'schedule', 'create', 'x', 'signups', '--schedule', 'often', '--email', 'a@b.co'],
    1,
  );
  t.match(bad.err(), /INVALID_SCHEDULE/);
  const built = JSON.parse(
    (
      await run([
        'report',
        'schedule',
        'create',
        'sms-weekly',
        'channel-performance',
        '--schedule',
        'weekly',
        '--email',
        'ops@acme.test',
        '--param',
        'channel=sms',
        '--title',
        'SMS',
        '--json',
      ])
    ).out(),
  );
  t.match(built, {
    report_definition_id: 'channel-performance',
    parameters: { channel: 'sms', title: 'SMS' },
  });
  t.match(
    (
      await run(
        [
          'report',
          'schedule',
          'create',
          'y',
          'channel-performance',
          '--schedule',
          'weekly',
          '--email',
          'a@b.co',
          '--param',
          'channel=fax',
        ],
        1,
      )
    ).err(),
    /INVALID_REPORT_PARAMETER/,
  );
  await run(['report', 'schedule', 'delete', 'sms-weekly']);
  t.match(
    (await run(['report', 'schedule', 'delete', 'morning'])).out(),
    'Deleted report schedule morning.',
  );
  t.equal(JSON.parse((await run(['report', 'schedule', 'list', '--json'])).out()).total, 0);
});
