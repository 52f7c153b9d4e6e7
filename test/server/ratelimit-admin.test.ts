import t from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { createIdGenerator } from '../../src/core/ids.js';
import { RateLimitAdmin } from '../../src/ratelimit/admin.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { type Running, startServer } from '../helpers/server.js';

const R = '/api/v1/ratelimit';
const free = {
  name: 'free',
  description: 'the free tier',
  limits: [{ scope: 'api_key', max_requests: 100, window_unit: 'minute' }],
  algorithm: 'token_bucket',
  burst: { max_burst: 20 },
};

async function keyWith(s: Running, scopes: string[], tenant?: string | null): Promise<string> {
  const res = await s.api('POST', '/api/v1/keys', {
    name: scopes.join(' '),
    scopes,
    ...(tenant !== undefined ? { tenant_id: tenant } : {}),
  });
  return res.body.key;
}

t.test('policies: create, read by id and name, list, change, delete', async (t) => {
  const events: Array<[string, Record<string, unknown>]> = [];
  const s = await startServer(t, {}, createMemoryStore(), {
    onRateLimitEvent: (type, data) => events.push([type, data]),
  });
  const created = await s.api('POST', `${R}/policies`, free);
  t.equal(created.status, 201);
  t.match(created.body, {
    id: /^rlp_/,
    tenant_id: 'default',
    name: 'free',
    version: 1,
    algorithm: 'token_bucket',
    limits: [
      {
        scope: 'api_key',
        max_requests: 100,
        window_seconds: 60,
        window_unit: 'minute',
        cost_based: false,
      },
    ],
    burst: { max_burst: 20 },
    throttle: { mode: 'reject' },
    priority: 0,
    is_active: true,
  });
  t.same(
    events.map(([type]) => type),
    ['ratelimit.policy_created'],
  );
  t.equal(events[0]![1].id, created.body.id);

  t.same((await s.api('GET', `${R}/policies/free`)).body, created.body, 'by name');
  t.same((await s.api('GET', `${R}/policies/${created.body.id}`)).body, created.body, 'by id');
  const list = await s.api('GET', `${R}/policies?per_page=10`);
  t.same(
    { ...list.body, data: list.body.data.length },
    { data: 1, page: 1, per_page: 10, total: 1 },
  );

  const changed = await s.api('PATCH', `${R}/policies/free`, { priority: 5, version: 1 });
  t.equal(changed.status, 200);
  t.match(changed.body, { priority: 5, version: 2, name: 'free', burst: { max_burst: 20 } });
  const stale = await s.api('PATCH', `${R}/policies/free`, { priority: 6, version: 1 });
  t.equal(stale.status, 409);
  t.equal(stale.body.error.code, 'VERSION_CONFLICT');

  const dup = await s.api('POST', `${R}/policies`, free);
  t.equal(dup.status, 409);
  t.equal(dup.body.error.code, 'ALREADY_EXISTS');

  t.equal((await s.api('DELETE', `${R}/policies/free`)).status, 204);
  t.equal((await s.api('GET', `${R}/policies/free`)).body.error.code, 'POLICY_NOT_FOUND');
  t.equal((await s.api('DELETE', `${R}/policies/free`)).status, 404);
  t.same(
    events.map(([type]) => type),
    ['ratelimit.policy_created', 'ratelimit.policy_updated', 'ratelimit.policy_deleted'],
  );
});

