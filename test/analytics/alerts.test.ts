import t, { type Test } from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import type { AnyEvent } from '../../src/events/types.js';
import { startReceiver } from '../helpers/webhook-receiver.js';
import { ok, type Server, serverOn } from '../recipients/servers.js';

const MIN = 60_000;
const HOUR = 3_600_000;
/** Tuesday, March 10 2026, 12:00 UTC. */
const NOW = Date.UTC(2026, 2, 10, 12);
const iso = (ms: number) => new Date(ms).toISOString();
const R = '/api/v1/alerts/rules';
const A = '/api/v1/alerts';
const BACKENDS = ['memory', 'sqlite', 'redis', 'postgres'] as const;
/** Events may be sent ahead of the clock: every test's data goes in at the start. */
const OVERRIDES = { analytics: { max_future_skew_ms: 86_400_000 } };

async function server(t: Test, backend: (typeof BACKENDS)[number]) {
  const s = await serverOn(t, backend, OVERRIDES, new FakeClock(NOW));
  if (!s) return null;
  const heard: AnyEvent[] = [];
  s.server.events.subscribe((e) => {
    if (e.type.startsWith('analytics.alert.')) heard.push(e);
  });
  return { s, heard };
}

/** Tracks events of a type at these times. */
async function track(s: Server, type: string, times: number[]) {
  const events = times.map((at) => ({ event_type: type, timestamp: iso(at) }));
  const res = await ok(s, 'POST', '/api/v1/analytics/events/batch', { events });
  if (res.accepted !== times.length) throw new Error(JSON.stringify(res));
}

/** Moves the clock to `at` and runs the evaluations due. */
async function evaluateAt(s: Server, at: number) {
  s.clock.set(at);
  await s.server.scheduler.runDue();
}

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back
const alertsOf = async (s: Server, q = ''): Promise<any[]> => (await ok(s, 'GET', `${A}${q}`)).data;
const summary = (e: AnyEvent) => {
  const data = e.data as { actual_value?: unknown; actor?: string };
  return e.type === 'analytics.alert.acknowledged'
    ? `${e.type} by ${data.actor}`
    : `${e.type} ${data.actual_value}`;
};

