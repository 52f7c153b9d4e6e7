import { execFileSync } from 'node:child_process';
import t, { type Test } from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import type { EventEnvelope } from '../../src/events/types.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import type { Store } from '../../src/store/types.js';
import { ADMIN_KEY, type Running, startServer } from '../helpers/server.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 2, 10, 12);
const D7 = Date.UTC(2026, 2, 7);
const iso = (ms: number) => new Date(ms).toISOString();
const R = '/api/v1/reports';

const ev = (type: string, at: number, properties = {}) => ({
  event_type: type,
  user_id: 'u1',
  timestamp: iso(at),
  properties,
});

/** Known data: signups 3, 1, 2 and logins 5, 2, 0 on March 7, 8, 9; plans free 2, pro 4. */
const EVENTS = [
  ev('signup', D7 + HOUR, { plan: 'free' }),
  ev('signup', D7 + 2 * HOUR, { plan: 'free' }),
  ev('signup', D7 + 3 * HOUR, { plan: 'pro' }),
  ...Array.from({ length: 5 }, (_, i) => ev('login', D7 + (10 + i) * HOUR)),
  ev('signup', D7 + DAY + HOUR, { plan: 'pro' }),
  ev('login', D7 + DAY + 2 * HOUR),
  ev('login', D7 + DAY + 3 * HOUR),
  ev('signup', D7 + 2 * DAY + HOUR, { plan: 'pro' }),
  ev('signup', D7 + 2 * DAY + 5 * HOUR, { plan: 'pro' }),
];

const DEFINITION = {
  name: 'growth',
  title: 'Weekly growth',
  description: 'Signups and logins for the growth meeting.',
  queries: [
    { title: 'Signups per day', metrics: ['count:signup', 'count:login'], granularity: 'day' },
    {
      title: 'Signups by plan',
      metrics: ['count:signup'],
      dimensions: ['plan'],
      order_by: 'count:signup',
      order_direction: 'desc',
    },
  ],
  time_range: { start: iso(D7), end: iso(D7 + 3 * DAY) },
  format: 'pdf',
};

async function seeded(t: Test, overrides = {}, store: Store = createMemoryStore()) {
  const clock = new FakeClock(NOW);
  const s = await startServer(t, overrides, store, { clock });
  const res = await s.api('POST', '/api/v1/analytics/events/batch', { events: EVENTS });
  t.equal(res.body.accepted, EVENTS.length);
  const heard: EventEnvelope[] = [];
  s.server.events.subscribe((e) => {
    heard.push(e);
  });
  return { s, clock, heard };
}