t.test('bad policies are 400 naming the field', async (t) => {
  const s = await startServer(t);
  const cases: Array<[unknown, RegExp]> = [
    [{ ...free, limits: [] }, /limits/],
    [
      { ...free, limits: [{ scope: 'api_key', max_requests: 10 }] },
      /window_seconds or window_unit/,
    ],
    [
      {
        ...free,
        limits: [{ scope: 'api_key', max_requests: 10, window_seconds: 30, window_unit: 'minute' }],
      },
      /disagree/,
    ],
    [{ ...free, limits: [{ scope: 'planet', max_requests: 10, window_seconds: 1 }] }, /scope/],
    [
      { ...free, limits: [{ scope: 'api_key', max_requests: 0, window_seconds: 1 }] },
      /max_requests/,
    ],
    [
      { ...free, limits: [{ scope: 'ip', max_requests: 1, window_seconds: 1, key: ['endpoint'] }] },
      /scope \(ip\)/,
    ],
    [{ ...free, algorithm: 'leaky' }, /algorithm/],
    [
      { ...free, algorithm: 'fixed_window', token_bucket: { refill_rate: 1, bucket_size: 5 } },
      /token_bucket/,
    ],
    [{ ...free, throttle: { mode: 'throttle' } }, /max_delay_ms/],
    [
      { ...free, throttle: { mode: 'penalty_box', penalty_max_requests: 1 } },
      /penalty_duration_seconds/,
    ],
    [{ ...free, name: 'has space' }, /name/],
    [{ ...free, extra: 1 }, /extra/],
  ];
  for (const [body, field] of cases) {
    const res = await s.api('POST', `${R}/policies`, body);
    t.equal(res.status, 400, JSON.stringify(body));
    t.equal(res.body.error.code, 'VALIDATION_ERROR');
    t.match(res.body.error.message, field);
  }
  t.equal((await s.api('POST', `${R}/policies`, '{nope')).status, 400);
  t.equal((await s.api('GET', `${R}/policies?page=0`)).status, 400);
  t.equal((await s.api('GET', `${R}/policies?per_page=1000`)).status, 400);
});

t.test('rules: conflicts, enable/disable, and a policy in use', async (t) => {
  const events: string[] = [];
  const s = await startServer(t, {}, createMemoryStore(), {
    onRateLimitEvent: (type) => events.push(type),
  });
  const policy = (await s.api('POST', `${R}/policies`, free)).body;
  const rule = {
    policy_id: 'free',
    target: { type: 'endpoint', value: '/api/v1/notifications' },
    method: 'POST',
    conditions: { plans: ['pro', 'free'], headers: { 'X-Client': 'web' } },
  };
  const created = await s.api('POST', `${R}/rules`, rule);
  t.equal(created.status, 201);
  t.match(created.body, {
    id: /^rlr_/,
    policy_id: policy.id,
    target: { type: 'endpoint', value: '/api/v1/notifications' },
    method: 'POST',
    path: '*',
    priority: 0,
    enabled: true,
    conditions: { plans: ['free', 'pro'], headers: { 'x-client': 'web' } },
  });

  const same = await s.api('POST', `${R}/rules`, {
    ...rule,
    conditions: { headers: { 'x-client': 'web' }, plans: ['free', 'pro'] },
  });
  t.equal(same.status, 409, 'same match written differently still conflicts');
  t.equal(same.body.error.code, 'RULE_CONFLICT');
  t.equal(same.body.error.details.conflicting_rule_id, created.body.id);
  t.equal(
    (await s.api('POST', `${R}/rules`, { ...rule, priority: 1 })).status,
    201,
    'other priority',
  );
  t.equal(
    (await s.api('POST', `${R}/rules`, { ...rule, method: 'GET' })).status,
    201,
    'other method',
  );
  const off = await s.api('POST', `${R}/rules`, { ...rule, enabled: false });
  t.equal(off.status, 201, 'a disabled twin is allowed');
  const enable = await s.api('POST', `${R}/rules/${off.body.id}/enable`);
  t.equal(enable.status, 409, 'but cannot be enabled beside the first');
  t.equal(enable.body.error.code, 'RULE_CONFLICT');
  const disabled = await s.api('POST', `${R}/rules/${created.body.id}/disable`);
  t.equal(disabled.body.enabled, false);
  t.equal((await s.api('POST', `${R}/rules/${off.body.id}/enable`)).body.enabled, true);

  const byPolicy = await s.api('GET', `${R}/rules?policy_id=${policy.id}&per_page=2&page=2`);
  t.same([byPolicy.body.total, byPolicy.body.data.length], [4, 2]);

  const inUse = await s.api('DELETE', `${R}/policies/free`);
  t.equal(inUse.status, 409);
  t.equal(inUse.body.error.code, 'POLICY_IN_USE');
  t.equal(inUse.body.error.details.rules.length, 4);

  t.equal(
    (await s.api('POST', `${R}/rules`, { ...rule, policy_id: 'nope' })).body.error.code,
    'POLICY_NOT_FOUND',
  );
  const badIp = await s.api('POST', `${R}/rules`, {
    ...rule,
    target: { type: 'ip', value: '10.0.0.0/99' },
  });
  t.equal(badIp.status, 400);
  t.match(badIp.body.error.message, /body.target.value/);
  const badRange = await s.api('POST', `${R}/rules`, { ...rule, conditions: { ip_ranges: ['x'] } });
  t.match(badRange.body.error.message, /ip_ranges.0/);
  t.equal((await s.api('POST', `${R}/rules`, { ...rule, path: 'no-slash' })).status, 400);
  t.equal((await s.api('POST', `${R}/rules`, { ...rule, target: { type: 'planet' } })).status, 400);
  t.equal((await s.api('GET', `${R}/rules/rlr_nope`)).body.error.code, 'RULE_NOT_FOUND');

  const changed = await s.api('PATCH', `${R}/rules/${created.body.id}`, { priority: 7 });
  t.equal(changed.body.priority, 7);
  for (const r of (await s.api('GET', `${R}/rules`)).body.data) {
    t.equal((await s.api('DELETE', `${R}/rules/${r.id}`)).status, 204);
  }
  t.equal((await s.api('DELETE', `${R}/policies/free`)).status, 204, 'deletable once unused');
  t.ok(events.includes('ratelimit.rule_enabled') && events.includes('ratelimit.rule_disabled'));
  t.ok(events.includes('ratelimit.rule_updated') && events.includes('ratelimit.rule_deleted'));
});