for (const backend of BACKENDS) {
  t.test(
    `${backend}: above — boundary, trigger once, notify, acknowledge, auto-resolve`,
    async (t) => {
      const env = await server(t, backend);
      if (!env) return;
      const { s, heard } = env;
      // Errors: 3 before the first evaluation, then one more in each of the next minutes.
      await track(s, 'error', [NOW - 3 * MIN, NOW - 2 * MIN, NOW - MIN]);
      await track(s, 'error', [NOW + MIN + 10_000, NOW + 2 * MIN + 10_000]);
      await track(s, 'error', [NOW + 4 * MIN + 10_000, NOW + 4 * MIN + 20_000]);
      const rule = await ok(s, 'POST', R, {
        name: 'errors-high',
        metric: 'count:error',
        condition: 'above',
        threshold: 3,
        window: '5m',
        recipients: { subscribers: ['ops'] },
      });
      t.match(rule, {
        id: /^alr_/,
        enabled: true,
        interval: '1m',
        window_minutes: 5,
        category: 'alerts',
        next_evaluation_at: iso(NOW + MIN),
        last_evaluated_at: null,
      });

      await evaluateAt(s, NOW + MIN); // [NOW-4m, NOW+1m): 3, not above 3
      t.same(await alertsOf(s), [], 'exactly the threshold does not trigger');
      t.match(await ok(s, 'GET', `${R}/errors-high`), {
        last_value: 3,
        last_evaluated_at: iso(NOW + MIN),
        next_evaluation_at: iso(NOW + 2 * MIN),
      });

      await evaluateAt(s, NOW + 2 * MIN); // [NOW-3m, NOW+2m): 4
      const [alert] = await alertsOf(s);
      t.match(alert, {
        id: /^alt_/,
        rule_id: rule.id,
        rule_name: 'errors-high',
        metric: 'count:error',
        condition: 'above',
        threshold: 3,
        actual_value: 4,
        value: 4,
        previous_value: null,
        window: { start: iso(NOW - 3 * MIN), end: iso(NOW + 2 * MIN) },
        status: 'triggered',
        acknowledged: false,
        resolved: false,
        triggered_at: iso(NOW + 2 * MIN),
        resolved_at: null,
        notified: 1,
        notify_errors: [],
      });
      t.same(heard.map(summary), ['analytics.alert.triggered 4']);
      t.match(heard[0]?.data, { alert_id: alert.id, rule_id: rule.id, threshold: 3 });
      const feed = (await s.asUser('ops', 'GET', '/api/v1/me/notifications')).body.data;
      t.equal(feed.length, 1, 'the recipient has it in the feed');
      t.match(feed[0], {
        category: 'alerts',
        content: { title: 'Alert: errors-high', body: 'count:error above 3 over 5m: 4' },
        data: { alert_id: alert.id, rule_id: rule.id },
      });

      await evaluateAt(s, NOW + 3 * MIN); // [NOW-2m, NOW+3m): 4, still open
      t.equal((await alertsOf(s)).length, 1, 'no second alert while one is open');
      t.equal(heard.length, 1);
      t.equal((await s.asUser('ops', 'GET', '/api/v1/me/notifications')).body.data.length, 1);

      const acked = await ok(s, 'POST', `${A}/${alert.id}/acknowledge`);
      t.match(acked, {
        status: 'acknowledged',
        acknowledged: true,
        acknowledged_at: iso(NOW + 3 * MIN),
        acknowledged_by: 'admin',
      });
      t.equal((await alertsOf(s, '?status=acknowledged')).length, 1);
      await ok(s, 'POST', `${A}/${alert.id}/acknowledge`); // again: no second event

      await evaluateAt(s, NOW + 4 * MIN); // [NOW-1m, NOW+4m): 3, clears
      t.match(await ok(s, 'GET', `${A}/${alert.id}`), {
        status: 'resolved',
        resolved: true,
        acknowledged: true,
        resolved_at: iso(NOW + 4 * MIN),
        resolved_reason: 'cleared',
      });
      t.same(heard.map(summary), [
        'analytics.alert.triggered 4',
        'analytics.alert.acknowledged by admin',
        'analytics.alert.resolved 3',
      ]);
      t.match(heard[1]?.data, {
        alert_id: alert.id,
        rule_id: rule.id,
        rule_name: rule.name,
        acknowledged_at: iso(NOW + 3 * MIN),
        actor: 'admin',
      });

      await evaluateAt(s, NOW + 5 * MIN); // [NOW, NOW+5m): 4, a new alert
      t.same(
        (await alertsOf(s)).map((a) => a.status),
        ['resolved', 'triggered'],
        'a resolved alert leaves room for the next',
      );
      t.equal((await alertsOf(s, `?status=triggered&rule=${rule.id}`)).length, 1);
      t.equal((await alertsOf(s, '?rule=errors-high')).length, 2);
      t.equal((await alertsOf(s, '?rule=other')).length, 0);
    },
  );

  t.test(`${backend}: below — boundary, a topic's members, disable and delete`, async (t) => {
    const env = await server(t, backend);
    if (!env) return;
    const { s, heard } = env;
    for (const id of ['ana', 'ben']) await ok(s, 'PUT', `/api/v1/subscribers/${id}`, {});
    await ok(s, 'POST', '/api/v1/topics', { key: 'oncall', name: 'On call' });
    await ok(s, 'POST', '/api/v1/topics/oncall/subscribers', { subscribers: ['ana', 'ben'] });
    await track(s, 'login', [NOW - MIN, NOW + MIN]);
    const rule = await ok(s, 'POST', R, {
      name: 'logins-low',
      metric: 'count:login',
      condition: 'below',
      threshold: 2,
      window: '10m',
      interval: '5m',
      recipients: { topic: 'oncall' },
    });
    t.equal(rule.next_evaluation_at, iso(NOW + 5 * MIN));
    await evaluateAt(s, NOW + 5 * MIN); // [NOW-5m, NOW+5m): 2
    t.same(await alertsOf(s), [], 'exactly the threshold does not trigger');
    await evaluateAt(s, NOW + 10 * MIN); // [NOW, NOW+10m): 1
    const [alert] = await alertsOf(s);
    t.match(alert, { status: 'triggered', actual_value: 1, notified: 1 });
    for (const user of ['ana', 'ben']) {
      const feed = (await s.asUser(user, 'GET', '/api/v1/me/notifications')).body.data;
      t.match(feed, [{ content: { title: 'Alert: logins-low' } }], `${user} is told`);
    }

    const off = await ok(s, 'PATCH', `${R}/logins-low`, { enabled: false });
    t.match(off, { enabled: false, next_evaluation_at: null });
    t.match(await ok(s, 'GET', `${A}/${alert.id}`), {
      status: 'resolved',
      resolved_reason: 'rule_disabled',
    });
    await evaluateAt(s, NOW + HOUR);
    t.equal((await alertsOf(s)).length, 1, 'a disabled rule is not evaluated');

    const on = await ok(s, 'PATCH', `${R}/logins-low`, { enabled: true, threshold: 1 });
    t.equal(on.next_evaluation_at, iso(NOW + HOUR + 5 * MIN));
    await evaluateAt(s, NOW + HOUR + 5 * MIN); // no logins: 0 < 1
    t.equal((await alertsOf(s, '?status=triggered')).length, 1);
    t.equal((await s.api('DELETE', `${R}/logins-low`)).status, 204);
    t.same(
      (await alertsOf(s)).map((a) => a.resolved_reason),
      ['rule_disabled', 'rule_deleted'],
      'deleting a rule resolves its open alert',
    );
    t.same(
      heard.map((e) => e.type),
      [
        'analytics.alert.triggered',
        'analytics.alert.resolved',
        'analytics.alert.triggered',
        'analytics.alert.resolved',
      ],
    );
    t.equal((await s.api('GET', `${R}/logins-low`)).body.error.code, 'ALERT_RULE_NOT_FOUND');
  });

  t.test(`${backend}: change_percent — rises and falls, at and past the threshold`, async (t) => {
    const env = await server(t, backend);
    if (!env) return;
    const { s, heard } = env;
    // Signups per hour from 11:00: 4, 6, 10, 6, 3, 0, 2.
    const perHour = [4, 6, 10, 6, 3, 0, 2];
    for (const [h, n] of perHour.entries()) {
      if (n === 0) continue;
      const hour = NOW - HOUR + h * HOUR;
      await track(
        s,
        'signup',
        Array.from({ length: n }, (_, i) => hour + i * MIN + 30_000),
      );
    }
    const base = { metric: 'count:signup', condition: 'change_percent', window: '1h' };
    await ok(s, 'POST', R, { ...base, name: 'rise', threshold: 50, interval: '1h' });
    await ok(s, 'POST', R, { ...base, name: 'fall', threshold: -40, interval: '1h' });
    const at = async (h: number) => {
      await evaluateAt(s, NOW + h * HOUR);
      const rules = (await ok(s, 'GET', R)).data;
      return rules.map((r: { name: string; last_value: number }) => `${r.name} ${r.last_value}`);
    };

    t.same(await at(1), ['rise 50', 'fall 50'], '4 → 6: +50%, not more');
    t.same(await alertsOf(s), []);
    t.same(await at(2), ['rise 66.67', 'fall 66.67'], '6 → 10');
    t.match(await alertsOf(s), [
      { rule_name: 'rise', actual_value: 66.67, value: 10, previous_value: 6 },
    ]);
    t.same(await at(3), ['rise -40', 'fall -40'], '10 → 6: −40%, not more');
    t.match(await alertsOf(s), [{ rule_name: 'rise', status: 'resolved' }]);
    t.same(await at(4), ['rise -50', 'fall -50'], '6 → 3');
    t.match(await alertsOf(s), [
      { rule_name: 'rise', status: 'resolved' },
      { rule_name: 'fall', status: 'triggered', actual_value: -50 },
    ]);
    t.same(await at(5), ['rise -100', 'fall -100'], '3 → 0');
    t.same(await at(6), ['rise null', 'fall null'], '0 → 2: no percentage from 0');
    t.equal((await alertsOf(s, '?status=triggered')).length, 1, 'no decision keeps it open');
    t.same(heard.map(summary), [
      'analytics.alert.triggered 66.67',
      'analytics.alert.resolved -40',
      'analytics.alert.triggered -50',
    ]);
  });
}

