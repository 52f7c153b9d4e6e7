import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';
import { ADMIN_KEY, type Running, startServer } from '../helpers/server.js';

const NOW = Date.UTC(2026, 2, 10, 12);
const iso = (ms: number) => new Date(ms).toISOString();
const R = '/api/v1/reports';
/** Noon UTC of a March day. */
const day = (d: number, h = 12) => Date.UTC(2026, 2, d, h);

const BUILTINS = [
  'notification-delivery',
  'channel-performance',
  'rate-limit-usage',
  'api-usage',
  'tenant-utilization',
  'user-growth',
  'auth-summary',
  'security-overview',
  'compliance-audit',
];

type Props = Record<string, string>;
const ev = (type: string, tenant: string, at: number, properties: Props = {}, user?: string) => ({
  event_type: type,
  tenant_id: tenant,
  timestamp: iso(at),
  properties,
  ...(user ? { user_id: user } : {}),
});
const times = (n: number, make: (i: number) => ReturnType<typeof ev>) =>
  Array.from({ length: n }, (_, i) => make(i));

/**
 * Known data over March 7–9 (UTC) in two tenants, and ten deliveries on March 5, outside the
 * period. In the period: 9 sent (email 4, sms 3, push 2), 7 delivered, 2 failed, 2 read;
 * limits: 4 refused (free 3, pro 1); 8 API requests; 8 logins (5 successful; sso 2);
 * 4 signups (email 3); 4 audit changes.
 */