async function download(s: Running, id: string, format?: string) {
  const res = await fetch(`${s.url}${R}/${id}/download${format ? `?format=${format}` : ''}`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

const pdfText = (pdf: Buffer, ...args: string[]) =>
  execFileSync('pdftotext', ['-layout', ...args, '-', '-'], { input: pdf }).toString();

t.test('report definitions: CRUD as admin objects, checked like queries', async (t) => {
  const { s } = await seeded(t);
  const created = await s.api('POST', `${R}/definitions`, DEFINITION);
  t.equal(created.status, 201, JSON.stringify(created.body));
  t.match(created.body, {
    id: /^rpd_/,
    name: 'growth',
    title: 'Weekly growth',
    timezone: 'UTC',
    format: 'pdf',
    available_formats: ['csv', 'json', 'pdf'],
    version: 1,
  });
  const byName = await s.api('GET', `${R}/definitions/growth`);
  t.equal(byName.body.id, created.body.id);
  const minimal = await s.api('POST', `${R}/definitions`, {
    name: 'minimal',
    queries: [{ title: 'All', metrics: ['events'] }],
  });
  t.match(minimal.body, { title: 'minimal', time_range: { preset: 'last_7d' }, format: 'pdf' });
  const list = await s.api('GET', `${R}/definitions`);
  t.same(
    list.body.data
      .filter((d: { builtin: boolean }) => !d.builtin)
      .map((d: { name: string }) => d.name),
    ['growth', 'minimal'],
    'the built-in ones first (test/analytics/report-builtins.test.ts), then these',
  );
  t.equal(list.body.total, 11);
  const patched = await s.api('PATCH', `${R}/definitions/minimal`, {
    format: 'csv',
    timezone: 'Europe/Paris',
    queries: [{ title: 'All', metrics: ['events', 'unique_users'] }],
  });
  t.match(patched.body, { format: 'csv', timezone: 'Europe/Paris', version: 2 });

  const bad = async (method: string, path: string, body: unknown, code: string) => {
    const res = await s.api(method, path, body);
    t.equal(res.body.error?.code, code, `${method} ${path} ${JSON.stringify(body)}`);
  };
  const q = (extra: object) => ({
    name: 'x',
    queries: [{ title: 'q', metrics: ['events'], ...extra }],
  });
  await bad('POST', `${R}/definitions`, q({ metrics: ['nope'] }), 'INVALID_METRIC');
  await bad(
    'POST',
    `${R}/definitions`,
    q({ filters: [{ field: 'plan', operator: 'in', value: 'x' }] }),
    'VALIDATION_ERROR',
  );
  await bad('POST', `${R}/definitions`, { ...q({}), timezone: 'Mars/Base' }, 'INVALID_TIME_RANGE');
  await bad('POST', `${R}/definitions`, q({ order_by: 'other' }), 'VALIDATION_ERROR');
  await bad('POST', `${R}/definitions`, { ...q({}), format: 'docx' }, 'VALIDATION_ERROR');
  await bad('POST', `${R}/definitions`, DEFINITION, 'ALREADY_EXISTS');
  await bad(
    'PATCH',
    `${R}/definitions/growth`,
    { queries: [{ title: 'q', metrics: ['x'] }] },
    'INVALID_METRIC',
  );
  await bad('PATCH', `${R}/definitions/growth`, { timezone: 'Nowhere' }, 'INVALID_TIME_RANGE');
  await bad('PATCH', `${R}/definitions/growth`, { title: 'T', version: 9 }, 'VERSION_CONFLICT');
  t.equal((await s.api('DELETE', `${R}/definitions/minimal`)).status, 204);
  await bad('GET', `${R}/definitions/minimal`, undefined, 'REPORT_DEFINITION_NOT_FOUND');
});

t.test('a report from a definition: the known numbers in CSV, JSON and PDF', async (t) => {
  const { s, heard } = await seeded(t);
  await s.api('POST', `${R}/definitions`, DEFINITION);
  const made = await s.api('POST', R, { definition: 'growth' });
  t.equal(made.status, 201, JSON.stringify(made.body));
  const id = made.body.id;
  t.match(made.body, {
    id: /^rpt_/,
    title: 'Weekly growth',
    status: 'completed',
    format: 'pdf',
    report_definition_name: 'growth',
    period: { start: iso(D7), end: iso(D7 + 3 * DAY) },
    sections: [
      { title: 'Signups per day', rows: 3, total_count: 3, truncated: false },
      { title: 'Signups by plan', rows: 2, total_count: 2, truncated: false },
    ],
    download_url: `${R}/${id}/download`,
    expires_at: iso(NOW + 168 * HOUR),
    error_code: null,
  });
  t.ok(made.body.file_size_bytes > 1000, 'the size of its PDF');
  t.match(heard.find((e) => e.type === 'analytics.report.generated')?.data, {
    report_id: id,
    format: 'pdf',
    file_size_bytes: made.body.file_size_bytes,
  });
  t.equal((await s.api('GET', `${R}/${id}`)).body.id, id);

  const csv = await download(s, id, 'csv');
  t.equal(csv.status, 200);
  t.match(csv.headers.get('content-type'), /^text\/csv/);
  t.equal(csv.headers.get('content-disposition'), `attachment; filename="${id}.csv"`);
  const rows = csv.body
    .toString()
    .trimEnd()
    .split('\r\n')
    .map((l) => l.split(','));
  t.same(rows, [
    ['section', 'timestamp', 'plan', 'count:signup', 'count:login'],
    ['Signups per day', iso(D7), '', '3', '5'],
    ['Signups per day', iso(D7 + DAY), '', '1', '2'],
    ['Signups per day', iso(D7 + 2 * DAY), '', '2', '0'],
    ['Signups by plan', iso(D7), 'pro', '4', ''],
    ['Signups by plan', iso(D7), 'free', '2', ''],
  ]);

  const json = await download(s, id, 'json');
  t.match(json.headers.get('content-type'), /^application\/json/);
  const doc = JSON.parse(json.body.toString());
  t.match(doc, {
    title: 'Weekly growth',
    period: { start: iso(D7), end: iso(D7 + 3 * DAY) },
    sections: [
      { rows: [{ values: { 'count:signup': 3, 'count:login': 5 } }, {}, {}] },
      { rows: [{ dimensions: { plan: 'pro' }, values: { 'count:signup': 4 } }, {}] },
    ],
  });

  const pdf = await download(s, id);
  t.equal(pdf.status, 200);
  t.equal(pdf.headers.get('content-type'), 'application/pdf');
  t.equal(pdf.body.subarray(0, 5).toString(), '%PDF-');
  const text = pdfText(pdf.body);
  for (const want of [
    'Weekly growth',
    'Period: 2026-03-07 to 2026-03-10 (UTC, end excluded)',
    'Signups and logins for the growth meeting.',
    'Signups per day',
    'Totals: count:signup 6 · count:login 7',
    'Signups by plan',
    'page 1 of 1',
  ]) {
    t.ok(text.includes(want), `the PDF says ${want}`);
  }
  t.match(text, /2026-03-07\s+3\s+5/, 'the table row of March 7');
  t.match(text, /2026-03-09\s+2\s+0/, 'the table row of March 9');
  t.match(text, /pro\s+4/, 'the plan table');
  const fonts = execFileSync('pdffonts', ['-'], { input: pdf.body }).toString();
  t.match(fonts, /DejaVuSans\S*\s+CID TrueType\s+Identity-H\s+yes yes/, 'the font is embedded');
  t.notMatch(fonts, /Helvetica/);
});

t.test(
  'POST /reports takes the definition as `definition` or as the seed’s `report_definition_id`',
  async (t) => {
    const { s } = await seeded(t);
    const saved = await s.api('POST', `${R}/definitions`, DEFINITION);
    t.equal(saved.status, 201);
    const defId = saved.body.id as string;
    const expected = {
      status: 'completed',
      report_definition_id: defId,
      definition: defId,
      report_definition_name: 'growth',
      sections: [{ rows: 3 }, { rows: 2 }],
    };
    for (const body of [
      { definition: 'growth' },
      { report_definition_id: 'growth' },
      { report_definition_id: defId },
      { definition: 'growth', report_definition_id: 'growth' },
      { definition: 'growth', report_definition_id: defId },
    ]) {
      const made = await s.api('POST', R, { ...body, format: 'csv' });
      t.equal(made.status, 201, JSON.stringify(body));
      t.match(made.body, expected, JSON.stringify(body));
      t.match((await s.api('GET', `${R}/${made.body.id}`)).body, expected, 'and when read');
    }
    const builtin = await s.api('POST', R, {
      report_definition_id: 'notification-delivery',
      format: 'json',
    });
    t.equal(builtin.status, 201);
    t.match(builtin.body, {
      report_definition_id: 'notification-delivery',
      definition: 'notification-delivery',
    });
    const inline = await s.api('POST', R, {
      queries: [{ title: 'All', metrics: ['events'] }],
      format: 'csv',
    });
    t.match(inline.body, { report_definition_id: null, definition: null });

    const before = (await s.api('GET', `${R}?per_page=100`)).body.total;
    const both = await s.api('POST', R, {
      definition: 'growth',
      report_definition_id: 'notification-delivery',
    });
    t.equal(both.status, 400, 'two different definitions');
    t.match(both.body.error, {
      code: 'VALIDATION_ERROR',
      message: /definition and report_definition_id/,
      details: { field: 'body.report_definition_id' },
      request_id: /./,
    });
    const withQueries = await s.api('POST', R, {
      report_definition_id: 'growth',
      queries: [{ title: 'All', metrics: ['events'] }],
    });
    t.equal(withQueries.status, 400, 'a definition and queries');
    t.equal(withQueries.body.error.code, 'VALIDATION_ERROR');
    const unknown = await s.api('POST', R, { report_definition_id: 'nope' });
    t.equal(unknown.status, 404);
    t.equal(unknown.body.error.code, 'REPORT_DEFINITION_NOT_FOUND');
    t.equal((await s.api('GET', `${R}?per_page=100`)).body.total, before, 'none stored');

    // Both are in the OpenAPI document: the body's fields and the answer's.
    const post = (await s.api('GET', '/openapi.json')).body.paths[R].post;
    t.match(post.requestBody.content['application/json'].schema.properties, {
      definition: { type: 'string' },
      report_definition_id: { type: 'string', description: /same as `definition`/ },
    });
    t.match(post.responses['201'].content['application/json'].schema.properties, {
      definition: { description: /same as `report_definition_id`/ },
      report_definition_id: {},
    });
  },
);

t.test('inline queries over a preset, on the injected clock, across pages', async (t) => {
  const { s } = await seeded(t, { analytics: { reports: { max_rows: 60 } } });
  const made = await s.api('POST', R, {
    title: 'Hourly logins',
    queries: [{ title: 'Logins per hour', metrics: ['count:login'], granularity: 'hour' }],
    time_range: { preset: 'last_7d' },
    timezone: 'Europe/Paris',
    format: 'csv',
  });
  t.equal(made.status, 201, JSON.stringify(made.body));
  // Seven whole Paris days, today included: March 4 to March 11, 00:00 Paris (UTC+1).
  t.match(made.body, {
    status: 'completed',
    format: 'csv',
    report_definition_id: null,
    period: { start: iso(Date.UTC(2026, 2, 3, 23)), end: iso(Date.UTC(2026, 2, 10, 23)) },
    sections: [{ rows: 60, total_count: 168, truncated: true }],
  });
  const csv = (await download(s, made.body.id)).body.toString().trimEnd().split('\r\n');
  t.equal(csv.length, 61);
  const pdf = await download(s, made.body.id, 'pdf');
  const pages = pdfText(pdf.body)
    .split('\f')
    .filter((p) => p.trim());
  t.ok(pages.length >= 2, `a long table goes on over pages (${pages.length})`);
  t.match(pages[1], /time\s+count:login/, 'the header again on the next page');
  t.match(pages.at(-1), /Showing 60 of 168 rows\./);
  t.match(pages[0], /page 1 of \d/);
  t.match(pages[0], /2026-03-04 00:00\s+0\n/, 'the first hour, in Paris time');
});

t.test('generation errors: 4xx before anything is stored, failures stored as failed', async (t) => {
  const memory = createMemoryStore();
  let broken = false;
  const store: Store = {
    ...memory,
    analytics: new Proxy(memory.analytics, {
      get(target, prop, receiver) {
        if (prop === 'scan' && broken) return () => Promise.reject(new Error('disk on fire'));
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    }),
  };
  const { s, clock, heard } = await seeded(
    t,
    { analytics: { reports: { max_bytes: 1024 } } },
    store,
  );
  const bad = async (body: unknown, code: string, status = 400) => {
    const res = await s.api('POST', R, body);
    t.equal(res.status, status, JSON.stringify(body));
    t.equal(res.body.error?.code, code);
  };
  const queries = [{ title: 'All', metrics: ['events'] }];
  await bad({}, 'VALIDATION_ERROR');
  await bad({ definition: 'growth', queries }, 'VALIDATION_ERROR');
  await bad({ definition: 'nope' }, 'REPORT_DEFINITION_NOT_FOUND', 404);
  await bad({ queries: [{ title: 'x', metrics: ['nope'] }] }, 'INVALID_METRIC');
  await bad({ queries, timezone: 'Mars/Base' }, 'INVALID_TIME_RANGE');
  await bad({ queries, time_range: { start: iso(D7), end: iso(D7) } }, 'INVALID_TIME_RANGE');
  await bad({ queries, format: 'xls' }, 'VALIDATION_ERROR');
  t.equal((await s.api('GET', R)).body.total, 0, 'nothing stored');

  broken = true;
  const failed = await s.api('POST', R, {
    queries: [{ title: 'Users', metrics: ['unique_users'] }],
    time_range: { preset: 'last_24h' },
  });
  t.equal(failed.status, 201);
  t.match(failed.body, {
    status: 'failed',
    error_code: 'INTERNAL_ERROR',
    download_url: null,
    expires_at: null,
    period: null,
  });
  t.match(heard.find((e) => e.type === 'analytics.report.failed')?.data, {
    report_id: failed.body.id,
    error_code: 'INTERNAL_ERROR',
  });
  const notReady = await download(s, failed.body.id);
  t.equal(notReady.status, 409);
  t.match(JSON.parse(notReady.body.toString()).error, { code: 'REPORT_NOT_READY' });
  broken = false;

  const big = await s.api('POST', R, {
    queries: [{ title: 'Hours', metrics: ['events'], granularity: 'hour' }],
    time_range: { preset: 'last_7d' },
  });
  t.match(big.body, { status: 'failed', error_code: 'REPORT_GENERATION_FAILED' });
  t.match(big.body.error_message, /analytics\.reports\.max_bytes \(1024\)/);

  const ok = await s.api('POST', R, {
    queries,
    time_range: { preset: 'last_30d' },
    format: 'json',
  });
  t.equal(ok.body.status, 'completed');
  const listed = await s.api('GET', `${R}?status=failed`);
  t.same(
    listed.body.data.map((r: { id: string }) => r.id),
    [failed.body.id, big.body.id],
  );
  t.equal((await s.api('GET', `${R}?status=completed`)).body.total, 1);
  t.equal((await s.api('GET', `${R}?definition=growth`)).body.total, 0);
  t.equal((await download(s, ok.body.id, 'pdf')).status, 200, 'any format from the same data');

  // Past its TTL the download is 410; a TTL later the report is gone.
  clock.advance(168 * HOUR);
  const expired = await download(s, ok.body.id);
  t.equal(expired.status, 410);
  t.match(JSON.parse(expired.body.toString()).error, { code: 'REPORT_EXPIRED' });
  const reports = s.server.analytics!.reporting.reports;
  t.equal(await reports.purge(), 0);
  clock.advance(168 * HOUR);
  t.equal(await reports.purge(), 3);
  t.equal((await s.api('GET', `${R}/${ok.body.id}`)).status, 404);
});

t.test('reports are the tenant’s; a bound key sees its own, delete works', async (t) => {
  const { s } = await seeded(t);
  const key = await s.api('POST', '/api/v1/keys', {
    name: 'acme',
    tenant_id: 'acme',
    scopes: ['analytics:read', 'analytics:manage', 'analytics:write'],
  });
  t.equal(key.status, 201, JSON.stringify(key.body));
  const acme = key.body.key as string;
  await s.api(
    'POST',
    '/api/v1/analytics/events',
    { event_type: 'signup', timestamp: iso(D7 + HOUR) },
    acme,
  );
  const queries = [{ title: 'Signups', metrics: ['count:signup'] }];
  const time_range = { start: iso(D7), end: iso(D7 + 3 * DAY) };
  const theirs = await s.api('POST', R, { queries, time_range, format: 'json' }, acme);
  t.equal(theirs.body.tenant_id, 'acme');
  const all = await s.api('POST', R, { queries, time_range, format: 'json' });
  const count = async (id: string, key?: string) => {
    const res = await fetch(`${s.url}${R}/${id}/download`, {
      headers: { authorization: `Bearer ${key ?? ADMIN_KEY}` },
    });
    return (await res.json()).sections[0].rows[0].values['count:signup'];
  };
  t.equal(await count(theirs.body.id, acme), 1, 'the tenant’s own events');
  t.equal(await count(all.body.id), 7, 'an unbound key reads every tenant');
  t.equal((await s.api('GET', `${R}/${all.body.id}`, undefined, acme)).status, 404);
  t.equal((await s.api('GET', R, undefined, acme)).body.total, 1);
  t.equal((await s.api('DELETE', `${R}/${theirs.body.id}`, undefined, acme)).status, 204);
  t.equal((await s.api('GET', R, undefined, acme)).body.total, 0);
});

t.test('PDF fonts: a configured one embedded with its bold face, or Helvetica', async (t) => {
  const queries = [
    { title: 'Nothing here', metrics: ['count:nothing'], dimensions: ['plan'] },
    { title: 'Logins', metrics: ['count:login'], granularity: 'day', chart: 'none' },
  ];
  const time_range = { start: iso(D7), end: iso(D7 + 3 * DAY) };
  const liberation = '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf';
  for (const [font, want] of [
    [liberation, /LiberationSans-Bold\s+CID TrueType.*yes yes/],
    ['', /Helvetica-Bold\s+Type 1\s+WinAnsi\s+no/],
  ] as const) {
    const { s } = await seeded(t, { analytics: { reports: { pdf_font: font } } });
    const made = await s.api('POST', R, { title: 'Fonts', queries, time_range });
    t.equal(made.body.status, 'completed', JSON.stringify(made.body));
    const pdf = (await download(s, made.body.id)).body;
    t.match(execFileSync('pdffonts', ['-'], { input: pdf }).toString(), want, font || 'none');
    const text = pdfText(pdf);
    t.match(text, /Nothing here\s+Totals: count:nothing 0\s+No data in this period\./);
    t.match(text, /Logins\s+Totals: count:login 7\s+time\s+count:login\s+2026-03-07\s+5/);
  }
});