t.test('a ratio over a window with nothing in its denominator decides nothing', async (t) => {
  const { s } = (await server(t, 'memory'))!;
  const login = (status: string, at: number) => ({
    event_type: 'auth.login',
    user_id: 'u',
    timestamp: iso(at),
    properties: { status },
  });
  // Logins only in the third window: one success, three failures (25%).
  await ok(s, 'POST', '/api/v1/analytics/events/batch', {
    events: [
      login('success', NOW + 11 * MIN),
      ...[1, 2, 3].map((i) => login('failure', NOW + 11 * MIN + i * 1000)),
    ],
  });
  await ok(s, 'POST', R, {
    name: 'logins-failing',
    metric: 'login_success_rate',
    condition: 'below',
    threshold: 0.9,
    window: '5m',
    interval: '5m',
  });
  await evaluateAt(s, NOW + 5 * MIN); // no logins at all: not a success rate of 0
  t.same(await alertsOf(s), [], 'a quiet window opens no alert');
  t.equal((await ok(s, 'GET', `${R}/logins-failing`)).last_value, null, 'and has no value');
  await evaluateAt(s, NOW + 15 * MIN);
  t.match(await alertsOf(s), [{ status: 'triggered', actual_value: 0.25 }]);
  await evaluateAt(s, NOW + 20 * MIN); // quiet again: the open alert stays open
  t.match(await alertsOf(s), [{ status: 'triggered' }]);
});