const EVENTS = [
  ...times(10, () => ev('notification.sent', 'acme', day(5), { channel: 'email' })),
  ...times(5, (i) => ev('notification.accepted', 'acme', day(7, 8 + i))),
  ...times(4, (i) =>
    ev('notification.sent', 'acme', day(7, 9 + i), { channel: 'email', provider: 'smtp' }),
  ),
  ...times(3, (i) =>
    ev('notification.delivered', 'acme', day(7, 10 + i), { channel: 'email', provider: 'smtp' }),
  ),
  ev('notification.failed', 'acme', day(7, 14), { channel: 'email', provider: 'smtp' }),
  ...times(2, (i) =>
    ev('notification.sent', 'acme', day(8, 9 + i), { channel: 'push', provider: 'webpush' }),
  ),
  ...times(2, (i) =>
    ev('notification.delivered', 'acme', day(8, 10 + i), { channel: 'push', provider: 'webpush' }),
  ),
  ...times(2, (i) => ev('notification.read', 'acme', day(8, 15 + i), { category: 'billing' })),
  ...times(3, (i) =>
    ev('notification.sent', 'globex', day(9, 9 + i), { channel: 'sms', provider: 'twilio' }),
  ),
  ...times(2, (i) =>
    ev('notification.delivered', 'globex', day(9, 12 + i), { channel: 'sms', provider: 'twilio' }),
  ),
  ev('notification.failed', 'globex', day(9, 14), { channel: 'sms', provider: 'twilio' }),
  // Rate limiting.
  ...[7, 8, 8].map((d, i) =>
    ev('ratelimit.limit_exceeded', 'acme', day(d, 6 + i), { policy: 'free', key: 'k1' }),
  ),
  ev('ratelimit.limit_exceeded', 'globex', day(9), { policy: 'pro', key: 'k2' }),
  ...times(2, (i) =>
    ev('ratelimit.limit_approached', 'acme', day(7, 3 + i), { policy: 'free', key: 'k1' }),
  ),
  ev('ratelimit.penalty_box_entered', 'acme', day(8, 20), { policy: 'free', key: 'k1' }),
  ev('ratelimit.burst_used', 'globex', day(9, 1), { policy: 'pro', key: 'k2' }),
  // API requests.
  ...times(5, (i) =>
    ev('api.request', 'acme', day(7, 1 + i), {
      route: '/api/v1/notifications',
      status: '202',
      key: 'kA',
    }),
  ),
  ev('api.request', 'acme', day(8, 1), {
    route: '/api/v1/notifications',
    status: '429',
    key: 'kA',
  }),
  ...times(2, (i) =>
    ev('api.request', 'globex', day(9, 1 + i), {
      route: '/api/v1/me/notifications',
      status: '200',
      key: 'kB',
    }),
  ),
  // Authentication: DAU 5, 4, 2 on March 7, 8, 9.
  ev('auth.login', 'acme', day(7, 9), { status: 'success', method: 'password' }, 'u1'),
  ev('auth.login', 'acme', day(7, 10), { status: 'success', method: 'password' }, 'u2'),
  ev('auth.login', 'acme', day(8, 9), { status: 'success', method: 'password' }, 'u3'),
  ev('auth.login', 'acme', day(8, 10), { status: 'success', method: 'password' }, 'u1'),
  ev('auth.login', 'acme', day(8, 11), { status: 'success', method: 'sso' }, 'u4'),
  ...times(2, (i) =>
    ev(
      'auth.login',
      'acme',
      day(9, 2 + i),
      { status: 'failure', method: 'password', ip: '10.0.0.1', reason: 'bad_password' },
      'u5',
    ),
  ),
  ev(
    'auth.login',
    'globex',
    day(9, 5),
    { status: 'failure', method: 'sso', ip: '10.0.0.2', reason: 'expired' },
    'g1',
  ),
  ev('auth.signup', 'acme', day(7, 1), { method: 'email' }, 's1'),
  ev('auth.signup', 'acme', day(7, 2), { method: 'email' }, 's2'),
  ev('auth.signup', 'acme', day(7, 3), { method: 'google' }, 's3'),
  ev('auth.signup', 'globex', day(8, 3), { method: 'email' }, 'g2'),
  ev('auth.lockout', 'acme', day(9, 4), {}, 'u5'),
  ev('auth.mfa_challenge', 'acme', day(8, 12), { status: 'success' }, 'u1'),
  ev('auth.mfa_challenge', 'acme', day(8, 13), { status: 'success' }, 'u1'),
  ev('auth.mfa_challenge', 'acme', day(8, 14), { status: 'failure' }, 'u1'),
  ev('auth.mfa_enrolled', 'acme', day(8, 15), {}, 'u1'),
  // The audit log (as the recorder writes configuration changes).
  ...[
    ['ratelimit.policy', 'created', 'free', 'key_admin', 7],
    ['ratelimit.policy', 'updated', 'free', 'key_admin', 8],
    ['ratelimit.policy', 'updated', 'free', 'key_admin', 9],
    ['templates.template', 'deleted', 'welcome', 'key_ops', 9],
  ].map(([object, action, name, actor, d]) =>
    ev('audit.change', 'acme', day(d as number, 16), {
      change: `${object}_${action}`,
      object: object as string,
      action: action as string,
      name: name as string,
      actor: actor as string,
    }),
  ),
];

const PERIOD = { start_date: '2026-03-07', end_date: '2026-03-09' };

async function seeded(t: Test, store: Store, clock = new FakeClock(NOW)) {
  const s = await startServer(t, {}, store, { clock });
  const res = await s.api('POST', '/api/v1/analytics/events/batch', { events: EVENTS });
  t.equal(res.body.accepted, EVENTS.length, JSON.stringify(res.body.errors?.[0]));
  return s;
}

