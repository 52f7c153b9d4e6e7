import t from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { createIdGenerator } from '../../src/core/ids.js';
import type { Caller } from '../../src/objects/repository.js';
import { RateLimitAdmin } from '../../src/ratelimit/admin.js';
import { compileGlob } from '../../src/ratelimit/glob.js';
import { toLimitSpec } from '../../src/ratelimit/limit-spec.js';
import { normalizePolicy } from '../../src/ratelimit/policies.js';
import {
  limitKey,
  type RequestContext,
  type Resolution,
  resolveLimits,
} from '../../src/ratelimit/resolver.js';
import { RateLimitSnapshot } from '../../src/ratelimit/snapshot.js';
import { createMemoryStore } from '../../src/store/memory/index.js';

const admin: Caller = { key_id: 'admin', tenant_id: 't1', tenant_bound: false, admin: true };
const DEFAULTS = { defaultPerKeyPerMinute: 1000 };

function setup() {
  const clock = new FakeClock();
  const store = createMemoryStore();
  const rl = new RateLimitAdmin({
    store: store.objects,
    clock,
    ids: createIdGenerator(clock),
    cacheMs: 1000,
  });
  const resolve = async (
    over: Partial<RequestContext> = {},
    options = DEFAULTS,
  ): Promise<Resolution> => {
    const snapshot = await RateLimitSnapshot.load(store.objects);
    return resolveLimits(snapshot, { ...ctx, ...over }, clock.now(), options);
  };
  const policy = (name: string, max: number, extra: Record<string, unknown> = {}) =>
    rl.policies.create(admin, {
      name,
      limits: [{ scope: 'api_key', max_requests: max, window_unit: 'minute' }],
      ...extra,
    });
  return { clock, store, rl, resolve, policy };
}

const ctx: RequestContext = {
  tenant_id: 't1',
  method: 'POST',
  path: '/api/v1/notifications',
  api_key_id: 'key_1',
  user_id: 'u1',
  ip: '10.0.0.7',
  roles: ['editor'],
  headers: { 'x-client': 'web' },
  user_agent: 'curl/8.0',
};

const limitsOf = (r: Resolution) => {
  if ('bypass' in r) throw new Error('bypassed');
  return r.limits;
};
const names = (r: Resolution) => limitsOf(r).map((l) => `${l.policy.name}:${l.spec.max_requests}`);

t.test('nothing configured: the default per API key, or none', async (t) => {
  const { resolve } = setup();
  const r = await resolve();
  t.same(r, {
    cost: 1,
    limits: [
      {
        spec: { algorithm: 'sliding_window', max_requests: 1000, window_seconds: 60 },
        key: 't1:default:0:api_key=key_1',
        scope: 'api_key',
        cost: 1,
        policy: { id: null, name: 'default', priority: 0 },
        rule: null,
        throttle: { mode: 'reject' },
      },
    ],
  });
  t.same(limitsOf(await resolve({ api_key_id: undefined })), [], 'no key, no default');
  t.same(limitsOf(await resolve({}, { defaultPerKeyPerMinute: 0 })), [], '0 turns it off');
});

t.test('a matching rule applies its policy; the default then does not', async (t) => {
  const { rl, resolve, policy } = setup();
  const p = await policy('free', 100);
  const rule = await rl.rules.create(admin, { policy_id: 'free', target: { type: 'api_key' } });
  const [limit] = limitsOf(await resolve());
  t.same(limit, {
    spec: { algorithm: 'sliding_window', max_requests: 100, window_seconds: 60 },
    key: `t1:${p.id}:0:api_key=key_1`,
    scope: 'api_key',
    cost: 1,
    policy: { id: p.id, name: 'free', priority: 0 },
    rule: { id: rule.id },
    throttle: { mode: 'reject' },
  });
  t.same(limitsOf(await resolve({ api_key_id: undefined })), [], 'an api_key limit needs a key');
  t.same(names(await resolve({ tenant_id: 't2' })), ['default:1000'], 'other tenants are apart');
});