t.test('plans and assignments', async (t) => {
  const s = await startServer(t);
  await s.api('POST', `${R}/policies`, free);
  await s.api('POST', `${R}/policies`, {
    ...free,
    name: 'pro',
    limits: [{ scope: 'api_key', max_requests: 1000, window_unit: 'minute' }],
  });
  const plan = await s.api('POST', `${R}/plans`, { plan: 'free', policy_id: 'free' });
  t.equal(plan.status, 201);
  t.match(plan.body, { id: /^pln_/, plan: 'free' });
  t.equal(
    (await s.api('POST', `${R}/plans`, { plan: 'free', policy_id: 'pro' })).body.error.code,
    'ALREADY_EXISTS',
  );
  t.equal(
    (await s.api('POST', `${R}/plans`, { plan: 'x', policy_id: 'nope' })).body.error.code,
    'POLICY_NOT_FOUND',
  );

  const assigned = await s.api('POST', `${R}/plans/assignments`, {
    plan: 'free',
    subject_type: 'api_key',
    subject_id: 'key_1',
  });
  t.equal(assigned.status, 201);
  t.match(assigned.body, {
    id: /^pla_/,
    plan: 'free',
    subject_type: 'api_key',
    subject_id: 'key_1',
  });
  await s.api('POST', `${R}/plans`, { plan: 'pro', policy_id: 'pro' });
  const again = await s.api('POST', `${R}/plans/assignments`, {
    plan: 'pro',
    subject_type: 'api_key',
    subject_id: 'key_1',
  });
  t.equal(again.status, 200, 'assigning again replaces');
  t.equal(again.body.id, assigned.body.id);
  t.equal(again.body.plan, 'pro');
  const missing = await s.api('POST', `${R}/plans/assignments`, {
    plan: 'gold',
    subject_type: 'user',
    subject_id: 'u',
  });
  t.equal(missing.body.error.code, 'PLAN_NOT_FOUND');
  const list = await s.api('GET', `${R}/plans/assignments?plan=pro`);
  t.equal(list.body.total, 1);
  t.equal((await s.api('GET', `${R}/plans/pro`)).body.plan, 'pro');
  const inUse = await s.api('DELETE', `${R}/policies/pro`);
  t.equal(inUse.body.error.code, 'POLICY_IN_USE');
  t.same(inUse.body.error.details.plans, ['pro']);
  t.equal((await s.api('DELETE', `${R}/plans/assignments/${assigned.body.id}`)).status, 204);
  t.equal(
    (await s.api('DELETE', `${R}/plans/assignments/${assigned.body.id}`)).body.error.code,
    'PLAN_ASSIGNMENT_NOT_FOUND',
  );
  t.equal(
    (await s.api('PATCH', `${R}/plans/pro`, { policy_id: 'free' })).body.policy_id,
    plan.body.policy_id,
  );
  t.equal((await s.api('DELETE', `${R}/plans/pro`)).status, 204);
});

