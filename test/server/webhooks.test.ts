import { createServer } from 'node:net';
import t from 'tap';
import { uncatalogued } from '../helpers/events.js';
import { type Running, startServer } from '../helpers/server.js';
import { signatureValid, startReceiver } from '../helpers/webhook-receiver.js';

const W = '/api/v1/webhooks';

async function keyWith(s: Running, scopes: string[], tenant?: string | null): Promise<string> {
  const res = await s.api('POST', '/api/v1/keys', {
    name: scopes.join(' '),
    scopes,
    ...(tenant !== undefined ? { tenant_id: tenant } : {}),
  });
  return res.body.key;
}

t.test('create, get, list, change and delete a webhook; the secret is shown once', async (t) => {
  const s = await startServer(t);
  const created = await s.api('POST', W, {
    url: 'https://hooks.example.com/notifyd',
    events: ['ratelimit.*', 'notification.delivered'],
    description: 'ops',
  });
  t.equal(created.status, 201);
  t.match(created.body, {
    id: /^whk_/,
    tenant_id: 'default',
    url: 'https://hooks.example.com/notifyd',
    events: ['ratelimit.*', 'notification.delivered'],
    description: 'ops',
    active: true,
    version: 1,
    secret: /^whsec_.{20,}/,
  });
  const { id, secret, ...view } = created.body;

  const got = await s.api('GET', `${W}/${id}`);
  t.equal(got.status, 200);
  t.same(got.body, { id, ...view }, 'no secret when read');
  const list = await s.api('GET', `${W}?per_page=10`);
  t.same(list.body, { data: [{ id, ...view }], page: 1, per_page: 10, total: 1 });
  t.notOk(JSON.stringify(list.body).includes(secret), 'the secret is never listed');

  const own = await s.api('POST', W, {
    url: 'http://127.0.0.1:9/x',
    events: ['*'],
    secret: 'a-secret-of-my-own',
  });
  t.equal(own.body.secret, 'a-secret-of-my-own', 'a given secret is kept');

  const patched = await s.api('PATCH', `${W}/${id}`, { active: false, events: ['*'], version: 1 });
  t.equal(patched.status, 200);
  t.match(patched.body, { active: false, events: ['*'], version: 2, url: view.url });
  t.notOk('secret' in patched.body);
  const stale = await s.api('PATCH', `${W}/${id}`, { active: true, version: 1 });
  t.equal(stale.status, 409);
  t.equal(stale.body.error.code, 'VERSION_CONFLICT');

  t.equal((await s.api('DELETE', `${W}/${id}`)).status, 204);
  const gone = await s.api('GET', `${W}/${id}`);
  t.equal(gone.status, 404);
  t.equal(gone.body.error.code, 'WEBHOOK_NOT_FOUND');
  t.equal((await s.api('DELETE', `${W}/${id}`)).status, 404);
  t.equal((await s.api('PATCH', `${W}/whk_nope`, { active: true })).status, 404);
  t.equal((await s.api('GET', `${W}?page=2&per_page=1`)).body.data.length, 0);
});

t.test('bad input is a 400 naming the field', async (t) => {
  const s = await startServer(t);
  const ok = { url: 'https://example.com/h', events: ['ratelimit.*'] };
  const bad: Array<[string, unknown]> = [
    ['ftp URL', { ...ok, url: 'ftp://example.com/h' }],
    ['not a URL', { ...ok, url: 'not a url' }],
    ['relative URL', { ...ok, url: '/hooks' }],
    ['credentials in the URL', { ...ok, url: 'https://user:pw@example.com/h' }],
    ['upper-case type', { ...ok, events: ['RateLimit.*'] }],
    ['empty segment', { ...ok, events: ['ratelimit..policy_created'] }],
    ['trailing dot', { ...ok, events: ['ratelimit.'] }],
    ['space', { ...ok, events: ['rate limit'] }],
    ['no events', { ...ok, events: [] }],
    ['events twice', { ...ok, events: ['a.b', 'a.b'] }],
    ['short secret', { ...ok, secret: 'short' }],
    ['unknown field', { ...ok, retries: 3 }],
    ['active not a boolean', { ...ok, active: 'yes' }],
  ];
  for (const [what, body] of bad) {
    const res = await s.api('POST', W, body);
    t.equal(res.status, 400, what);
    t.equal(res.body.error.code, 'VALIDATION_ERROR', what);
  }
  const res = await s.api('POST', W, { ...ok, url: 'ftp://example.com/h' });
  t.match(res.body.error.details, { issues: [{ field: 'body.url' }] });

  const { id } = (await s.api('POST', W, ok)).body;
  for (const body of [{ url: 'gopher://x' }, { events: ['*', '**.'] }, { owner: 'me' }]) {
    t.equal((await s.api('PATCH', `${W}/${id}`, body)).status, 400, JSON.stringify(body));
  }
  t.equal((await s.api('GET', `${W}?scope=mine`)).status, 400);

  const openapi = (await s.api('GET', '/openapi.json')).body;
  t.match(openapi.paths['/api/v1/webhooks'].post, {
    'x-required-scope': 'notifications:admin',
    requestBody: { content: { 'application/json': { schema: { additionalProperties: false } } } },
  });
  t.ok(openapi.paths['/api/v1/webhooks/{id}/test'].post);
  t.ok(openapi.paths['/api/v1/webhooks/{id}/deliveries'].get);
});