t.test('a rule that cannot be evaluated is refused with the error envelope', async (t) => {
  const env = await server(t, 'memory');
  const { s } = env!;
  const base = { name: 'x', metric: 'events', condition: 'above', threshold: 1, window: '5m' };
  const cases: Array<[object, number, string, string?]> = [
    [{ condition: 'over' }, 400, 'VALIDATION_ERROR'],
    [{ window: '5x' }, 400, 'VALIDATION_ERROR'],
    [{ window: '0m' }, 400, 'VALIDATION_ERROR'],
    [{ window: '91d' }, 400, 'VALIDATION_ERROR', 'body.window'],
    [{ interval: '2d' }, 400, 'VALIDATION_ERROR', 'body.interval'],
    [{ threshold: 'high' }, 400, 'VALIDATION_ERROR'],
    [{ metric: 'nope' }, 400, 'INVALID_METRIC'],
    [{ filters: [{ field: 'x', operator: 'in', value: 'a' }] }, 400, 'VALIDATION_ERROR'],
    [{ channels: ['fax'] }, 400, 'VALIDATION_ERROR'],
    [{ recipients: { subscribers: [] } }, 400, 'VALIDATION_ERROR'],
  ];
  for (const [over, status, code, field] of cases) {
    const res = await s.api('POST', R, { ...base, ...over });
    t.equal(res.status, status, JSON.stringify(over));
    t.equal(res.body.error?.code, code, JSON.stringify(over));
    if (field) t.equal(res.body.error.details.field, field);
  }
  t.equal((await s.api('POST', R, base)).status, 201);
  t.equal((await s.api('POST', R, base)).body.error.code, 'ALREADY_EXISTS');
  const badUpdate = await s.api('PATCH', `${R}/x`, { metric: 'nope' });
  t.equal(badUpdate.body.error.code, 'INVALID_METRIC');
  t.equal((await s.api('GET', `${A}/alt_nope`)).body.error.code, 'ALERT_NOT_FOUND');
  t.equal((await s.api('POST', `${A}/alt_nope/acknowledge`)).status, 404);
  t.equal((await s.api('GET', `${R}/nope`)).status, 404);

  const reader = await s.api('POST', '/api/v1/keys', { name: 'r', scopes: ['analytics:read'] });
  const key = reader.body.key as string;
  t.equal((await s.api('GET', R, undefined, key)).status, 200);
  t.equal((await s.api('POST', R, { ...base, name: 'y' }, key)).status, 403);
});

