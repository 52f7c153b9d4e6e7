import { execFileSync } from 'node:child_process';
import t, { type Test } from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import type { Store } from '../../src/store/types.js';
import { TEST_CA } from '../helpers/peers/plugin-harness.js';
import { type SmtpPeer, startSmtpPeer } from '../helpers/peers/smtp-peer.js';
import { type Overrides, type Running, startServer } from '../helpers/server.js';
import { startReceiver } from '../helpers/webhook-receiver.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Tuesday, March 10 2026, 12:00 UTC (13:00 in Berlin, UTC+1 until March 29). */
const NOW = Date.UTC(2026, 2, 10, 12);
const iso = (ms: number) => new Date(ms).toISOString();
const S = '/api/v1/reports/schedules';

/** Signups: 2 on March 9, 3 on March 10 before noon. */
const EVENTS = [
  ...[1, 5].map((h) => Date.UTC(2026, 2, 9, h)),
  ...[1, 2, 3].map((h) => Date.UTC(2026, 2, 10, h)),
].map((at) => ({ event_type: 'signup', user_id: `u${at}`, timestamp: iso(at) }));

const DEFINITION = {
  name: 'signups',
  title: 'Daily signups',
  queries: [{ title: 'Signups', metrics: ['count:signup'] }],
  format: 'pdf',
};

async function setup(t: Test, over: Overrides = {}, store: Store = createMemoryStore()) {
  const peer = await startSmtpPeer(t, null);
  const clock = new FakeClock(NOW);
  const s = await startServer(
    t,
    {
      providers: {
        email: [
          {
            name: 'mail',
            plugin: 'smtp',
            options: { host: '127.0.0.1', port: peer.port, from: 'reports@acme.test', ca: TEST_CA },
          },
        ],
      },
      delivery: { workers: { enabled: false } },
      ...over,
    } as Overrides,
    store,
    { clock },
  );
  const res = await s.api('POST', '/api/v1/analytics/events/batch', { events: EVENTS });
  t.equal(res.body.accepted, EVENTS.length);
  t.equal((await s.api('POST', '/api/v1/reports/definitions', DEFINITION)).status, 201);
  return { s, clock, peer };
}

/** Runs due jobs, then the deliveries they made; answers the reports made by schedules. */
async function tick(s: Running) {
  await s.server.scheduler.runDue();
  await s.server.providers.worker!.runOnce();
  const list = await s.api('GET', '/api/v1/reports?per_page=100');
  return (list.body.data as Array<{ id: string; schedule_id: string | null }>).filter(
    (r) => r.schedule_id !== null,
  );
}

const attachmentOf = (peer: SmtpPeer, i: number) =>
  peer.mails[i]?.parts.find((p) => /attachment/.test(p.headers['content-disposition'] ?? ''));

t.test('a daily schedule runs once a day at its time in its zone, and mails the PDF', async (t) => {
  const { s, clock, peer } = await setup(t);
  const created = await s.api('POST', S, {
    name: 'morning',
    definition: 'signups',
    schedule: 'daily',
    time: '09:00',
    timezone: 'Europe/Berlin',
    delivery: { email: ['ops@acme.test', 'cto@acme.test'] },
  });
  t.equal(created.status, 201, JSON.stringify(created.body));
  const firstRun = Date.UTC(2026, 2, 11, 8); // 09:00 in Berlin
  t.match(created.body, {
    id: /^rps_/,
    name: 'morning',
    cron: '0 9 * * *',
    status: 'active',
    next_run_at: iso(firstRun),
    last_run_at: null,
  });
  const id = created.body.id as string;

  clock.set(firstRun - 60_000);
  t.same(await tick(s), [], 'nothing before 09:00 Berlin');
  t.equal(peer.mails.length, 0);

  clock.set(firstRun);
  const made = await tick(s);
  t.equal(made.length, 1, 'one report at 09:00');
  t.equal(made[0]?.schedule_id, id);
  t.same(peer.mails.map((m) => m.to).sort(), [['cto@acme.test'], ['ops@acme.test']]);
  t.equal(
    peer.mails[0]?.headers.subject,
    'Daily signups (2026-03-10 09:00 to 2026-03-11 09:00 UTC)',
  );
  const pdf = attachmentOf(peer, 0);
  t.match(pdf?.headers['content-type'], /^application\/pdf/);
  t.match(pdf?.headers['content-disposition'], /Daily-signups-2026-03-10\.pdf/);
  t.equal(pdf?.bytes.subarray(0, 5).toString(), '%PDF-');
  const text = execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf?.bytes }).toString();
  t.match(text, /Daily signups/);

  const after = await s.api('GET', `${S}/${id}`);
  t.match(after.body, {
    last_run_at: iso(firstRun),
    next_run_at: iso(firstRun + DAY),
    last_report_id: made[0]?.id,
    last_error: null,
  });

  clock.set(firstRun + DAY - 1);
  t.equal((await tick(s)).length, 1, 'no second run within the day');
  clock.set(firstRun + DAY + 5 * HOUR);
  t.equal((await tick(s)).length, 2, 'the next day (late, once)');
  t.equal(peer.mails.length, 4);
  const next = await s.api('GET', `${S}/morning`);
  t.equal(next.body.next_run_at, iso(firstRun + 2 * DAY));
});