t.test(
  'tenants: a tenant key sees its own webhooks only; global ones need an unbound key',
  async (t) => {
    const s = await startServer(t);
    const a = await keyWith(s, ['notifications:admin'], 'a');
    const b = await keyWith(s, ['notifications:admin'], 'b');
    const manage = await keyWith(s, ['notifications:manage'], 'a');
    const unbound = await keyWith(s, ['notifications:admin'], null);
    const body = { url: 'https://example.com/h', events: ['*'] };

    t.equal((await s.api('POST', W, body, manage)).status, 403, 'notifications:admin is needed');
    t.equal((await s.api('GET', W, undefined, manage)).status, 403);

    const ofA = await s.api('POST', W, body, a);
    t.equal(ofA.body.tenant_id, 'a');
    t.equal((await s.api('POST', W, { ...body, tenant_id: 'b' }, a)).status, 403);
    const globalByA = await s.api('POST', W, { ...body, tenant_id: null }, a);
    t.equal(globalByA.status, 403);
    t.equal(globalByA.body.error.code, 'FORBIDDEN');
    const global = await s.api('POST', W, { ...body, tenant_id: null }, unbound);
    t.equal(global.status, 201);
    t.equal(global.body.tenant_id, null);

    for (const [method, path] of [
      ['GET', `${W}/${ofA.body.id}`],
      ['PATCH', `${W}/${ofA.body.id}`],
      ['DELETE', `${W}/${ofA.body.id}`],
      ['POST', `${W}/${ofA.body.id}/test`],
      ['GET', `${W}/${ofA.body.id}/deliveries`],
    ] as const) {
      const res = await s.api(method, path, method === 'PATCH' ? { active: false } : undefined, b);
      t.equal(res.status, 404, `${method} ${path} from another tenant`);
    }
    t.equal(
      (await s.api('GET', `${W}/${global.body.id}`, undefined, a)).status,
      404,
      'global hidden from tenants',
    );
    t.same(
      (await s.api('GET', W, undefined, a)).body.data.map((w: { id: string }) => w.id),
      [ofA.body.id],
    );
    t.same((await s.api('GET', W, undefined, b)).body.data, []);
    const asAdmin = await s.api('GET', `${W}?scope=global`, undefined, unbound);
    t.same(
      asAdmin.body.data.map((w: { id: string }) => w.id),
      [global.body.id],
    );
  },
);