t.test('bypass rules, adjustments and costs', async (t) => {
  const events: string[] = [];
  const s = await startServer(t, {}, createMemoryStore(), {
    onRateLimitEvent: (type) => events.push(type),
  });
  const bypass = await s.api('POST', `${R}/bypass`, {
    type: 'ip',
    value: '10.1.0.0/16',
    reason: 'load test',
    expires_in_seconds: 3600,
  });
  t.equal(bypass.status, 201);
  t.match(bypass.body, { id: /^byp_/, created_by: 'admin', expires_at: /Z$/ });
  t.equal(
    (await s.api('POST', `${R}/bypass`, { type: 'ip', value: 'nope', reason: 'x' })).status,
    400,
  );
  t.equal(
    (
      await s.api('POST', `${R}/bypass`, {
        type: 'user',
        value: 'u',
        reason: 'x',
        expires_at: '2001-01-01T00:00:00Z',
      })
    ).status,
    400,
  );
  t.equal((await s.api('GET', `${R}/bypass?active=true`)).body.total, 1);
  t.equal((await s.api('DELETE', `${R}/bypass/${bypass.body.id}`)).status, 204);
  t.equal(
    (await s.api('GET', `${R}/bypass/${bypass.body.id}`)).body.error.code,
    'BYPASS_NOT_FOUND',
  );

  await s.api('POST', `${R}/policies`, free);
  const rule = (
    await s.api('POST', `${R}/rules`, { policy_id: 'free', target: { type: 'api_key' } })
  ).body;
  const adjust = { rule_id: rule.id, max_requests: 500, reason: 'launch', duration_seconds: 600 };
  const adj = await s.api('POST', `${R}/adjustments`, adjust);
  t.equal(adj.status, 201);
  t.match(adj.body, {
    id: /^adj_/,
    rule_id: rule.id,
    max_requests: 500,
    active: true,
    reverted_at: null,
  });
  const second = await s.api('POST', `${R}/adjustments`, adjust);
  t.equal(second.status, 409);
  t.equal(second.body.error.code, 'ADJUSTMENT_ACTIVE');
  const reverted = await s.api('POST', `${R}/adjustments/${adj.body.id}/revert`);
  t.match(reverted.body, { active: false, reverted_at: /Z$/, reverted_by: 'admin' });
  t.equal(
    (await s.api('POST', `${R}/adjustments/${adj.body.id}/revert`)).body.error.code,
    'ADJUSTMENT_NOT_FOUND',
  );
  t.equal(
    (await s.api('POST', `${R}/adjustments`, adjust)).status,
    201,
    'a new one after the revert',
  );
  t.equal((await s.api('GET', `${R}/adjustments?active=true`)).body.total, 1);
  t.equal((await s.api('GET', `${R}/adjustments?rule_id=${rule.id}`)).body.total, 2);
  t.equal(
    (await s.api('POST', `${R}/adjustments`, { ...adjust, rule_id: 'rlr_nope' })).body.error.code,
    'RULE_NOT_FOUND',
  );
  t.equal(
    (await s.api('POST', `${R}/adjustments`, { ...adjust, duration_seconds: 0 })).status,
    400,
  );

  const cost = await s.api('POST', `${R}/costs`, {
    method: 'POST',
    path: '/api/v1/notifications/batch',
    cost: 10,
  });
  t.equal(cost.status, 201);
  t.match(cost.body, { id: /^cst_/, method: 'POST', cost: 10 });
  const dup = await s.api('POST', `${R}/costs`, {
    method: 'POST',
    path: '/api/v1/notifications/batch',
    cost: 2,
  });
  t.equal(dup.body.error.code, 'ALREADY_EXISTS');
  t.equal((await s.api('PATCH', `${R}/costs/${cost.body.id}`, { cost: 4 })).body.cost, 4);
  t.equal((await s.api('POST', `${R}/costs`, { path: '/x', cost: 0 })).status, 400);
  t.equal((await s.api('DELETE', `${R}/costs/${cost.body.id}`)).status, 204);
  t.same(
    events.filter((e) => !e.startsWith('ratelimit.policy') && !e.startsWith('ratelimit.rule')),
    [
      'ratelimit.bypass_created',
      'ratelimit.bypass_deleted',
      'ratelimit.adjustment_created',
      'ratelimit.adjustment_reverted',
      'ratelimit.adjustment_created',
      'ratelimit.cost_created',
      'ratelimit.cost_updated',
      'ratelimit.cost_deleted',
    ],
  );
});