t.test('targets, method, path and conditions', async (t) => {
  const { rl, resolve, policy } = setup();
  await policy('p', 5);
  const rule = (body: Record<string, unknown>) =>
    rl.rules.create(admin, { policy_id: 'p', target: { type: 'api_key' }, ...body } as never);
  const cases: Array<[Record<string, unknown>, Partial<RequestContext>, boolean]> = [
    [{ target: { type: 'endpoint', value: '/api/v1/*' } }, {}, true],
    [{ target: { type: 'endpoint', value: '/api/v1/*' } }, { path: '/api/v1/a/b' }, false],
    [{ target: { type: 'endpoint', value: '/api/**' } }, { path: '/api/v1/a/b' }, true],
    [{ target: { type: 'user', value: 'u1' } }, {}, true],
    [{ target: { type: 'user', value: 'u1' } }, { user_id: 'u2' }, false],
    [{ target: { type: 'user' } }, { user_id: undefined }, false],
    [{ target: { type: 'tenant', value: 't1' } }, {}, true],
    [{ target: { type: 'ip', value: '10.0.0.0/24' } }, {}, true],
    [{ target: { type: 'ip', value: '10.0.0.0/24' } }, { ip: '10.0.1.1' }, false],
    [{ target: { type: 'ip', value: '10.0.0.0/24' } }, { ip: '::ffff:10.0.0.9' }, true],
    [{ target: { type: 'ip', value: '2001:db8::/32' } }, { ip: '2001:db8::1' }, true],
    [{ target: { type: 'role', value: 'editor' } }, {}, true],
    [{ target: { type: 'role', value: 'admin' } }, {}, false],
    [{ method: 'POST' }, {}, true],
    [{ method: 'GET' }, {}, false],
    [{ path: '/api/v1/notifications' }, {}, true],
    [{ path: '/api/v2/*' }, {}, false],
    [{ conditions: { plans: ['pro'] } }, { plan: 'pro' }, true],
    [{ conditions: { plans: ['pro'] } }, {}, false],
    [{ conditions: { roles: ['editor', 'owner'] } }, {}, true],
    [{ conditions: { roles: ['owner'] } }, {}, false],
    [{ conditions: { headers: { 'X-Client': 'web' } } }, {}, true],
    [{ conditions: { headers: { 'X-Client': '*' } } }, {}, true],
    [{ conditions: { headers: { 'X-Client': 'ios' } } }, {}, false],
    [{ conditions: { headers: { 'X-Other': '*' } } }, {}, false],
    [{ conditions: { ip_ranges: ['192.168.0.0/16', '10.0.0.7'] } }, {}, true],
    [{ conditions: { ip_ranges: ['192.168.0.0/16'] } }, {}, false],
    [{ conditions: { user_agent: 'CURL/*' } }, {}, true],
    [{ conditions: { user_agent: '*bot*' } }, {}, false],
  ];
  for (const [body, over, matches] of cases) {
    const created = await rule(body);
    const got = names(await resolve(over));
    t.same(
      got,
      matches ? ['p:5'] : ['default:1000'],
      `${JSON.stringify(body)} ${JSON.stringify(over)}`,
    );
    await rl.rules.remove(admin, created.id);
  }
});

t.test('priority: the highest wins within a target type; types add up', async (t) => {
  const { rl, resolve, policy } = setup();
  await policy('low', 10);
  await policy('high', 20);
  await policy('ip', 30, {
    limits: [{ scope: 'ip', max_requests: 30, window_seconds: 1 }],
    priority: 5,
  });
  await rl.rules.create(admin, { policy_id: 'low', target: { type: 'api_key' } });
  await rl.rules.create(admin, {
    policy_id: 'high',
    target: { type: 'api_key', value: 'key_1' },
    priority: 10,
  });
  await rl.rules.create(admin, { policy_id: 'ip', target: { type: 'ip' } });
  t.same(names(await resolve()), ['ip:30', 'high:20'], 'ordered by policy priority');
  t.same(
    names(await resolve({ api_key_id: 'key_2' })),
    ['ip:30', 'low:10'],
    'the specific rule does not match',
  );
  const twin = {
    policy_id: 'low',
    target: { type: 'api_key', value: 'key_1' },
    priority: 10,
  } as const;
  await t.rejects(rl.rules.create(admin, twin), { code: 'RULE_CONFLICT' }, 'the same match twice');
  await rl.rules.create(admin, { ...twin, target: { type: 'api_key' } });
  t.same(
    names(await resolve()).sort(),
    ['high:20', 'ip:30', 'low:10'],
    'ties at the top all apply',
  );
});

t.test('disabled rules and inactive policies do not apply', async (t) => {
  const { rl, resolve, policy } = setup();
  const p = await policy('p', 5);
  const rule = await rl.rules.create(admin, { policy_id: 'p', target: { type: 'api_key' } });
  await rl.rules.setEnabled(admin, rule.id, false);
  t.same(names(await resolve()), ['default:1000']);
  await rl.rules.setEnabled(admin, rule.id, true);
  await rl.policies.update(admin, p.id, { is_active: false });
  t.same(names(await resolve()), ['default:1000']);
});