t.test('pause stops the runs; resume starts again from the next occurrence', async (t) => {
  const { s, clock, peer } = await setup(t);
  const created = await s.api('POST', S, {
    name: 'csv',
    definition: 'signups',
    format: 'csv',
    schedule: '30 6 * * *',
    timezone: 'UTC',
    delivery: { email: ['ops@acme.test'] },
  });
  t.equal(created.status, 201, JSON.stringify(created.body));
  const paused = await s.api('POST', `${S}/csv/pause`);
  t.match(paused.body, { status: 'paused', next_run_at: null });
  clock.set(Date.UTC(2026, 2, 13));
  t.same(await tick(s), [], 'no run while paused');
  t.equal(peer.mails.length, 0);

  const resumed = await s.api('POST', `${S}/csv/resume`);
  t.match(resumed.body, { status: 'active', next_run_at: iso(Date.UTC(2026, 2, 13, 6, 30)) });
  clock.set(Date.UTC(2026, 2, 13, 6, 30));
  t.equal((await tick(s)).length, 1, 'runs once resumed, missed days not made up');
  const csv = attachmentOf(peer, 0);
  t.match(csv?.headers['content-type'], /^text\/csv/);
  t.match(csv?.bytes.toString(), /signup/);

  const listed = await s.api('GET', S);
  t.equal(listed.body.total, 1);
  t.equal((await s.api('DELETE', `${S}/csv`)).status, 204);
  clock.set(Date.UTC(2026, 2, 14, 6, 30));
  t.equal((await tick(s)).length, 1, 'a deleted schedule runs no more');
  t.equal((await s.api('GET', `${S}/csv`)).status, 404);
});

t.test('two nodes on one store: each run happens once', async (t) => {
  const store = createMemoryStore();
  const { s, clock, peer } = await setup(t, {}, store);
  const other = await startServer(t, { delivery: { workers: { enabled: false } } }, store, {
    clock,
  });
  await s.api('POST', S, {
    name: 'weekly',
    definition: 'signups',
    schedule: 'weekly',
    delivery: { email: ['ops@acme.test'] },
  });
  const monday = Date.UTC(2026, 2, 16, 8);
  t.equal((await s.api('GET', `${S}/weekly`)).body.next_run_at, iso(monday));
  clock.set(monday);
  await Promise.all([s.server.scheduler.runDue(), other.server.scheduler.runDue()]);
  t.equal((await tick(s)).length, 1);
  t.equal(peer.mails.length, 1);
});