t.test(
  'a rate-limit change reaches the webhooks that want it, signed, and no others',
  async (t) => {
    const receiver = await startReceiver(t);
    const seen: string[] = [];
    // One delivery at a time, in order: when a later event has arrived, an earlier one would have.
    const s = await startServer(t, { webhooks: { concurrency: 1 } }, undefined, {
      onRateLimitEvent: (type) => seen.push(type),
    });
    const other = await keyWith(s, ['notifications:admin'], 'other');
    const hook = async (path: string, events: string[], extra: object = {}, key?: string) =>
      (await s.api('POST', W, { url: `${receiver.url}${path}`, events, ...extra }, key)).body;
    const rl = await hook('/rl', ['ratelimit.*']);
    const notif = await hook('/notif', ['notification.*']);
    const off = await hook('/off', ['*'], { active: false });
    // Not '*': its own creation is an event of its tenant (webhook.created), which it would get.
    const elsewhere = await hook('/elsewhere', ['ratelimit.*', 'notification.*'], {}, other);
    const global = await hook('/global', ['ratelimit.policy_*'], { tenant_id: null });

    const policy = await s.api('POST', '/api/v1/ratelimit/policies', {
      name: 'free',
      limits: [{ scope: 'api_key', max_requests: 100, window_unit: 'minute' }],
    });
    t.equal(policy.status, 201);
    t.same(seen, ['ratelimit.policy_created'], 'onRateLimitEvent still told');

    const got = await receiver.next('/rl');
    t.equal(got.headers['content-type'], 'application/json');
    t.equal(got.headers['user-agent'], 'notifyd/0.1.0');
    t.equal(got.headers['x-notifyd-event'], 'ratelimit.policy_created');
    t.equal(got.headers['x-notifyd-delivery'], got.body.id);
    t.ok(signatureValid(got, rl.secret), 'signature checks with the secret');
    t.notOk(signatureValid(got, notif.secret), 'and not with another');
    t.match(got.body, {
      id: /^evt_/,
      type: 'ratelimit.policy_created',
      tenant_id: 'default',
      created_at: /^\d{4}-\d\d-\d\dT/,
      data: { id: policy.body.id, name: 'free', tenant_id: 'default' },
    });
    const toGlobal = await receiver.next('/global');
    t.equal(toGlobal.body.id, got.body.id, "a global webhook gets every tenant's events");
    t.ok(signatureValid(toGlobal, global.secret));

    uncatalogued(s.server.events).emit('notification.sent', 'default', { n: 1 });
    const marker = await receiver.next('/notif');
    t.equal(marker.body.type, 'notification.sent', 'the first thing /notif got is the later event');
    t.ok(signatureValid(marker, notif.secret));
    t.same(receiver.at('/off'), [], 'an inactive webhook gets nothing');
    t.same(receiver.at('/elsewhere'), [], "another tenant's webhook gets nothing");
    t.equal(receiver.at('/rl').length, 1);
    t.equal(
      receiver.at('/global').length,
      1,
      'global ratelimit.policy_* did not match notification.sent',
    );
    t.ok(off && elsewhere);
  },
);

t.test('retries: a 500 then success; no retry after a 400; Retry-After honoured', async (t) => {
  const receiver = await startReceiver(t);
  const s = await startServer(t, { webhooks: { retry_base_ms: 5, retry_max_ms: 5000 } });
  receiver.answer = (path, n) => {
    if (path === '/flaky') return { status: n === 1 ? 500 : 204 };
    if (path === '/bad') return { status: 400 };
    if (path === '/busy')
      return n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 };
    return { status: 200 };
  };
  const flaky = (await s.api('POST', W, { url: `${receiver.url}/flaky`, events: ['t.flaky'] }))
    .body;
  const bad = (await s.api('POST', W, { url: `${receiver.url}/bad`, events: ['t.bad'] })).body;
  const busy = (await s.api('POST', W, { url: `${receiver.url}/busy`, events: ['t.busy'] })).body;

  const event = uncatalogued(s.server.events).emit('t.flaky', 'default', {});
  const first = await receiver.next('/flaky');
  const second = await receiver.next('/flaky');
  t.equal(first.body.id, event?.id);
  t.equal(second.headers['x-notifyd-delivery'], event?.id, 'the same event id on retry');
  t.ok(signatureValid(second, flaky.secret));
  const log = await waitForLog(s, flaky.id, (d) => d.length === 2);
  t.match(log, [
    {
      event_id: event?.id,
      event_type: 't.flaky',
      attempt: 2,
      result: 'delivered',
      status_code: 204,
      error: null,
    },
    { event_id: event?.id, attempt: 1, result: 'retrying', status_code: 500 },
  ]);
  t.type(log[0].duration_ms, 'number');
  t.match(log[0].at, /^\d{4}-/);

  uncatalogued(s.server.events).emit('t.bad', 'default', {});
  await receiver.next('/bad');
  const badLog = await waitForLog(s, bad.id, (d) => d.length === 1);
  t.match(badLog, [{ attempt: 1, result: 'failed', status_code: 400 }], 'a 400 is final');

  uncatalogued(s.server.events).emit('t.busy', 'default', {});
  const tooMany = await receiver.next('/busy');
  const after = await receiver.next('/busy');
  // retry_base_ms is 5 ms: only the Retry-After of 1 s explains a gap this long.
  t.ok(after.at - tooMany.at >= 900, `retried after Retry-After (${after.at - tooMany.at} ms)`);
  t.match(await waitForLog(s, busy.id, (d) => d.length === 2), [
    { attempt: 2, result: 'delivered' },
    { attempt: 1, result: 'retrying', status_code: 429 },
  ]);
  t.equal(receiver.at('/bad').length, 1, 'the 400 was not retried');

  const metrics = await fetch(`${s.url}/metrics`).then((r) => r.text());
  t.match(metrics, /notifyd_webhook_deliveries_total\{result="retried"\} 2/);
  t.match(metrics, /notifyd_webhook_deliveries_total\{result="delivered"\} 2/);
  t.match(metrics, /notifyd_webhook_deliveries_total\{result="failed"\} 1/);
});