t.test('plans: the context plan, else the key, user or tenant assignment', async (t) => {
  const { rl, resolve, policy } = setup();
  for (const [name, max] of [
    ['free', 10],
    ['pro', 100],
    ['team', 50],
  ] as const) {
    await policy(name, max);
    await rl.plans.create(admin, { plan: name, policy_id: name });
  }
  t.same(names(await resolve({ plan: 'pro' })), ['pro:100']);
  await rl.plans.assign(admin, { plan: 'team', subject_type: 'tenant', subject_id: 't1' });
  t.same(names(await resolve()), ['team:50'], "the tenant's");
  await rl.plans.assign(admin, { plan: 'free', subject_type: 'user', subject_id: 'u1' });
  t.same(names(await resolve()), ['free:10'], "the user's beats the tenant's");
  await rl.plans.assign(admin, { plan: 'pro', subject_type: 'api_key', subject_id: 'key_1' });
  t.same(names(await resolve()), ['pro:100'], "the key's beats the user's");
  t.same(names(await resolve({ plan: 'free' })), ['free:10'], 'the context plan beats all');
  t.same(names(await resolve({ plan: 'gold' })), ['default:1000'], 'an unknown plan is none');
  await rl.rules.create(admin, {
    policy_id: 'free',
    target: { type: 'ip' },
    conditions: { plans: ['pro'] },
  });
  t.same(names(await resolve()).sort(), ['free:10', 'pro:100'], 'rule conditions see the plan');
});

t.test('bypass rules exempt until they expire', async (t) => {
  const { rl, resolve, clock } = setup();
  const by = await rl.bypasses.create(admin, {
    type: 'ip',
    value: '10.0.0.0/8',
    reason: 'office',
    expires_in_seconds: 60,
  });
  t.same(await resolve(), { bypass: { id: by.id, type: 'ip', reason: 'office' } });
  t.same(names(await resolve({ ip: '11.0.0.1' })), ['default:1000']);
  await rl.bypasses.create(admin, { type: 'role', value: 'ops', reason: 'r' });
  t.match(await resolve({ ip: '1.1.1.1', roles: ['ops'] }), { bypass: { type: 'role' } });
  await rl.bypasses.create(admin, { type: 'user', value: 'u9', reason: 'r' });
  t.match(await resolve({ ip: '1.1.1.1', user_id: 'u9' }), { bypass: { type: 'user' } });
  await rl.bypasses.create(admin, { type: 'api_key', value: 'key_9', reason: 'r' });
  t.match(await resolve({ ip: '1.1.1.1', api_key_id: 'key_9' }), { bypass: { type: 'api_key' } });
  clock.advance(60_000);
  t.same(names(await resolve()), ['default:1000'], 'expired');
});

t.test('an adjustment replaces the limit until it expires or is reverted', async (t) => {
  const { rl, resolve, policy, clock } = setup();
  await policy('p', 5, {
    algorithm: 'token_bucket',
    token_bucket: { refill_rate: 1, bucket_size: 5 },
  });
  const rule = await rl.rules.create(admin, { policy_id: 'p', target: { type: 'api_key' } });
  const adj = await rl.adjustments.create(admin, {
    rule_id: rule.id,
    max_requests: 50,
    window_seconds: 10,
    reason: 'launch',
    duration_seconds: 60,
  });
  const [limit] = limitsOf(await resolve());
  t.same(limit!.spec, { algorithm: 'token_bucket', max_requests: 50, window_seconds: 10 });
  t.same(limit!.adjustment, { expires_at: adj.data.expires_at });
  clock.advance(60_000);
  t.same(limitsOf(await resolve())[0]!.spec.max_requests, 5, 'expired by itself');
  const again = await rl.adjustments.create(admin, {
    rule_id: rule.id,
    max_requests: 7,
    reason: 'r',
    duration_seconds: 60,
  });
  t.equal(limitsOf(await resolve())[0]!.spec.max_requests, 7, 'an expired one lets a new one in');
  await rl.adjustments.revert(admin, again.id);
  t.equal(limitsOf(await resolve())[0]!.spec.max_requests, 5);
});

t.test('endpoint costs: the most specific, counted by cost-based limits only', async (t) => {
  const { rl, resolve, policy } = setup();
  await policy('units', 1000, {
    limits: [
      { scope: 'api_key', max_requests: 1000, window_unit: 'hour', cost_based: true },
      { scope: 'api_key', max_requests: 10, window_unit: 'second' },
    ],
  });
  await rl.rules.create(admin, { policy_id: 'units', target: { type: 'api_key' } });
  await rl.costs.create(admin, { path: '**', cost: 2 });
  await rl.costs.create(admin, { path: '/api/v1/*', cost: 3 });
  await rl.costs.create(admin, { method: 'POST', path: '/api/v1/*', cost: 5 });
  const r = await resolve();
  t.match(r, { cost: 5 });
  t.same(
    limitsOf(r).map((l) => l.cost),
    [5, 1],
  );
  t.match(await resolve({ method: 'GET' }), { cost: 3 });
  t.match(await resolve({ path: '/other' }), { cost: 2 });
});