async function download(s: Running, id: string, format: string) {
  const res = await fetch(`${s.url}${R}/${id}/download?format=${format}`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  return Buffer.from(await res.arrayBuffer());
}

interface Row {
  timestamp: string;
  values: Record<string, number>;
  dimensions: Record<string, string>;
}
interface Section {
  title: string;
  rows: Row[];
}

/** Generates a built-in as JSON and answers its sections by title. */
async function sections(
  t: Test,
  s: Running,
  definition: string,
  parameters: Record<string, unknown> = {},
) {
  const made = await s.api('POST', R, {
    definition,
    parameters: { ...PERIOD, ...parameters },
    format: 'json',
  });
  t.equal(made.status, 201, JSON.stringify(made.body));
  t.equal(made.body.status, 'completed', JSON.stringify(made.body));
  const doc = JSON.parse((await download(s, made.body.id, 'json')).toString());
  t.same(doc.period, { start: iso(day(7, 0)), end: iso(day(10, 0)) }, `${definition}: its period`);
  const by = new Map<string, Row[]>(doc.sections.map((x: Section) => [x.title, x.rows]));
  const rows = (title: string) => {
    const found = by.get(title);
    if (!found) throw new Error(`${definition} has no section ${title}`);
    return found;
  };
  /** One value per row: `dimension values joined by /` or the bucket's date → value. */
  const series = (title: string, metric: string) =>
    Object.fromEntries(
      rows(title).map((r) => [
        Object.values(r.dimensions).join('/') || r.timestamp.slice(0, 10),
        r.values[metric],
      ]),
    );
  return { made: made.body, doc, rows, series, one: (title: string) => rows(title)[0]!.values };
}

const BACKENDS: Array<[string, (t: Test) => Store]> = [
  ['memory', () => createMemoryStore()],
  ['sqlite', (t) => openSqliteStore({ path: join(t.testdir(), 'notifyd.db') })],
];

for (const [backend, makeStore] of BACKENDS) {
  t.test(`${backend}: the nine built-in definitions are listed, typed and read-only`, async (t) => {
    const s = await startServer(t, {}, makeStore(t), { clock: new FakeClock(NOW) });
    const mine = await s.api('POST', `${R}/definitions`, {
      name: 'mine',
      queries: [{ title: 'All', metrics: ['events'] }],
    });
    t.equal(mine.status, 201);
    const list = await s.api('GET', `${R}/definitions`);
    t.equal(list.body.total, 10);
    t.same(
      list.body.data.map((d: { id: string }) => d.id),
      [...BUILTINS, mine.body.id],
      'the built-ins first, their ids their names',
    );
    for (const d of list.body.data.slice(0, 9)) {
      t.match(d, {
        builtin: true,
        available_formats: ['csv', 'json', 'pdf'],
        format: 'pdf',
        time_range: { preset: 'last_7d' },
        category: /^[a-z]+$/,
      });
      t.ok(d.queries.length >= 3, `${d.name} has sections`);
      t.same(
        d.parameters.slice(0, 3).map((p: { name: string; type: string }) => [p.name, p.type]),
        [
          ['period', 'select'],
          ['start_date', 'date'],
          ['end_date', 'date'],
        ],
        `${d.name}: the period parameters`,
      );
      t.ok(
        d.parameters.some((p: { name: string }) => p.name === 'tenant'),
        `${d.name}: a tenant`,
      );
      for (const p of d.parameters) {
        t.notOk('field' in p || 'sections' in p, 'internals are not shown');
      }
    }
    t.match(list.body.data[9], { builtin: false, category: 'custom', parameters: [] });
    const nd = list.body.data[0];
    t.match(nd, {
      id: 'notification-delivery',
      name: 'notification-delivery',
      category: 'notifications',
      tenant_id: null,
    });
    t.same(
      nd.parameters.find((p: { name: string }) => p.name === 'channel'),
      {
        name: 'channel',
        type: 'multiselect',
        required: false,
        description: 'Only these channels.',
        options: ['in_app', 'push', 'sms', 'email', 'webhook'],
      },
    );
    t.match(nd.parameters[0], {
      options: ['last_24h', 'last_7d', 'last_30d', 'last_90d', 'last_year'],
      default_value: 'last_7d',
    });
    t.equal((await s.api('GET', `${R}/definitions?per_page=4&page=3`)).body.data.length, 2);

    const got = await s.api('GET', `${R}/definitions/compliance-audit`);
    t.match(got.body, { id: 'compliance-audit', builtin: true, category: 'compliance' });

    const patched = await s.api('PATCH', `${R}/definitions/api-usage`, { title: 'Mine now' });
    t.equal(patched.status, 409);
    t.match(patched.body.error, {
      code: 'REPORT_DEFINITION_READ_ONLY',
      details: { id: 'api-usage' },
    });
    const deleted = await s.api('DELETE', `${R}/definitions/user-growth`);
    t.equal(deleted.status, 409);
    t.equal(deleted.body.error.code, 'REPORT_DEFINITION_READ_ONLY');
    const taken = await s.api('POST', `${R}/definitions`, {
      name: 'auth-summary',
      queries: [{ title: 'All', metrics: ['events'] }],
    });
    t.equal(taken.status, 409);
    t.equal(taken.body.error.code, 'ALREADY_EXISTS');
    t.equal((await s.api('GET', `${R}/definitions`)).body.total, 10, 'nothing changed');

    // A key bound to a tenant reads them too.
    const key = await s.api('POST', '/api/v1/keys', {
      name: 'acme',
      tenant_id: 'acme',
      scopes: ['analytics:read'],
    });
    const bound = await s.api('GET', `${R}/definitions`, undefined, key.body.key);
    t.same(
      bound.body.data.map((d: { id: string }) => d.id),
      BUILTINS,
    );
  });

  t.test(`${backend}: every built-in reports the known numbers`, async (t) => {
    const s = await seeded(t, makeStore(t));

    const nd = await sections(t, s, 'notification-delivery');
    t.same(nd.one('Summary'), {
      notifications_sent: 9,
      notifications_delivered: 7,
      notifications_failed: 2,
      delivery_rate: 0.7778,
      failure_rate: 0.2222,
    });
    t.same(nd.series('Deliveries per day', 'notifications_sent'), {
      '2026-03-07': 4,
      '2026-03-08': 2,
      '2026-03-09': 3,
    });
    t.same(nd.series('By channel', 'notifications_sent'), { email: 4, sms: 3, push: 2 });
    t.same(nd.series('By channel', 'delivery_rate'), { email: 0.75, sms: 0.6667, push: 1 });
    t.same(nd.series('Accepted and read per day', 'notifications_accepted'), {
      '2026-03-07': 5,
      '2026-03-08': 0,
      '2026-03-09': 0,
    });
    t.same(nd.series('Accepted and read per day', 'notifications_read'), {
      '2026-03-07': 0,
      '2026-03-08': 2,
      '2026-03-09': 0,
    });
    // Reads over the in-app notifications committed to feeds: none here (the seed's sends are
    // email, push and SMS), so no read rate on any day, not 0 and not 2 reads / 2 pushes.
    t.same(nd.series('Accepted and read per day', 'read_rate'), {
      '2026-03-07': null,
      '2026-03-08': null,
      '2026-03-09': null,
    });
    t.match(nd.made, {
      title: 'Notification delivery',
      report_definition_id: 'notification-delivery',
      report_definition_name: 'notification-delivery',
      parameters: { ...PERIOD, time_range: { start: iso(day(7, 0)), end: iso(day(10, 0)) } },
    });

    const cp = await sections(t, s, 'channel-performance');
    t.same(cp.rows('By channel')[0]!, {
      timestamp: iso(day(7, 0)),
      dimensions: { channel: 'email' },
      values: {
        notifications_sent: 4,
        notifications_delivered: 3,
        notifications_failed: 1,
        notifications_clicked: 0,
        delivery_rate: 0.75,
        failure_rate: 0.25,
        click_rate: null,
      },
    });
    t.same(cp.series('By provider', 'notifications_delivered'), {
      'email/smtp': 3,
      'sms/twilio': 2,
      'push/webpush': 2,
    });

    const rl = await sections(t, s, 'rate-limit-usage');
    t.same(rl.one('Summary'), {
      ratelimit_limited: 4,
      ratelimit_approached: 2,
      ratelimit_penalties: 1,
      ratelimit_bursts: 1,
    });
    t.same(rl.series('By policy', 'ratelimit_limited'), { free: 3, pro: 1 });
    t.same(rl.series('Most limited keys', 'ratelimit_limited'), { k1: 3, k2: 1 });
    t.same(rl.series('Most limited tenants', 'ratelimit_limited'), { acme: 3, globex: 1 });
    t.same(rl.series('Per day', 'ratelimit_limited'), {
      '2026-03-07': 1,
      '2026-03-08': 2,
      '2026-03-09': 1,
    });

    const api = await sections(t, s, 'api-usage');
    t.same(api.series('Requests per day', 'api_requests'), {
      '2026-03-07': 5,
      '2026-03-08': 1,
      '2026-03-09': 2,
    });
    t.same(api.series('By endpoint', 'api_requests'), {
      '/api/v1/notifications': 6,
      '/api/v1/me/notifications': 2,
    });
    t.same(api.series('By key', 'api_requests'), { kA: 6, kB: 2 });
    t.same(api.series('By tenant', 'api_requests'), { acme: 6, globex: 2 });
    t.same(api.series('By status', 'api_requests'), { '202': 5, '200': 2, '429': 1 });

    const inPeriod = EVENTS.filter((e) => e.timestamp >= iso(day(7, 0)));
    const perTenant = (tn: string) => inPeriod.filter((e) => e.tenant_id === tn).length;
    const tu = await sections(t, s, 'tenant-utilization');
    t.same(tu.one('Summary'), {
      active_tenants: 2,
      unique_users: 10,
      events: inPeriod.length,
    });
    t.same(tu.rows('Usage by tenant')[0]!.values, {
      events: perTenant('acme'),
      unique_users: 8,
      notifications_sent: 6,
      api_requests: 6,
    });
    t.same(tu.series('Usage by tenant', 'events'), {
      acme: perTenant('acme'),
      globex: perTenant('globex'),
    });

    const ug = await sections(t, s, 'user-growth');
    t.same(ug.series('Signups per day', 'signups'), {
      '2026-03-07': 3,
      '2026-03-08': 1,
      '2026-03-09': 0,
    });
    t.same(ug.series('Active users per day', 'dau'), {
      '2026-03-07': 5,
      '2026-03-08': 4,
      '2026-03-09': 2,
    });
    t.same(ug.rows('Active users per day')[2]!.values, {
      dau: 2,
      wau: 10,
      mau: 10,
      dau_mau_ratio: 0.2,
    });
    t.same(ug.series('Signups by method', 'signups'), { email: 3, google: 1 });

    const auth = await sections(t, s, 'auth-summary');
    t.same(auth.one('Summary'), {
      logins_total: 8,
      logins_successful: 5,
      logins_failed: 3,
      login_success_rate: 0.625,
      unique_login_users: 4,
    });
    t.same(auth.series('By method', 'logins_total'), { password: 6, sso: 2 });
    t.same(auth.series('By method', 'login_success_rate'), { password: 0.6667, sso: 0.5 });
    t.same(auth.series('Logins per day', 'logins_failed'), {
      '2026-03-07': 0,
      '2026-03-08': 0,
      '2026-03-09': 3,
    });

    const sec = await sections(t, s, 'security-overview');
    t.same(sec.one('Summary'), {
      logins_failed: 3,
      account_lockouts: 1,
      mfa_challenges: 3,
      mfa_challenge_success_rate: 0.6667,
      mfa_enrollments: 1,
    });
    t.same(sec.series('Top failing IPs', 'logins_failed'), { '10.0.0.1': 2, '10.0.0.2': 1 });
    t.same(sec.series('Failed logins by reason', 'logins_failed'), {
      bad_password: 2,
      expired: 1,
    });

    const audit = await sections(t, s, 'compliance-audit');
    const C = 'count:audit.change';
    t.same(audit.series('Changes per day', C), {
      '2026-03-07': 1,
      '2026-03-08': 1,
      '2026-03-09': 2,
    });
    t.same(audit.series('By object and action', C), {
      'ratelimit.policy/updated': 2,
      'ratelimit.policy/created': 1,
      'templates.template/deleted': 1,
    });
    t.same(audit.series('By actor', C), { key_admin: 3, key_ops: 1 });
    t.same(audit.rows('Objects changed')[0]!.dimensions, {
      object: 'ratelimit.policy',
      name: 'free',
      action: 'updated',
    });

    // The same report as CSV: one table, the rows above.
    const csv = (await download(s, nd.made.id, 'csv')).toString().trimEnd().split('\r\n');
    t.equal(
      csv[0],
      'section,timestamp,channel,notifications_sent,notifications_delivered,notifications_failed,delivery_rate,failure_rate,notifications_accepted,notifications_read,read_rate',
    );
    t.equal(csv[1], `Summary,${iso(day(7, 0))},,9,7,2,0.7778,0.2222,,,`);
    t.ok(csv.includes(`By channel,${iso(day(7, 0))},sms,3,2,1,0.6667,,,,`), 'the sms row');
    t.ok(csv.includes(`Accepted and read per day,${iso(day(8, 0))},,,,,,,0,2,`), 'March 8');
    t.equal(csv.length, 1 + 1 + 3 + 3 + 3);
    const auditCsv = (await download(s, audit.made.id, 'csv')).toString();
    t.match(auditCsv, /By actor,2026-03-07T00:00:00.000Z,,,key_admin,,3\r\n/);
  });
}

t.test('parameters filter the sections they apply to', async (t) => {
  const s = await seeded(t, createMemoryStore());
  const email = await sections(t, s, 'notification-delivery', { channel: 'email' });
  t.match(email.one('Summary'), {
    notifications_sent: 4,
    notifications_delivered: 3,
    notifications_failed: 1,
    delivery_rate: 0.75,
  });
  t.same(email.series('By channel', 'notifications_sent'), { email: 4 });
  t.same(
    email.series('Accepted and read per day', 'notifications_accepted')['2026-03-07'],
    5,
    'accepted and read notifications have no one channel: not filtered by it',
  );
  t.same(email.made.parameters.channel, ['email']);
  const two = await sections(t, s, 'channel-performance', { channel: ['sms', 'push'] });
  t.same(two.series('By channel', 'notifications_sent'), { sms: 3, push: 2 });
  const comma = await sections(t, s, 'channel-performance', { channel: 'sms,push' });
  t.same(comma.series('By channel', 'notifications_sent'), { sms: 3, push: 2 }, 'a,b is a list');

  const globex = await sections(t, s, 'api-usage', { tenant: 'globex' });
  t.same(globex.series('By tenant', 'api_requests'), { globex: 2 });
  const free = await sections(t, s, 'rate-limit-usage', { policy: 'free' });
  t.same(free.one('Summary'), {
    ratelimit_limited: 3,
    ratelimit_approached: 2,
    ratelimit_penalties: 1,
    ratelimit_bursts: 0,
  });
  const sso = await sections(t, s, 'auth-summary', { auth_method: ['sso'] });
  t.match(sso.one('Summary'), { logins_total: 2, logins_successful: 1, logins_failed: 1 });
  const byEmail = await sections(t, s, 'user-growth', { signup_method: 'email' });
  t.same(byEmail.series('Signups by method', 'signups'), { email: 3 });
  t.equal(
    byEmail.series('Active users per day', 'dau')['2026-03-07'],
    5,
    'active users are not filtered by the signup method',
  );
  const updates = await sections(t, s, 'compliance-audit', { action: 'updated' });
  t.same(updates.series('By actor', 'count:audit.change'), { key_admin: 2 });

  // A period by preset instead of dates: the seven days ending today (March 4 to 10).
  const made = await s.api('POST', R, {
    definition: 'notification-delivery',
    parameters: { period: 'last_7d' },
    format: 'json',
  });
  t.match(made.body, {
    status: 'completed',
    period: { start: iso(day(4, 0)), end: iso(day(11, 0)) },
    sections: [{ title: 'Summary' }],
  });
  const doc = JSON.parse((await download(s, made.body.id, 'json')).toString());
  t.equal(doc.sections[0].rows[0].values.notifications_sent, 19, 'March 5 counts now');
  t.same(doc.parameters, { period: 'last_7d', time_range: { preset: 'last_7d' }, timezone: 'UTC' });
  // With no parameters at all: the definition's own period (last_7d).
  const plain = await s.api('POST', R, { definition: 'notification-delivery', format: 'json' });
  t.match(plain.body, { status: 'completed', period: { start: iso(day(4, 0)) } });
});

t.test('a bad parameter is a 400 naming it, and nothing is stored', async (t) => {
  const s = await seeded(t, createMemoryStore());
  await s.api('POST', `${R}/definitions`, {
    name: 'mine',
    queries: [{ title: 'All', metrics: ['events'] }],
  });
  const bad = async (body: Record<string, unknown>, parameter: string, message: RegExp) => {
    const res = await s.api('POST', R, { definition: 'notification-delivery', ...body });
    t.equal(res.status, 400, JSON.stringify(body));
    t.equal(res.body.error?.code, 'INVALID_REPORT_PARAMETER');
    t.equal(res.body.error?.details?.parameter, parameter);
    t.match(res.body.error?.message, message);
  };
  await bad({ parameters: { colour: 'red' } }, 'colour', /Unknown parameter colour; .*channel/);
  await bad({ parameters: { channel: 'fax' } }, 'channel', /channel cannot be "fax"/);
  await bad({ parameters: { channel: ['email', 'pigeon'] } }, 'channel', /"pigeon"/);
  await bad({ parameters: { channel: '' } }, 'channel', /at least one value/);
  await bad({ parameters: { period: 'last_week' } }, 'period', /must be one of last_24h/);
  await bad({ parameters: { period: ['last_7d'] } }, 'period', /takes one value/);
  await bad({ parameters: { start_date: '2026-03-07' } }, 'end_date', /go together/);
  await bad(
    { parameters: { start_date: 'yesterday', end_date: '2026-03-09' } },
    'start_date',
    /must be a date/,
  );
  await bad(
    { parameters: { start_date: '2026-03-09', end_date: '2026-03-07' } },
    'end_date',
    /not be before/,
  );
  await bad(
    { parameters: { ...PERIOD, period: 'last_7d' } },
    'period',
    /period or start_date and end_date/,
  );
  await bad(
    { parameters: { period: 'last_30d' }, time_range: { preset: 'last_7d' } },
    'period',
    /time_range or the period parameters/,
  );
  const mine = await s.api('POST', R, { definition: 'mine', parameters: { tenant: 'acme' } });
  t.equal(mine.status, 400);
  t.match(mine.body.error, {
    code: 'INVALID_REPORT_PARAMETER',
    message: /this definition takes none/,
    details: { parameter: 'tenant' },
  });
  const inline = await s.api('POST', R, {
    queries: [{ title: 'All', metrics: ['events'] }],
    parameters: { channel: 'email' },
  });
  t.equal(inline.body.error?.code, 'INVALID_REPORT_PARAMETER');
  const typed = await s.api('POST', R, {
    definition: 'notification-delivery',
    parameters: { channel: 3 },
  });
  t.equal(typed.status, 400, 'a value that is not text is refused by the schema');
  t.equal((await s.api('GET', R)).body.total, 0, 'nothing stored');
});

t.test('the PDF of a built-in: title, period, parameters, figures, tables', async (t) => {
  const s = await seeded(t, createMemoryStore());
  const made = await s.api('POST', R, {
    definition: 'notification-delivery',
    parameters: { ...PERIOD, channel: ['email', 'sms'] },
  });
  t.equal(made.body.format, 'pdf');
  const pdf = await download(s, made.body.id, 'pdf');
  t.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  const text = execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf }).toString();
  for (const want of [
    'Notification delivery',
    'Period: 2026-03-07 to 2026-03-10 (UTC, end excluded)',
    'Summary',
    'Totals: notifications_sent 7 · notifications_delivered 5 · notifications_failed 2',
    'Deliveries per day',
    'By channel',
  ]) {
    t.ok(text.includes(want), `the PDF says ${want}`);
  }
  t.match(
    text,
    /Parameters: time range 2026-03-07 to 2026-03-09, time zone UTC, channel email \+ sms\n/,
  );
  t.match(
    text,
    /Summary\s+figure\s+value\s+notifications_sent\s+7\s+notifications_delivered\s+5\s+notifications_failed\s+2\s+delivery_rate\s+71\.4%\s+failure_rate\s+28\.6%\s/,
    'the summary figures, one a line; rates as percentages',
  );
  t.match(text, /2026-03-07\s+4\s+3\s+1/, 'the row of March 7');
  t.match(text, /email\s+4\s+3\s+1\s+75\.0%/, 'the email row');
  t.match(text, /sms\s+3\s+2\s+1\s+66\.7%/, 'the sms row');
});

