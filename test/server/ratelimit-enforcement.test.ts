import t from 'tap';
import { loadConfig } from '../../src/config/index.js';
import { openStore } from '../../src/store/index.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { deleteKeys } from '../helpers/redis.js';
import { connect, type Running, startServer, userToken } from '../helpers/server.js';
import { REDIS_URL, requireRedis } from '../helpers/services.js';

const R = '/api/v1/ratelimit';

async function keyWith(s: Running, scopes: string[]): Promise<{ id: string; key: string }> {
  const res = await s.api('POST', '/api/v1/keys', { name: 'caller', scopes });
  return { id: res.body.id, key: res.body.key };
}

async function policy(s: Running, body: Record<string, unknown>): Promise<string> {
  const res = await s.api('POST', `${R}/policies`, body);
  if (res.status !== 201) throw new Error(`policy: ${JSON.stringify(res.body)}`);
  return res.body.id;
}

t.test('the default limit per API key: headers on every answer, then 429', async (t) => {
  const s = await startServer(t, { ratelimit: { default_per_key_per_minute: 3 } });
  const { key } = await keyWith(s, ['notifications:send']);
  const seen: Array<[number, string | null]> = [];
  let last = await s.api('GET', '/api/v1/presence/u', undefined, key);
  for (let i = 0; i < 3; i++) {
    if (i > 0) last = await s.api('GET', '/api/v1/presence/u', undefined, key);
    seen.push([last.status, last.headers.get('x-ratelimit-remaining')]);
  }
  t.same(seen, [
    [200, '2'],
    [200, '1'],
    [200, '0'],
  ]);
  t.equal(last.headers.get('x-ratelimit-limit'), '3');
  t.equal(last.headers.get('x-ratelimit-policy'), 'default');
  t.match(last.headers.get('x-ratelimit-reset'), /^\d{10}$/);
  t.match(last.headers.get('ratelimit'), /^limit=3, remaining=0, reset=\d+$/);
  t.equal(last.headers.get('ratelimit-policy'), '3;w=60');

  const refused = await s.api('GET', '/api/v1/presence/u', undefined, key);
  t.equal(refused.status, 429);
  t.equal(refused.body.error.code, 'RATE_LIMIT_EXCEEDED');
  t.type(refused.body.error.retry_after_seconds, 'number');
  t.ok(refused.body.error.retry_after_seconds >= 1);
  t.equal(refused.headers.get('retry-after'), String(refused.body.error.retry_after_seconds));
  t.match(refused.body.error.details, { policy: 'default', scope: 'api_key' });

  const other = await keyWith(s, ['notifications:send']);
  t.equal((await s.api('GET', '/api/v1/presence/u', undefined, other.key)).status, 200, 'per key');
});

t.test('a rule per address limits end users and unauthenticated callers alike', async (t) => {
  const s = await startServer(t);
  const id = await policy(s, {
    name: 'per-ip',
    limits: [{ scope: 'ip', max_requests: 2, window_unit: 'minute' }],
  });
  await s.api('POST', `${R}/rules`, {
    policy_id: id,
    target: { type: 'ip', value: '*' },
    path: '/api/v1/me/**',
  });
  const statuses = [];
  for (let i = 0; i < 3; i++)
    statuses.push((await s.asUser('ivy', 'GET', '/api/v1/me/unread-count')).status);
  t.same(statuses, [200, 200, 429]);

  const guesser = await startServer(t);
  const gid = await policy(guesser, {
    name: 'guess',
    limits: [{ scope: 'ip', max_requests: 2, window_unit: 'minute' }],
  });
  await guesser.api('POST', `${R}/rules`, {
    policy_id: gid,
    target: { type: 'ip', value: '127.0.0.1' },
    path: '/api/v1/keys',
  });
  const guesses = [];
  for (let i = 0; i < 3; i++) {
    guesses.push((await guesser.api('GET', '/api/v1/keys', undefined, `nk_wrong_${i}`)).status);
  }
  t.same(guesses, [401, 401, 429], 'guessing keys is limited too');
});