t.test('a timeout is a failed attempt; the last attempt fails for good', async (t) => {
  const receiver = await startReceiver(t);
  const s = await startServer(t, {
    webhooks: { timeout_ms: 100, max_attempts: 2, retry_base_ms: 5 },
  });
  receiver.answer = () => 'hang';
  const hook = (await s.api('POST', W, { url: `${receiver.url}/slow`, events: ['t.*'] })).body;
  uncatalogued(s.server.events).emit('t.slow', 'default', {});
  const log = await waitForLog(s, hook.id, (d) => d[0]?.result === 'failed');
  t.match(log, [
    { attempt: 2, result: 'failed', status_code: null, error: 'timeout after 100 ms' },
    { attempt: 1, result: 'retrying', status_code: null, error: 'timeout after 100 ms' },
  ]);
  t.equal(receiver.at('/slow').length, 2);
});

t.test('the test endpoint sends webhook.test now and answers how it went', async (t) => {
  const receiver = await startReceiver(t);
  const s = await startServer(t, { webhooks: { max_attempts: 3, retry_base_ms: 5 } });
  receiver.answer = (path) => ({ status: path === '/down' ? 503 : 200 });
  const up = (await s.api('POST', W, { url: `${receiver.url}/up`, events: ['x.y'], active: false }))
    .body;
  const res = await s.api('POST', `${W}/${up.id}/test`);
  t.equal(res.status, 200);
  t.match(res.body, { event_id: /^evt_/, delivered: true, status_code: 200, error: null });
  const got = await receiver.next('/up');
  t.equal(got.body.type, 'webhook.test', 'sent even to an inactive webhook');
  t.equal(got.body.id, res.body.event_id);
  t.equal(got.body.data.webhook_id, up.id);
  t.ok(signatureValid(got, up.secret));

  const down = (await s.api('POST', W, { url: `${receiver.url}/down`, events: ['x.y'] })).body;
  const failed = await s.api('POST', `${W}/${down.id}/test`, {});
  t.match(failed.body, { delivered: false, status_code: 503 });
  t.equal(receiver.at('/down').length, 1, 'a test is not retried');
  const log = await s.api('GET', `${W}/${down.id}/deliveries`);
  t.match(log.body.data, [
    { event_type: 'webhook.test', attempt: 1, result: 'failed', status_code: 503 },
  ]);

  const refused = (
    await s.api('POST', W, { url: `http://127.0.0.1:${await closedPort()}/none`, events: ['x.y'] })
  ).body;
  const noAnswer = await s.api('POST', `${W}/${refused.id}/test`);
  t.match(noAnswer.body, { delivered: false, status_code: null, error: /ECONNREFUSED/ });
  t.equal((await s.api('POST', `${W}/whk_missing/test`)).status, 404);
});

// biome-ignore lint/suspicious/noExplicitAny: log entries as JSON
type Log = any[];

/** The webhook's deliveries log, once it satisfies `done` (attempts are logged after answers). */
async function waitForLog(s: Running, id: string, done: (log: Log) => boolean): Promise<Log> {
  for (let i = 0; i < 500; i++) {
    const res = await s.api('GET', `${W}/${id}/deliveries`);
    if (done(res.body.data)) return res.body.data;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`deliveries log of ${id} never got there`);
}

/** A loopback port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