t.test('keys: composite dimensions, escaped, per tenant and policy', async (t) => {
  const { rl, resolve, policy } = setup();
  const p = await policy('combo', 9, {
    limits: [{ scope: 'ip', max_requests: 9, window_seconds: 1, key: ['ip', 'endpoint'] }],
  });
  await rl.rules.create(admin, { policy_id: 'combo', target: { type: 'ip' } });
  const [limit] = limitsOf(await resolve({ ip: '2001:db8::1' }));
  t.equal(limit!.key, `t1:${p.id}:0:ip=2001%3Adb8%3A%3A1:endpoint=POST /api/v1/notifications`);
  t.not(limitKey('a:b', 'p', 0, []), limitKey('a', 'b:p', 0, []), 'no two tenants share a key');
});

t.test('policy limits become LimitSpecs', async (t) => {
  const base = {
    name: 'x',
    limits: [{ scope: 'api_key' as const, max_requests: 100, window_unit: 'minute' as const }],
  };
  const spec = (extra: Record<string, unknown>) => {
    const p = normalizePolicy({ ...base, ...extra });
    return toLimitSpec(p, p.limits[0]!);
  };
  t.same(spec({}), { algorithm: 'sliding_window', max_requests: 100, window_seconds: 60 });
  t.same(spec({ algorithm: 'fixed_window' }).algorithm, 'fixed_window');
  t.same(spec({ algorithm: 'token_bucket' }), {
    algorithm: 'token_bucket',
    max_requests: 100,
    window_seconds: 60,
  });
  t.same(
    spec({ algorithm: 'token_bucket', token_bucket: { refill_rate: 2.5, bucket_size: 40 } })
      .token_bucket,
    {
      refill_per_second: 2.5,
      bucket_size: 40,
      initial_tokens: 40,
    },
  );
  t.same(spec({ burst: { max_burst: 20 } }).burst, {
    max_burst: 20,
    burst_window_seconds: 60,
    cooldown_seconds: 0,
  });
  t.same(spec({ burst: { max_burst: 5, burst_window_seconds: 10, cooldown_seconds: 30 } }).burst, {
    max_burst: 5,
    burst_window_seconds: 10,
    cooldown_seconds: 30,
  });
  t.same(
    spec({
      throttle: { mode: 'penalty_box', penalty_max_requests: 5, penalty_duration_seconds: 300 },
    }).penalty,
    { max_requests: 5, duration_seconds: 300 },
  );
  t.notOk('penalty' in spec({ throttle: { mode: 'throttle', max_delay_ms: 500 } }));
  t.same(
    normalizePolicy({ ...base, limits: [{ scope: 'ip', max_requests: 1, window_unit: 'day' }] })
      .limits[0]!.window_seconds,
    86400,
  );
});

t.test('globs', async (t) => {
  t.ok(compileGlob('*')('/anything/at/all'));
  t.ok(compileGlob('/a/*/c')('/a/b/c'));
  t.notOk(compileGlob('/a/*/c')('/a/b/x/c'));
  t.ok(compileGlob('/a/**')('/a/b/x/c'));
  t.ok(compileGlob('/v?/x')('/v1/x'));
  t.notOk(compileGlob('/a.b')('/aXb'), 'dots are literal');
  t.ok(compileGlob('*BOT*', { caseInsensitive: true, segments: false })('Googlebot/2.1'));
});

t.test('the cache reloads after a change on this node and notices other nodes', async (t) => {
  const { rl, store, clock, policy } = setup();
  const cache = rl.config;
  t.same(names(await cache.resolve(ctx, DEFAULTS)), ['default:1000']);
  await policy('p', 5);
  await rl.rules.create(admin, { policy_id: 'p', target: { type: 'api_key' } });
  t.same(names(await cache.resolve(ctx, DEFAULTS)), ['p:5'], 'this node: at once');
  // Another node: a second admin on the same store, whose changes this cache is not told of.
  const other = new RateLimitAdmin({
    store: store.objects,
    clock,
    ids: createIdGenerator(clock),
    cacheMs: 1000,
  });
  await other.bypasses.create(admin, { type: 'api_key', value: 'key_1', reason: 'elsewhere' });
  t.same(names(await cache.resolve(ctx, DEFAULTS)), ['p:5'], 'not yet: within the cache time');
  clock.advance(1000);
  await cache.snapshot(); // starts the background check
  await new Promise((r) => setTimeout(r, 20));
  t.match(await cache.resolve(ctx, DEFAULTS), { bypass: { reason: 'elsewhere' } }, 'after it');
});