t.test('a bypass exempts a key; a throttled policy waits instead of refusing', async (t) => {
  const s = await startServer(t, { ratelimit: { default_per_key_per_minute: 3 } });
  const vip = await keyWith(s, ['notifications:send']);
  const bypass = await s.api('POST', `${R}/bypass`, {
    type: 'api_key',
    value: vip.id,
    reason: 'the monitoring probe',
    expires_in_seconds: 3600,
  });
  t.equal(bypass.status, 201);
  const codes = [];
  for (let i = 0; i < 5; i++) {
    const res = await s.api('GET', '/api/v1/presence/u', undefined, vip.key);
    codes.push(res.status);
    t.notOk(res.headers.get('x-ratelimit-limit'), 'exempt: no limit to report');
  }
  t.same(codes, [200, 200, 200, 200, 200]);

  const slow = await startServer(t, { ratelimit: { default_per_key_per_minute: 0 } });
  const pid = await policy(slow, {
    name: 'gentle',
    algorithm: 'fixed_window',
    limits: [{ scope: 'api_key', max_requests: 1, window_seconds: 1 }],
    throttle: { mode: 'throttle', max_delay_ms: 2000 },
  });
  const k = await keyWith(slow, ['notifications:send']);
  await slow.api('POST', `${R}/rules`, {
    policy_id: pid,
    target: { type: 'api_key', value: k.id },
  });
  const first = await slow.api('GET', '/api/v1/presence/u', undefined, k.key);
  const second = await slow.api('GET', '/api/v1/presence/u', undefined, k.key);
  t.same([first.status, second.status], [200, 200], 'the second waited for the next window');
});

t.test('check API: consume, dry run, status that never counts', async (t) => {
  const events: string[] = [];
  const s = await startServer(t, {}, createMemoryStore(), {
    onRateLimitEvent: (type) => events.push(type),
  });
  await policy(s, {
    name: 'api',
    limits: [{ scope: 'user', max_requests: 5, window_unit: 'minute' }],
  });
  const ask = (extra: Record<string, unknown> = {}) =>
    s.api('POST', `${R}/check`, { policy: 'api', scope: 'user', identifier: 'u1', ...extra });
  const first = await ask({ cost: 4 });
  t.match(first.body, {
    allowed: true,
    is_limited: false,
    limit: 5,
    remaining: 1,
    used: 4,
    policy: 'api',
    algorithm: 'sliding_window',
    scope: 'user',
    burst: null,
    bypass: false,
  });
  t.equal(first.headers.get('x-ratelimit-remaining'), '1');
  t.ok(events.includes('ratelimit.limit_approached'), '4 of 5 is past 80%');
  t.match((await ask({ dry_run: true })).body, { allowed: true, remaining: 0 });
  const status = () => s.api('GET', `${R}/status/user/u1?policy=api`);
  t.match((await status()).body, { used: 4, remaining: 1, is_limited: false });
  t.match((await status()).body, { used: 4 }, 'status and dry runs count nothing');
  t.match((await ask()).body, { allowed: true, remaining: 0 });
  const limited = await ask();
  t.equal(limited.status, 200, 'a limited check is still an answer');
  t.match(limited.body, { allowed: false, is_limited: true, remaining: 0 });
  t.ok(limited.body.retry_after_seconds >= 1);
  t.ok(events.includes('ratelimit.limit_exceeded'));
  t.match((await status()).body, { is_limited: true });

  const byRules = await s.api('POST', `${R}/check`, { scope: 'api_key', identifier: 'key_x' });
  t.match(byRules.body, { allowed: true, limit: 1000, policy: 'default', scope: 'api_key' });

  for (const [body, code] of [
    [{ policy: 'api' }, 400],
    [{ policy: 'nope', scope: 'user', identifier: 'u' }, 404],
    [{ scope: 'planet', identifier: 'x' }, 400],
    [{ cost: -1 }, 400],
    [{ extra: true }, 400],
  ] as const) {
    t.equal((await s.api('POST', `${R}/check`, body)).status, code, JSON.stringify(body));
  }
  t.equal((await s.api('GET', `${R}/status/planet/x`)).status, 400);
});