t.test('a schedule runs a built-in with its parameters', async (t) => {
  const clock = new FakeClock(NOW);
  const s = await seeded(t, createMemoryStore(), clock);
  const S = `${R}/schedules`;
  const base = {
    definition: 'notification-delivery',
    schedule: 'daily',
    time: '13:00',
    format: 'json',
    delivery: { email: ['ops@example.test'] },
  };
  const made = await s.api('POST', S, {
    ...base,
    name: 'email-daily',
    parameters: { ...PERIOD, channel: 'email', title: 'Email deliveries' },
  });
  t.equal(made.status, 201, JSON.stringify(made.body));
  t.match(made.body, {
    report_definition_id: 'notification-delivery',
    parameters: { ...PERIOD, channel: 'email', title: 'Email deliveries' },
  });
  const bad = async (body: object, parameter: string, method = 'POST', path = S) => {
    const res = await s.api(method, path, body);
    t.equal(res.status, 400, JSON.stringify(body));
    t.match(res.body.error, { code: 'INVALID_REPORT_PARAMETER', details: { parameter } });
  };
  await bad({ ...base, name: 'x', parameters: { colour: 'red' } }, 'colour');
  await bad({ ...base, name: 'x', parameters: { channel: 'fax' } }, 'channel');
  await bad(
    { ...base, name: 'x', parameters: { period: 'last_30d', time_range: { preset: 'last_7d' } } },
    'period',
  );
  await bad({ parameters: { channel: 'fax' } }, 'channel', 'PATCH', `${S}/email-daily`);

  clock.advance(2 * 3_600_000);
  await s.server.scheduler.runDue();
  const reports = (await s.api('GET', `${R}?per_page=100`)).body.data.filter(
    (r: { schedule_id: string | null }) => r.schedule_id === made.body.id,
  );
  t.equal(reports.length, 1, 'one run at 13:00');
  t.match(reports[0], {
    title: 'Email deliveries',
    status: 'completed',
    report_definition_id: 'notification-delivery',
    parameters: { ...PERIOD, channel: ['email'] },
    period: { start: iso(day(7, 0)), end: iso(day(10, 0)) },
  });
  const doc = JSON.parse((await download(s, reports[0].id, 'json')).toString());
  t.match(doc.sections[0].rows[0].values, { notifications_sent: 4, notifications_delivered: 3 });
});
