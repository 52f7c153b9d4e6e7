/**
 * The audit log the compliance-audit report reads: who changed which key, template and
 * provider, when — recorded from the bus as `audit.change` events with their actor.
 */
import t from 'tap';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { ADMIN_KEY, startServer } from '../helpers/server.js';
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