t.test('check API: a cost above the limit is an error naming the limit', async (t) => {
  const s = await startServer(t);
  await policy(s, {
    name: 'small',
    limits: [{ scope: 'user', max_requests: 60, window_unit: 'minute' }],
  });
  await policy(s, {
    name: 'bursty',
    limits: [{ scope: 'user', max_requests: 10, window_unit: 'minute' }],
    burst: { max_burst: 80, burst_window_seconds: 10, cooldown_seconds: 60 },
  });
  const ask = (policy: string, cost: number, extra: Record<string, unknown> = {}) =>
    s.api('POST', `${R}/check`, { policy, scope: 'user', identifier: 'u1', cost, ...extra });
  for (const extra of [{}, { dry_run: true }]) {
    const res = await ask('small', 70, extra);
    t.equal(res.status, 422, JSON.stringify(extra));
    t.match(res.body.error, {
      code: 'COST_EXCEEDS_LIMIT',
      message: /cost of 70 exceeds the limit of policy "small" \(60 per 60 s\)/,
      details: { cost: 70, limit: 60, policy: 'small', scope: 'user', window_seconds: 60 },
      request_id: /^req_/,
    });
  }
  t.match(
    (await s.api('GET', `${R}/status/user/u1?policy=small`)).body,
    { used: 0 },
    'nothing was counted',
  );
  t.match((await ask('small', 60)).body, { allowed: true, remaining: 0 }, 'the limit itself fits');
  t.match(
    (await ask('bursty', 70)).body,
    { allowed: true, burst: { total: 80 } },
    'a burst allowance above the limit is what one request may reach',
  );
  t.match((await ask('bursty', 81)).body.error, {
    code: 'COST_EXCEEDS_LIMIT',
    details: { limit: 80 },
  });
});

t.test('analytics, the most limited keys, and the store', async (t) => {
  const s = await startServer(t);
  const { id, key } = await keyWith(s, ['notifications:send']);
  const pid = await policy(s, {
    name: 'cap',
    limits: [{ scope: 'api_key', max_requests: 2, window_unit: 'minute' }],
  });
  await s.api('POST', `${R}/rules`, { policy_id: pid, target: { type: 'api_key', value: id } });
  for (let i = 0; i < 4; i++) await s.api('GET', '/api/v1/presence/u', undefined, key);
  const a = await s.api('GET', `${R}/analytics`);
  t.equal(a.status, 200);
  t.ok(a.body.total >= 4, `total ${a.body.total}`);
  t.equal(a.body.limited, 2);
  t.match(a.body.by_scope.api_key, { limited: 2 });
  t.match(a.body.by_policy.cap, { total: 4, limited: 2 });
  t.ok(a.body.by_policy.default.total >= 3, 'the admin key counted under the default');
  t.ok(a.body.limited_rate > 0 && a.body.limited_rate < 1);
  const top = await s.api('GET', `${R}/top-limited?limit=5`);
  t.match(top.body.data, [{ scope: 'api_key', policy: 'cap', limited: 2 }]);
  t.match(top.body.data[0].key, new RegExp(`api_key=${id}$`));
  const store = await s.api('GET', `${R}/store`);
  t.match(store.body, { backend: 'memory', healthy: true, on_store_error: 'open', error: null });
  t.type(store.body.latency_ms, 'number');
  t.equal(
    (await s.api('GET', `${R}/analytics?from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z`)).status,
    400,
  );
  t.equal(
    (await s.api('GET', `${R}/analytics?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z`)).status,
    400,
  );
  t.equal((await s.api('GET', `${R}/analytics?from=yesterday`)).status, 400);
});

t.test('analytics count a request once per policy, however many limits it has', async (t) => {
  const s = await startServer(t);
  const { id, key } = await keyWith(s, ['notifications:send']);
  const pid = await policy(s, {
    name: 'burst-and-hour',
    limits: [
      { scope: 'api_key', max_requests: 3, window_unit: 'minute' },
      { scope: 'api_key', max_requests: 100, window_unit: 'hour' },
    ],
  });
  await s.api('POST', `${R}/rules`, { policy_id: pid, target: { type: 'api_key', value: id } });
  for (let i = 0; i < 4; i++) await s.api('GET', '/api/v1/presence/u', undefined, key);
  const a = await s.api('GET', `${R}/analytics`);
  t.equal(a.status, 200);
  t.same(a.body.by_policy['burst-and-hour'], { total: 4, limited: 1 });
  const sum = (by: Record<string, { total: number; limited: number }>) =>
    Object.values(by).reduce(
      (n, c) => ({ total: n.total + c.total, limited: n.limited + c.limited }),
      {
        total: 0,
        limited: 0,
      },
    );
  // Every request here met exactly one policy (the rule's or the default) and one scope.
  t.same(sum(a.body.by_policy), { total: a.body.total, limited: a.body.limited });
  t.same(a.body.by_scope.api_key, { total: a.body.total, limited: a.body.limited });
});

