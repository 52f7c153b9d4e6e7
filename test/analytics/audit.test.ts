/**
 * The audit log the compliance-audit report reads: who changed which key, template,
 * provider, category, topic, webhook, workflow, funnel, report definition, report schedule
 * and alert rule, when — recorded from the bus as `audit.change` events with their actor.
 */
import t from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { ADMIN_KEY, type Running, startServer } from '../helpers/server.js';
import { fixture } from '../providers/setup.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

t.test('keys, templates and runtime providers changed by an operator are audited', async (t) => {
  const s = await startServer(t, { encryption: { key: KEY } } as never, createMemoryStore());
  const key = await s.api('POST', '/api/v1/keys', {
    name: 'ops',
    scopes: ['notifications:admin'],
    tenant_id: null,
  });
  t.equal(key.status, 201);
  // The new key makes the next changes: the audit names it, not the admin key.
  const ops = (method: string, path: string, body?: unknown) =>
    fetch(`${s.url}${path}`, {
      method,
      headers: { 'x-api-key': key.body.key, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).then(async (r) => ({ status: r.status, body: r.status === 204 ? null : await r.json() }));
  const tpl = await ops('POST', '/api/v1/templates', {
    key: 'welcome',
    name: 'Welcome',
    channels: { in_app: { title: 'Hi {{ name }}', body: 'Welcome' } },
  });
  t.equal(tpl.status, 201, JSON.stringify(tpl.body));
  t.equal(
    (await ops('PATCH', '/api/v1/templates/welcome', { name: 'Hello', version: 1 })).status,
    200,
  );
  t.equal((await ops('DELETE', '/api/v1/templates/welcome')).status, 204);
  const put = await ops('PUT', '/api/v1/providers/sms-rt', {
    plugin: fixture('sms'),
    options: { region: 'eu', auth_token: 'tok-secret' },
  });
  t.equal(put.status, 200, JSON.stringify(put.body));
  t.equal((await ops('DELETE', '/api/v1/providers/sms-rt')).status, 204);
  t.equal((await s.api('DELETE', `/api/v1/keys/${key.body.id}`)).status, 204);
  await new Promise((r) => setImmediate(r));
  await s.server.analytics!.ingestor.flush();

  const res = await s.api('POST', '/api/v1/analytics/query', {
    metrics: ['count:audit.change'],
    dimensions: ['change', 'actor', 'name'],
    time_range: { preset: 'last_24h' },
  });
  t.equal(res.status, 200);
  const rows = res.body.data
    .map((r: { dimensions: Record<string, string> }) => Object.values(r.dimensions).join(' '))
    .sort();
  t.same(rows, [
    'api_key.created admin ops',
    `api_key.revoked admin ops`,
    `notification.provider.configured ${key.body.id} sms-rt`,
    `notification.provider.removed ${key.body.id} sms-rt`,
    `notification.template.created ${key.body.id} welcome`,
    `notification.template.deleted ${key.body.id} welcome`,
    `notification.template.updated ${key.body.id} welcome`,
  ]);
  // The compliance-audit report filters by the new verbs too.
  const report = await s.api('POST', '/api/v1/reports', {
    definition: 'compliance-audit',
    parameters: { action: 'revoked' },
    format: 'json',
  });
  t.equal(report.status, 201, JSON.stringify(report.body));
  t.equal(report.body.status, 'completed');
  const file = await fetch(`${s.url}/api/v1/reports/${report.body.id}/download?format=json`, {
    headers: { 'x-api-key': ADMIN_KEY },
  }).then((r) => r.text());
  t.match(file, /"action":\s*"revoked"/);
  t.match(file, /"object":\s*"api_key"/);
  t.notMatch(file, /"action":\s*"created"/, 'only the revocation');
  // No secret reached the log.
  const raw = JSON.stringify(res.body);
  t.notMatch(raw, /tok-secret/);
  t.notMatch(raw, new RegExp(key.body.key));
});

t.test("a subscriber's own preference change is not an operator's", async (t) => {
  const s = await startServer(t, {}, createMemoryStore());
  await s.api('PUT', '/api/v1/subscribers/ada', {});
  t.equal(
    (await s.api('PUT', '/api/v1/subscribers/ada/preferences', { global_enabled: false })).status,
    200,
  );
  await new Promise((r) => setImmediate(r));
  await s.server.analytics!.ingestor.flush();
  const res = await s.api('POST', '/api/v1/analytics/query', {
    metrics: ['count:audit.change', 'count:notification.preference_updated'],
    time_range: { preset: 'last_24h' },
  });
  t.match(res.body.data, [
    { values: { 'count:audit.change': 0, 'count:notification.preference_updated': 1 } },
  ]);
});

/** The audit log's rows by change, actor and name, each as one line, sorted. */
async function auditRows(s: Running): Promise<string[]> {
  await new Promise((r) => setImmediate(r));
  await s.server.analytics!.ingestor.flush();
  const res = await s.api('POST', '/api/v1/analytics/query', {
    metrics: ['count:audit.change'],
    dimensions: ['change', 'actor', 'name'],
    time_range: { preset: 'last_24h' },
  });
  if (res.status !== 200) throw new Error(JSON.stringify(res.body));
  return res.body.data
    .map(
      (r: { dimensions: Record<string, string>; values: Record<string, number> }) =>
        `${Object.values(r.dimensions).join(' ')} ×${r.values['count:audit.change']}`,
    )
    .sort();
}

t.test(
  'categories, topics, erasures, webhooks, workflows and the analytics objects changed by an operator are audited',
  async (t) => {
    const clock = new FakeClock(Date.now());
    const s = await startServer(t, {}, createMemoryStore(), { clock });
    const key = await s.api('POST', '/api/v1/keys', {
      name: 'ops',
      scopes: ['notifications:admin', 'analytics:manage'],
      tenant_id: null,
    });
    t.equal(key.status, 201, JSON.stringify(key.body));
    const K: string = key.body.id;
    const ops = async (method: string, path: string, body?: unknown) => {
      const res = await s.api(method, path, body, key.body.key);
      if (res.status >= 300) throw new Error(`${method} ${path}: ${JSON.stringify(res.body)}`);
      return res.body;
    };

    await ops('POST', '/api/v1/categories', { id: 'billing', name: 'Billing' });
    await ops('PATCH', '/api/v1/categories/billing', { name: 'Invoices' });
    await ops('DELETE', '/api/v1/categories/billing');
    await ops('POST', '/api/v1/topics', { key: 'news', name: 'News' });
    await ops('PATCH', '/api/v1/topics/news', { name: 'Newsletter' });
    await ops('DELETE', '/api/v1/topics/news');
    // A subscriber's record is your application's data (not audited); erasing one is.
    await ops('PUT', '/api/v1/subscribers/ada', { email: 'ada@example.com' });
    await ops('PUT', '/api/v1/subscribers/ada', { locale: 'fr' });
    await ops('DELETE', '/api/v1/subscribers/ada');
    // A webhook is named by its description, else its URL's host: never its path or query.
    const hook = await ops('POST', '/api/v1/webhooks', {
      url: 'https://hooks.example.com/in?token=tok-secret',
      events: ['analytics.alert.triggered'],
      active: false,
    });
    await ops('PATCH', `/api/v1/webhooks/${hook.id}`, { description: 'Ops room' });
    await ops('DELETE', `/api/v1/webhooks/${hook.id}`);
    const steps = [{ type: 'send', channel: 'in_app', content: { title: 'Hi', body: 'Welcome' } }];
    await ops('POST', '/api/v1/workflows', { trigger_identifier: 'welcome', name: 'W', steps });
    await ops('PATCH', '/api/v1/workflows/welcome', { name: 'Welcome' });
    await ops('DELETE', '/api/v1/workflows/welcome');
    const funnelSteps = [
      { name: 'Signed up', event_type: 'signup' },
      { name: 'Bought', event_type: 'purchase' },
    ];
    await ops('POST', '/api/v1/analytics/funnels', { name: 'activation', steps: funnelSteps });
    await ops('PATCH', '/api/v1/analytics/funnels/activation', { description: 'Sign-up to sale' });
    await ops('DELETE', '/api/v1/analytics/funnels/activation');
    await ops('POST', '/api/v1/reports/definitions', {
      name: 'signups',
      title: 'Signups',
      queries: [{ title: 'Signups', metrics: ['count:signup'] }],
    });
    await ops('PATCH', '/api/v1/reports/definitions/signups', { title: 'Daily signups' });
    await ops('POST', '/api/v1/reports/schedules', {
      name: 'morning',
      definition: 'signups',
      schedule: 'daily',
      delivery: { email: ['ops@acme.test'] },
    });
    await ops('POST', '/api/v1/reports/schedules/morning/pause');
    await ops('POST', '/api/v1/reports/schedules/morning/resume');
    await ops('PATCH', '/api/v1/reports/schedules/morning', { time: '09:00' });
    await ops('DELETE', '/api/v1/reports/schedules/morning');
    await ops('DELETE', '/api/v1/reports/definitions/signups');
    // An alert rule on a metric nothing counts triggers at its first evaluation.
    await ops('POST', '/api/v1/alerts/rules', {
      name: 'quiet',
      metric: 'count:nothing',
      condition: 'below',
      threshold: 1,
      window: '1m',
    });
    await ops('PATCH', '/api/v1/alerts/rules/quiet', { description: 'Nothing counted' });
    clock.advance(60_000);
    await s.server.scheduler.runDue();
    const alerts = await ops('GET', '/api/v1/alerts');
    t.equal(alerts.data.length, 1, 'the rule triggered');
    const alert = alerts.data[0].id as string;
    await ops('POST', `/api/v1/alerts/${alert}/acknowledge`);
    // Acknowledging again changes nothing and is not audited again.
    await ops('POST', `/api/v1/alerts/${alert}/acknowledge`);
    await ops('DELETE', '/api/v1/alerts/rules/quiet');

    t.same(await auditRows(s), [
      `analytics.alert.acknowledged ${K} quiet ×1`,
      `analytics.alert_rule.created ${K} quiet ×1`,
      `analytics.alert_rule.deleted ${K} quiet ×1`,
      `analytics.alert_rule.updated ${K} quiet ×1`,
      `analytics.funnel.created ${K} activation ×1`,
      `analytics.funnel.deleted ${K} activation ×1`,
      `analytics.funnel.updated ${K} activation ×1`,
      `analytics.report_definition.created ${K} signups ×1`,
      `analytics.report_definition.deleted ${K} signups ×1`,
      `analytics.report_definition.updated ${K} signups ×1`,
      `analytics.report_schedule.created ${K} morning ×1`,
      `analytics.report_schedule.deleted ${K} morning ×1`,
      `analytics.report_schedule.paused ${K} morning ×1`,
      `analytics.report_schedule.resumed ${K} morning ×1`,
      `analytics.report_schedule.updated ${K} morning ×1`,
      'api_key.created admin ops ×1',
      `notification.category.created ${K} Billing ×1`,
      `notification.category.deleted ${K} Invoices ×1`,
      `notification.category.updated ${K} Invoices ×1`,
      `notification.subscriber.erased ${K} ada ×1`,
      `notification.topic.created ${K} news ×1`,
      `notification.topic.deleted ${K} news ×1`,
      `notification.topic.updated ${K} news ×1`,
      `webhook.created ${K} hooks.example.com ×1`,
      `webhook.deleted ${K} Ops room ×1`,
      `webhook.updated ${K} Ops room ×1`,
      `workflow.created ${K} welcome ×1`,
      `workflow.deleted ${K} welcome ×1`,
      `workflow.updated ${K} welcome ×1`,
    ]);

    // The compliance-audit report filters by the new verbs and objects.
    const report = await s.api('POST', '/api/v1/reports', {
      definition: 'compliance-audit',
      parameters: { action: ['paused', 'resumed', 'acknowledged'] },
      format: 'json',
    });
    t.equal(report.status, 201, JSON.stringify(report.body));
    t.equal(report.body.status, 'completed');
    const file = await fetch(`${s.url}/api/v1/reports/${report.body.id}/download?format=json`, {
      headers: { 'x-api-key': ADMIN_KEY },
    }).then((r) => r.text());
    for (const action of ['paused', 'resumed', 'acknowledged']) {
      t.match(file, new RegExp(`"action":\\s*"${action}"`), action);
    }
    t.match(file, /"object":\s*"analytics\.alert"/);
    t.notMatch(file, /"action":\s*"(created|updated|deleted)"/, 'only those verbs');
    t.notMatch(file, /tok-secret/, "no webhook URL's query");
  },
);

t.test('a change that fails is not audited', async (t) => {
  const s = await startServer(t, {}, createMemoryStore());
  await s.api('POST', '/api/v1/categories', { id: 'billing', name: 'Billing' });
  const stale = await s.api('PATCH', '/api/v1/categories/billing', { name: 'B', version: 9 });
  t.equal(stale.status, 409);
  t.equal((await s.api('DELETE', '/api/v1/analytics/funnels/none')).status, 404);
  t.same(await auditRows(s), ['notification.category.created admin Billing ×1']);
});

t.test('rate-limit changes name who made them, not who created the object', async (t) => {
  const s = await startServer(t, {}, createMemoryStore());
  const key = await s.api('POST', '/api/v1/keys', {
    name: 'limits',
    scopes: ['ratelimit:admin'],
    tenant_id: null,
  });
  t.equal(key.status, 201, JSON.stringify(key.body));
  const K: string = key.body.id;
  const R = '/api/v1/ratelimit';
  const as = async (who: string, method: string, path: string, body?: unknown) => {
    const res = await s.api(method, path, body, who);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const policy = await as(key.body.key, 'POST', `${R}/policies`, {
    name: 'free',
    limits: [{ scope: 'api_key', max_requests: 100, window_unit: 'minute' }],
  });
  await as(key.body.key, 'PATCH', `${R}/policies/${policy.id}`, { priority: 5 });
  await as(key.body.key, 'DELETE', `${R}/policies/${policy.id}`);
  // The admin key creates a bypass; the new key deletes it.
  const bypass = await as(ADMIN_KEY, 'POST', `${R}/bypass`, {
    type: 'user',
    value: 'u7',
    reason: 'support',
    expires_in_seconds: 3600,
  });
  await as(key.body.key, 'DELETE', `${R}/bypass/${bypass.id}`);
  const rows = (await auditRows(s)).filter((r) => r.startsWith('ratelimit.'));
  t.same(rows, [
    'ratelimit.bypass_created admin (none) ×1',
    `ratelimit.bypass_deleted ${K} (none) ×1`,
    `ratelimit.policy_created ${K} free ×1`,
    `ratelimit.policy_deleted ${K} free ×1`,
    `ratelimit.policy_updated ${K} free ×1`,
  ]);
});