t.test('an adjustment that runs out is announced once, by one node', async (t) => {
  const clock = new FakeClock(Date.now());
  const store = createMemoryStore();
  const events: Array<[string, Record<string, unknown>]> = [];
  const s = await startServer(t, {}, store, {
    clock,
    onRateLimitEvent: (type, data) => events.push([type, data]),
  });
  // A second node on the same store, with its own services and listener.
  const otherEvents: string[] = [];
  const other = new RateLimitAdmin({
    store: store.objects,
    clock,
    ids: createIdGenerator(clock),
    cacheMs: 0,
    onEvent: (type) => otherEvents.push(type),
  });
  await s.api('POST', `${R}/policies`, free);
  const rule = (
    await s.api('POST', `${R}/rules`, { policy_id: 'free', target: { type: 'api_key' } })
  ).body;
  const adjust = { rule_id: rule.id, max_requests: 500, reason: 'launch', duration_seconds: 60 };
  const adj = (await s.api('POST', `${R}/adjustments`, adjust)).body;

  t.equal(await s.server.ratelimit.adjustments.expireDue(), 0, 'nothing ran out yet');
  clock.advance(60_000);
  const [first, second] = await Promise.all([
    s.server.ratelimit.adjustments.expireDue(),
    other.adjustments.expireDue(),
  ]);
  t.equal(first + second, 1, 'one of the two nodes announced it');
  t.equal(await s.server.ratelimit.adjustments.expireDue(), 0, 'and only once');
  const announced = [
    ...events.filter(([type]) => type === 'ratelimit.adjustment_expired').map(([, d]) => d),
    ...otherEvents.filter((type) => type === 'ratelimit.adjustment_expired'),
  ];
  t.equal(announced.length, 1);
  if (first === 1) t.match(announced[0], { id: adj.id, rule_id: rule.id, active: false });
  t.match((await s.api('GET', `${R}/adjustments/${adj.id}`)).body, { active: false });
  t.equal((await s.api('POST', `${R}/adjustments`, adjust)).status, 201, 'the rule is free');
});