t.test('with ratelimit.enabled off nothing is limited', async (t) => {
  const s = await startServer(t, { ratelimit: { enabled: false, default_per_key_per_minute: 1 } });
  const codes = [];
  for (let i = 0; i < 3; i++) codes.push((await s.api('GET', '/api/v1/presence/u')).status);
  t.same(codes, [200, 200, 200]);
  t.notOk((await s.api('GET', '/api/v1/presence/u')).headers.get('x-ratelimit-limit'));
});

t.test('two nodes sharing Redis enforce one limit, not one each', async (t) => {
  if (!(await requireRedis(t))) return;
  const prefix = `notifyd-test-rl-${process.pid}-${Date.now()}:`;
  t.teardown(() => deleteKeys(REDIS_URL, prefix));
  const node = async () => {
    // Memory for everything, but rate limits in the Redis both nodes share.
    const store = await openStore(
      loadConfig({
        env: {},
        overrides: {
          store: { backend: 'memory', ratelimit: 'redis', redis: { url: REDIS_URL, prefix } },
        },
      }).store,
    );
    return startServer(
      t,
      { store: { ratelimit: 'redis' }, ratelimit: { default_per_key_per_minute: 4 } },
      store,
    );
  };
  const [a, b] = [await node(), await node()];
  t.match((await b.api('GET', `${R}/store`)).body, { backend: 'redis', healthy: true });
  const codes = [];
  for (const s of [a, b, a, b, a, b]) codes.push((await s.api('GET', '/api/v1/presence/u')).status);
  // The store check above was the key's first request.
  t.same(codes, [200, 200, 200, 429, 429, 429]);
});

t.test('WebSocket and SSE connections go through the engine too', async (t) => {
  const s = await startServer(t);
  const id = await policy(s, {
    name: 'connects',
    limits: [{ scope: 'user', max_requests: 1, window_unit: 'minute' }],
  });
  await s.api('POST', `${R}/rules`, {
    policy_id: id,
    target: { type: 'user', value: '*' },
    path: '/api/v1/*',
  });
  const token = await userToken('cora');
  const first = await connect(t, `${s.wsUrl}?token=${token}`);
  await first.next('authenticated');
  const second = await connect(t, `${s.wsUrl}?token=${token}`);
  t.match(await second.next('error'), {
    data: { code: 'RATE_LIMIT_EXCEEDED', details: { retry_after_seconds: Number } },
  });
  t.equal((await second.closed).code, 4029);
  const sse = await fetch(`${s.url}/api/v1/sse?token=${token}`);
  t.equal(sse.status, 429);
  t.ok(Number(sse.headers.get('retry-after')) >= 1);
  t.equal((await sse.json()).error.code, 'RATE_LIMIT_EXCEEDED');
  const other = await connect(t, `${s.wsUrl}?token=${await userToken('dan')}`);
  t.ok(await other.next('authenticated'), 'per user');
});

t.test("rules and bypasses match the roles of a user's token", async (t) => {
  const s = await startServer(t);
  const id = await policy(s, {
    name: 'free-tier',
    limits: [{ scope: 'user', max_requests: 1, window_unit: 'minute' }],
  });
  await s.api('POST', `${R}/rules`, { policy_id: id, target: { type: 'role', value: 'free' } });
  await s.api('POST', `${R}/bypass`, { type: 'role', value: 'staff', reason: 'our own people' });
  const as = async (user: string, roles: string[]) => {
    const token = await userToken(user, { claims: { roles } });
    const codes = [];
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${s.url}/api/v1/me/unread-count`, {
        headers: { authorization: `Bearer ${token}` },
      });
      codes.push(res.status);
    }
    return codes;
  };
  t.same(await as('fay', ['free']), [200, 429]);
  t.same(await as('pat', ['pro']), [200, 200]);
  t.same(await as('sue', ['free', 'staff']), [200, 200], 'a bypass wins');
  const bad = await userToken('bo', { claims: { roles: 'free' } });
  const refused = await fetch(`${s.url}/api/v1/me/unread-count`, {
    headers: { authorization: `Bearer ${bad}` },
  });
  t.equal(refused.status, 401, 'roles must be a list');
});