t.test('the triggered event reaches a webhook', async (t) => {
  const receiver = await startReceiver(t);
  const { s } = (await server(t, 'memory'))!;
  await ok(s, 'POST', '/api/v1/webhooks', {
    url: `${receiver.url}/alerts`,
    events: ['analytics.alert.*'],
  });
  await ok(s, 'POST', R, {
    name: 'any',
    metric: 'events',
    condition: 'below',
    threshold: 1,
    window: '1h',
  });
  await evaluateAt(s, NOW + MIN);
  const got = await receiver.next('/alerts');
  t.equal(got.headers['x-notifyd-event'], 'analytics.alert.triggered');
  t.match(got.body.data, { rule_name: 'any', condition: 'below', actual_value: 0, value: 0 });
});

t.test("a tenant's rule reads its tenant's events and is seen by its tenant only", async (t) => {
  const { s } = (await server(t, 'memory'))!;
  const events = [
    { event_type: 'error', tenant_id: 'acme', timestamp: iso(NOW - MIN) },
    ...[1, 2, 3].map((m) => ({
      event_type: 'error',
      tenant_id: 'other',
      timestamp: iso(NOW - m * MIN),
    })),
  ];
  await ok(s, 'POST', '/api/v1/analytics/events/batch', { events });
  const made = await ok(s, 'POST', '/api/v1/keys', {
    name: 'acme analytics',
    scopes: ['analytics:read', 'analytics:manage'],
    tenant_id: 'acme',
  });
  const acme = made.key as string;
  const rule = { metric: 'count:error', condition: 'above', threshold: 1, window: '5m' };
  t.equal((await s.api('POST', R, { ...rule, name: 'acme-errors' }, acme)).status, 201);
  await ok(s, 'POST', R, { ...rule, name: 'all-errors' });
  await evaluateAt(s, NOW + MIN);
  const seen = await s.api('GET', R, undefined, acme);
  t.same(
    seen.body.data.map((r: { name: string; last_value: number }) => `${r.name} ${r.last_value}`),
    ['acme-errors 1'],
    'acme sees its rule, which counted its one error',
  );
  t.equal((await s.api('GET', `${R}/all-errors`, undefined, acme)).status, 404);
  t.match(await ok(s, 'GET', `${R}/all-errors`), { last_value: 4 }, 'an unbound rule reads all');
  const alerts = await s.api('GET', A, undefined, acme);
  t.equal(alerts.body.total, 0, 'only the unbound rule fired, and acme does not see it');
  t.match(await alertsOf(s), [{ rule_name: 'all-errors', tenant_id: 'default', actual_value: 4 }]);
});

t.test(
  'two nodes on one store: each evaluation runs once, one alert, one notification',
  async (t) => {
    const { createMemoryStore } = await import('../../src/store/memory/index.js');
    const { startServer } = await import('../helpers/server.js');
    const store = createMemoryStore();
    const clock = new FakeClock(NOW);
    const a = await startServer(t, OVERRIDES, store, { clock });
    const b = await startServer(t, OVERRIDES, store, { clock });
    await ok(a, 'POST', R, {
      name: 'quiet',
      metric: 'count:nothing',
      condition: 'below',
      threshold: 1,
      window: '5m',
      recipients: { subscribers: ['ops'] },
    });
    clock.set(NOW + MIN);
    await Promise.all([a.server.scheduler.runDue(), b.server.scheduler.runDue()]);
    clock.set(NOW + 2 * MIN);
    await Promise.all([b.server.scheduler.runDue(), a.server.scheduler.runDue()]);
    const listed = (await a.api('GET', A)).body;
    t.equal(listed.total, 1);
    t.match(listed.data[0], { status: 'triggered', notified: 1 });
    t.equal((await a.asUser('ops', 'GET', '/api/v1/me/notifications')).body.data.length, 1);
    t.match((await b.api('GET', `${R}/quiet`)).body, {
      last_evaluated_at: iso(NOW + 2 * MIN),
      next_evaluation_at: iso(NOW + 3 * MIN),
    });
  },
);