t.test('webhook delivery: a signed download link through the webhook channel', async (t) => {
  const receiver = await startReceiver(t);
  const { s, clock } = await setup(t, {
    providers: {
      webhook: [
        {
          name: 'hooks',
          plugin: 'webhook',
          options: { secret: 'a-webhook-secret-0123', denied_networks: [] },
        },
      ],
    },
    analytics: { reports: { link_secret: 'link-secret-0123456789' } },
  } as Overrides);
  const created = await s.api('POST', S, {
    name: 'hook',
    definition: 'signups',
    format: 'json',
    schedule: 'monthly',
    time: '07:00',
    delivery: { webhook: `${receiver.url}/reports` },
  });
  t.equal(created.status, 201, JSON.stringify(created.body));
  clock.set(Date.UTC(2026, 3, 1, 7));
  t.equal((await tick(s)).length, 1);
  const [hit] = receiver.at('/reports');
  t.match(hit?.body.data, {
    type: 'analytics.report.scheduled',
    schedule_id: created.body.id,
    format: 'json',
    download_url: /^\/api\/v1\/reports\/rpt_\w+\/file\?format=json&expires=\d+&signature=/,
  });
  const link = `${s.url}${hit?.body.data.download_url}`;
  const file = await fetch(link);
  t.equal(file.status, 200);
  t.match(await file.json(), { title: 'Daily signups' });
  const forged = await fetch(link.replace(/signature=./, 'signature=X'));
  t.equal(forged.status, 403);
  t.equal((await forged.json()).error.code, 'FORBIDDEN');
  clock.advance(73 * HOUR);
  t.equal((await fetch(link)).status, 403, 'the link ends after link_ttl_hours');
});

t.test('a schedule that cannot run is refused with the error envelope', async (t) => {
  const { s } = await setup(t);
  const base = {
    name: 'x',
    definition: 'signups',
    schedule: 'daily',
    delivery: { email: ['ops@acme.test'] },
  };
  const cases: Array<[object, number, string]> = [
    [{ schedule: 'every tuesday' }, 400, 'INVALID_SCHEDULE'],
    [{ timezone: 'Mars/Olympus' }, 400, 'INVALID_SCHEDULE'],
    [{ delivery: {} }, 400, 'INVALID_SCHEDULE'],
    [{ delivery: { webhook: 'https://example.com/x' } }, 400, 'INVALID_SCHEDULE'],
    [{ delivery: { email: ['not-an-address'] } }, 400, 'VALIDATION_ERROR'],
    [{ time: '25:00' }, 400, 'VALIDATION_ERROR'],
    [{ definition: 'nope' }, 404, 'REPORT_DEFINITION_NOT_FOUND'],
  ];
  for (const [over, status, code] of cases) {
    const res = await s.api('POST', S, { ...base, ...over });
    t.equal(res.status, status, JSON.stringify(over));
    t.equal(res.body.error?.code, code, JSON.stringify(over));
  }
  t.equal((await s.api('POST', S, base)).status, 201);
  const again = await s.api('POST', S, base);
  t.equal(again.status, 409);
  t.equal(again.body.error.code, 'SCHEDULE_CONFLICT');
  t.equal((await s.api('GET', `${S}/nope`)).body.error.code, 'SCHEDULE_NOT_FOUND');
  const changed = await s.api('PATCH', `${S}/x`, { schedule: '0 12 * * *' });
  t.match(changed.body, { cron: '0 12 * * *', next_run_at: iso(Date.UTC(2026, 2, 11, 12)) });
});

t.test('a schedule takes its definition as `definition` or `report_definition_id`', async (t) => {
  const { s } = await setup(t);
  const def = (await s.api('GET', '/api/v1/reports/definitions/signups')).body.id as string;
  const base = { schedule: 'daily', delivery: { email: ['ops@acme.test'] } };
  for (const [name, by] of [
    ['by-name', { report_definition_id: 'signups' }],
    ['by-id', { report_definition_id: def }],
    ['both', { definition: 'signups', report_definition_id: def }],
  ] as const) {
    const res = await s.api('POST', S, { ...base, name, ...by });
    t.equal(res.status, 201, JSON.stringify(res.body));
    t.match(res.body, { name, report_definition_id: def, definition: def });
  }
  const cases: Array<[object, number, string]> = [
    [
      { definition: 'signups', report_definition_id: 'notification-delivery' },
      400,
      'VALIDATION_ERROR',
    ],
    [{}, 400, 'VALIDATION_ERROR'],
    [{ report_definition_id: 'nope' }, 404, 'REPORT_DEFINITION_NOT_FOUND'],
  ];
  for (const [over, status, code] of cases) {
    const res = await s.api('POST', S, { ...base, name: 'x', ...over });
    t.equal(res.status, status, JSON.stringify(over));
    t.equal(res.body.error?.code, code, JSON.stringify(over));
  }
  t.equal((await s.api('GET', S)).body.total, 3, 'none of those stored');
});