t.test('scopes and tenants', async (t) => {
  const s = await startServer(t);
  const reader = await keyWith(s, ['ratelimit:read']);
  const manager = await keyWith(s, ['ratelimit:manage'], 'acme');
  const tenantAdmin = await keyWith(s, ['ratelimit:admin'], 'acme');
  const globalAdmin = await keyWith(s, ['ratelimit:admin'], null);
  const other = await keyWith(s, ['ratelimit:manage'], 'other');

  t.equal((await s.api('GET', `${R}/policies`, undefined, reader)).status, 200);
  const denied = await s.api('POST', `${R}/policies`, free, reader);
  t.equal(denied.status, 403);
  t.equal(denied.body.error.details.required, 'ratelimit:manage');

  const own = await s.api('POST', `${R}/policies`, free, manager);
  t.equal(own.body.tenant_id, 'acme');
  for (const key of [manager, tenantAdmin]) {
    const global = await s.api(
      'POST',
      `${R}/policies`,
      { ...free, name: 'g', tenant_id: null },
      key,
    );
    t.equal(global.status, 403, 'global objects need an unbound admin key');
  }
  t.equal(
    (await s.api('POST', `${R}/policies`, { ...free, tenant_id: 'other' }, manager)).status,
    403,
  );
  const global = await s.api('POST', `${R}/policies`, { ...free, tenant_id: null }, globalAdmin);
  t.equal(global.status, 201);
  t.equal(global.body.tenant_id, null);

  const seen = await s.api('GET', `${R}/policies`, undefined, manager);
  t.same(
    seen.body.data.map((p: { tenant_id: string | null }) => p.tenant_id),
    ['acme', null],
  );
  t.equal((await s.api('GET', `${R}/policies?scope=global`, undefined, manager)).body.total, 1);
  t.equal(
    (await s.api('GET', `${R}/policies/free`, undefined, manager)).body.id,
    own.body.id,
    'own name first',
  );
  t.equal(
    (await s.api('GET', `${R}/policies/free`, undefined, other)).body.id,
    global.body.id,
    'then global',
  );
  t.equal(
    (await s.api('GET', `${R}/policies/${own.body.id}`, undefined, other)).status,
    404,
    "not another tenant's",
  );
  t.equal(
    (await s.api('PATCH', `${R}/policies/${global.body.id}`, { priority: 1 }, manager)).status,
    403,
  );
  t.equal(
    (await s.api('DELETE', `${R}/policies/${global.body.id}`, undefined, manager)).status,
    403,
  );

  const rule = await s.api(
    'POST',
    `${R}/rules`,
    { policy_id: global.body.id, target: { type: 'ip' } },
    manager,
  );
  t.equal(rule.status, 201, 'a tenant rule may use a global policy');
  const globalRule = await s.api(
    'POST',
    `${R}/rules`,
    { policy_id: own.body.id, target: { type: 'ip' }, tenant_id: null },
    globalAdmin,
  );
  t.equal(globalRule.status, 404, 'a global rule cannot see a tenant policy');
  t.equal(globalRule.body.error.code, 'POLICY_NOT_FOUND');
});

t.test('the resolver sees a change at once', async (t) => {
  const s = await startServer(t);
  const ctx = {
    tenant_id: 'default',
    method: 'GET',
    path: '/x',
    api_key_id: 'key_1',
    ip: '10.0.0.1',
    headers: {},
    user_agent: 'ua',
  };
  const opts = { defaultPerKeyPerMinute: 1000 };
  const before = await s.server.ratelimit.config.resolve(ctx, opts);
  t.match(before, {
    cost: 1,
    limits: [{ policy: { name: 'default' }, spec: { max_requests: 1000 } }],
  });
  await s.api('POST', `${R}/policies`, free);
  await s.api('POST', `${R}/rules`, { policy_id: 'free', target: { type: 'api_key' } });
  const after = await s.server.ratelimit.config.resolve(ctx, opts);
  t.match(after, {
    limits: [{ policy: { name: 'free' }, spec: { max_requests: 100, window_seconds: 60 } }],
  });
  await s.api('POST', `${R}/bypass`, { type: 'api_key', value: 'key_1', reason: 'ops' });
  t.match(await s.server.ratelimit.config.resolve(ctx, opts), {
    bypass: { type: 'api_key', reason: 'ops' },
  });
});

t.test('the routes are in the OpenAPI document', async (t) => {
  const s = await startServer(t);
  const doc = (await s.api('GET', '/openapi.json')).body;
  for (const path of [
    '/api/v1/ratelimit/policies',
    '/api/v1/ratelimit/rules/{id}/enable',
    '/api/v1/ratelimit/plans/assignments',
    '/api/v1/ratelimit/adjustments/{id}/revert',
    '/api/v1/ratelimit/costs/{id}',
  ]) {
    t.ok(doc.paths[path], path);
  }
});
