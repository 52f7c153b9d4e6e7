import t from 'tap';
import { ANALYTICS_EVENTS } from '../../src/analytics/events.js';
import { AUTH_EVENTS } from '../../src/auth/events.js';
import { FakeClock } from '../../src/core/clock.js';
import { NotifydError } from '../../src/core/errors.js';
import { DIGEST_EVENTS } from '../../src/digests/events.js';
import { EVENTS, type EventType, listEvents } from '../../src/events/catalogue.js';
import type { EventEnvelope } from '../../src/events/types.js';
import { compileValidator } from '../../src/http/validate.js';
import { NOTIFICATION_EVENTS } from '../../src/notifications/events.js';
import { PROVIDER_EVENTS } from '../../src/providers/events.js';
import { RATELIMIT_EVENTS } from '../../src/ratelimit/events.js';
import type { RateLimitStore } from '../../src/ratelimit/spec.js';
import { RECIPIENT_EVENTS } from '../../src/recipients/events.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import type { Store } from '../../src/store/types.js';
import { TEMPLATE_EVENTS } from '../../src/templates/events.js';
import { EVENT_PATTERN } from '../../src/webhooks/event-pattern.js';
import { WEBHOOK_EVENTS } from '../../src/webhooks/events.js';
import { WORKFLOW_EVENTS } from '../../src/workflows/events.js';
import { type Running, startServer } from '../helpers/server.js';
import { startReceiver } from '../helpers/webhook-receiver.js';
import { script } from '../providers/fixtures/script.js';
import { MemoryPort } from '../providers/memory-port.js';
import { fixture as providerFixture } from '../providers/setup.js';

const R = '/api/v1/ratelimit';
const NAMES = Object.keys(EVENTS) as EventType[];

/**
 * Each payload schema, compiled as the server compiles request bodies, and closed at the top
 * level: a field a producer sends but the catalogue does not declare fails too.
 */
const validators = new Map(
  NAMES.map((name) => [
    name,
    compileValidator({ ...EVENTS[name].payload, additionalProperties: false }, 'body'),
  ]),
);

t.test(
  'the catalogue: unique dotted names a webhook can subscribe to, each described',
  async (t) => {
    const declared = [
      NOTIFICATION_EVENTS,
      RATELIMIT_EVENTS,
      WEBHOOK_EVENTS,
      RECIPIENT_EVENTS,
      TEMPLATE_EVENTS,
      ANALYTICS_EVENTS,
      PROVIDER_EVENTS,
      DIGEST_EVENTS,
      WORKFLOW_EVENTS,
      AUTH_EVENTS,
    ].flatMap((table) => Object.keys(table));
    t.same(NAMES, declared, 'no module declares a name another already has');
    for (const e of listEvents()) {
      t.match(e.name, /^[a-z0-9_]+(\.[a-z0-9_]+)+$/, e.name);
      t.match(e.name, new RegExp(EVENT_PATTERN), `${e.name} is a valid webhook pattern`);
      t.match(e, { module: /^[a-z]+$/, description: /^[A-Z].*\.$/ }, e.name);
      t.equal(e.payload.type, 'object', `${e.name}: the payload is an object`);
    }
  },
);

/** A memory limiter that can be made to fail like an unreachable Redis. */
function flakyLimiter(inner: RateLimitStore): RateLimitStore & { down: boolean } {
  return {
    down: false,
    consume(...args) {
      if (this.down) return Promise.reject(new NotifydError('STORE_UNAVAILABLE', 'taken away'));
      return inner.consume(...args);
    },
    consumeMany(requests) {
      if (this.down) return Promise.reject(new NotifydError('STORE_UNAVAILABLE', 'taken away'));
      return inner.consumeMany(requests);
    },
    reset: (key) => inner.reset(key),
    purgeExpired: (now) => inner.purgeExpired(now),
  };
}

async function ok(s: Running, method: string, path: string, body?: unknown) {
  const res = await s.api(method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${JSON.stringify(res.body)}`);
  return res.body;
}

t.test('what every producer emits validates against its catalogued payload', async (t) => {
  const clock = new FakeClock(Date.now());
  const memory = createMemoryStore();
  const limiter = flakyLimiter(memory.ratelimit);
  // A limiter store the store places on another backend (named redis here) is guarded, and
  // so reports its health.
  const store: Store = {
    ...memory,
    ratelimit: limiter,
    backendOf: (concern) => (concern === 'ratelimit' ? 'redis' : memory.backendOf(concern)),
  };
  const s = await startServer(t, {}, store, { clock });
  const heard: EventEnvelope[] = [];
  s.server.events.subscribe((e) => {
    heard.push(e);
  });

  // Configuration changes, through the API.
  const policy = await ok(s, 'POST', `${R}/policies`, {
    name: 'free',
    limits: [{ scope: 'api_key', max_requests: 100, window_unit: 'minute' }],
    burst: { max_burst: 5 },
  });
  await ok(s, 'PATCH', `${R}/policies/${policy.id}`, { priority: 5 });
  const rule = await ok(s, 'POST', `${R}/rules`, {
    policy_id: policy.id,
    target: { type: 'user', value: 'nobody' },
  });
  await ok(s, 'PATCH', `${R}/rules/${rule.id}`, { description: 'for nobody' });
  await ok(s, 'POST', `${R}/rules/${rule.id}/disable`);
  await ok(s, 'POST', `${R}/rules/${rule.id}/enable`);
  const plan = await ok(s, 'POST', `${R}/plans`, { plan: 'gold', policy_id: policy.id });
  await ok(s, 'PATCH', `${R}/plans/${plan.id}`, { description: 'the best' });
  const assigned = await ok(s, 'POST', `${R}/plans/assignments`, {
    plan: 'gold',
    subject_type: 'user',
    subject_id: 'u9',
  });
  await ok(s, 'DELETE', `${R}/plans/assignments/${assigned.id}`);
  await ok(s, 'DELETE', `${R}/plans/${plan.id}`);
  const bypass = await ok(s, 'POST', `${R}/bypass`, {
    type: 'user',
    value: 'u7',
    reason: 'support',
    expires_in_seconds: 3600,
  });
  await ok(s, 'DELETE', `${R}/bypass/${bypass.id}`);
  const adjust = { rule_id: rule.id, max_requests: 500, reason: 'launch', duration_seconds: 60 };
  const reverted = await ok(s, 'POST', `${R}/adjustments`, adjust);
  await ok(s, 'POST', `${R}/adjustments/${reverted.id}/revert`);
  await ok(s, 'POST', `${R}/adjustments`, adjust);
  const cost = await ok(s, 'POST', `${R}/costs`, { method: 'POST', path: '/api/v1/x', cost: 2 });
  await ok(s, 'PATCH', `${R}/costs/${cost.id}`, { cost: 3 });
  await ok(s, 'DELETE', `${R}/costs/${cost.id}`);

  // Enforcement, through the check API: approached and exceeded, burst, the penalty box.
  const check = (policy: string, extra: object = {}) =>
    ok(s, 'POST', `${R}/check`, { policy, scope: 'user', identifier: 'u1', ...extra });
  const limits = [{ scope: 'user', max_requests: 5, window_unit: 'minute' }];
  await ok(s, 'POST', `${R}/policies`, { name: 'api', limits });
  await ok(s, 'POST', `${R}/policies`, { name: 'bursty', limits, burst: { max_burst: 2 } });
  await ok(s, 'POST', `${R}/policies`, {
    name: 'boxed',
    limits,
    throttle: { mode: 'penalty_box', penalty_max_requests: 1, penalty_duration_seconds: 60 },
  });
  await check('api', { cost: 4 });
  await check('api', { cost: 2 });
  await check('bursty', { cost: 5 });
  await check('bursty');
  await check('boxed', { cost: 5 });
  await check('boxed');

  // Time passes: the adjustment runs out, the penalty ends.
  clock.advance(61_000);
  t.equal(await s.server.ratelimit.adjustments.expireDue(), 1);
  await check('boxed');

  // Whatever is left of the configuration goes.
  await ok(s, 'DELETE', `${R}/rules/${rule.id}`);
  await ok(s, 'DELETE', `${R}/policies/${policy.id}`);

  // The limiter's store goes away and comes back.
  limiter.down = true;
  await ok(s, 'GET', `${R}/policies`);
  limiter.down = false;
  await ok(s, 'GET', `${R}/policies`);

  // webhook.test is sent to its webhook alone, not on the bus.
  const receiver = await startReceiver(t);
  const hook = await ok(s, 'POST', '/api/v1/webhooks', {
    url: `${receiver.url}/test`,
    events: ['*'],
    active: false,
  });
  await ok(s, 'POST', `/api/v1/webhooks/${hook.id}/test`);
  heard.push((await receiver.next('/test')).body);
  await ok(s, 'PATCH', `/api/v1/webhooks/${hook.id}`, { description: 'everything' });
  await ok(s, 'DELETE', `/api/v1/webhooks/${hook.id}`);

  // The feed: what a user does with their notifications.
  const sent = async () =>
    (
      await ok(s, 'POST', '/api/v1/notifications', {
        recipient_id: 'u5',
        content: { title: 'T', body: 'B' },
        actions: [{ id: 'yes', label: 'Yes', type: 'primary', callback_key: 'cb' }],
        data: { n: 1 },
      })
    ).notification_id as string;
  const [n1, n2, n3] = [await sent(), await sent(), await sent()];
  const asUser = async (method: string, path: string) => {
    const res = await s.asUser('u5', method, path, {});
    if (res.status >= 300) throw new Error(`${method} ${path}: ${JSON.stringify(res.body)}`);
  };
  await asUser('POST', `/api/v1/me/notifications/${n1}/read`);
  await asUser('POST', `/api/v1/me/notifications/${n2}/actions/yes`);
  await asUser('POST', `/api/v1/me/notifications/${n3}/dismiss`);
  await sent();
  await asUser('POST', '/api/v1/me/notifications/read-all');
  await sent();
  await asUser('POST', '/api/v1/me/notifications/dismiss-all');

  // Recipients: preferences, topics, devices.
  await ok(s, 'PUT', '/api/v1/subscribers/u5', { email: 'u5@example.com' });
  await ok(s, 'POST', '/api/v1/categories', { id: 'billing', name: 'Billing' });
  await ok(s, 'PUT', '/api/v1/subscribers/u5/preferences', { global_enabled: true });
  await ok(s, 'PUT', '/api/v1/subscribers/u5/preferences/categories/billing', { is_muted: true });
  await ok(s, 'DELETE', '/api/v1/subscribers/u5/preferences');
  await ok(s, 'POST', '/api/v1/topics', { key: 'news', name: 'News' });
  await ok(s, 'PATCH', '/api/v1/topics/news', { name: 'Newsletter' });
  await ok(s, 'DELETE', '/api/v1/topics/news');
  await ok(s, 'PATCH', '/api/v1/categories/billing', { description: 'Invoices' });
  await ok(s, 'DELETE', '/api/v1/categories/billing');
  const device = await ok(s, 'POST', '/api/v1/subscribers/u5/devices', {
    kind: 'fcm',
    token: 'fcm-token-1',
  });
  await ok(s, 'DELETE', `/api/v1/subscribers/u5/devices/${device.id}`);
  await ok(s, 'DELETE', '/api/v1/subscribers/u5');

  // Templates: created, then updated.
  await ok(s, 'POST', '/api/v1/templates', {
    key: 'hello',
    name: 'Hello',
    channels: { in_app: { title: 'Hi {{ name }}', body: 'Hello' } },
  });
  await ok(s, 'PATCH', '/api/v1/templates/hello', { is_active: false });
  await ok(s, 'DELETE', '/api/v1/templates/hello');
  // API keys: created, then revoked.
  const key = await ok(s, 'POST', '/api/v1/keys', { name: 'ops', scopes: ['notifications:send'] });
  await ok(s, 'DELETE', `/api/v1/keys/${key.id}`);
  // Channel providers: a delivery retried, then sent; another dead-lettered; a circuit.
  const port = new MemoryPort(clock);
  const p = await startServer(
    t,
    {
      providers: { sms: [{ name: 'sms', plugin: providerFixture('sms') }] },
      encryption: { key: Buffer.alloc(32, 7).toString('base64') },
      delivery: {
        workers: { enabled: false },
        circuit: { failure_threshold: 1, reset_ms: 100 },
      },
    } as never,
    createMemoryStore(),
    { clock, providers: { deliveries: port, random: () => 0 } },
  );
  p.server.events.subscribe((e) => {
    heard.push(e);
  });
  // A runtime provider: configured, then removed.
  await ok(p, 'PUT', '/api/v1/providers/rt-sms', {
    plugin: providerFixture('sms'),
    options: { region: 'eu' },
  });
  await ok(p, 'DELETE', '/api/v1/providers/rt-sms');
  const worker = p.server.providers.worker!;
  script('sms', { ok: false, kind: 'retryable', message: 'busy' });
  port.add('sms');
  await worker.runOnce();
  clock.advance(100);
  await worker.runOnce();
  script('sms', { ok: false, kind: 'permanent', message: 'refused' });
  port.add('sms');
  await worker.runOnce();

  // Reports: one generated, one that fails (its period cannot be read).
  await ok(s, 'POST', '/api/v1/reports', {
    queries: [{ title: 'All', metrics: ['events'] }],
    format: 'csv',
  });
  await s.server.analytics!.reporting.reports.make(
    {
      title: 'Broken',
      description: '',
      definition: null,
      queries: [],
      time_range: { start: 'never', end: 'never' },
      timezone: 'UTC',
      format: 'csv',
    },
    null,
    null,
    null,
  );

  // An alert: a rule on a metric nothing counts triggers at its first evaluation; deleting
  // the rule resolves it.
  await ok(s, 'POST', '/api/v1/alerts/rules', {
    name: 'quiet',
    metric: 'count:nothing',
    condition: 'below',
    threshold: 1,
    window: '1m',
  });
  clock.advance(60_000);
  await s.server.scheduler.runDue();
  const [alert] = (await ok(s, 'GET', '/api/v1/alerts')).data;
  await ok(s, 'POST', `/api/v1/alerts/${alert.id}/acknowledge`);
  await ok(s, 'PATCH', '/api/v1/alerts/rules/quiet', { description: 'acknowledged' });
  await ok(s, 'DELETE', '/api/v1/alerts/rules/quiet');

  // Funnels, report definitions and schedules: each created, changed and deleted.
  await ok(s, 'POST', '/api/v1/analytics/funnels', {
    name: 'buy',
    steps: [
      { name: 'Seen', event_type: 'view' },
      { name: 'Bought', event_type: 'purchase' },
    ],
  });
  await ok(s, 'PATCH', '/api/v1/analytics/funnels/buy', { description: 'to a sale' });
  await ok(s, 'DELETE', '/api/v1/analytics/funnels/buy');
  await ok(s, 'POST', '/api/v1/reports/definitions', {
    name: 'views',
    title: 'Views',
    queries: [{ title: 'Views', metrics: ['count:view'] }],
  });
  await ok(s, 'PATCH', '/api/v1/reports/definitions/views', { title: 'Page views' });
  await ok(s, 'POST', '/api/v1/reports/schedules', {
    name: 'daily-views',
    definition: 'views',
    schedule: 'daily',
    delivery: { email: ['ops@example.com'] },
  });
  await ok(s, 'PATCH', '/api/v1/reports/schedules/daily-views', { time: '09:00' });
  await ok(s, 'POST', '/api/v1/reports/schedules/daily-views/pause');
  await ok(s, 'POST', '/api/v1/reports/schedules/daily-views/resume');
  await ok(s, 'DELETE', '/api/v1/reports/schedules/daily-views');
  await ok(s, 'DELETE', '/api/v1/reports/definitions/views');

  // A digest: one in-app digest of the hour, sent when its window ends.
  await ok(s, 'PUT', '/api/v1/subscribers/dg', { email: 'dg@example.com' });
  await ok(s, 'PUT', '/api/v1/subscribers/dg/preferences', {
    digest: { enabled: true, frequency: 'hourly', delivery_time: '00:30', channel: 'in_app' },
  });
  await ok(s, 'POST', '/api/v1/notifications', {
    recipient_id: 'dg',
    channels: ['in_app', 'email'],
    content: { title: 'A comment', body: 'Nice' },
  });
  clock.advance(3_600_000);
  await s.server.scheduler.runDue();

  // A workflow run of one step: started, then completed.
  await ok(s, 'POST', '/api/v1/workflows', {
    trigger_identifier: 'welcome',
    name: 'Welcome',
    steps: [{ type: 'send', channel: 'in_app', content: { title: 'Hi', body: 'Welcome' } }],
  });
  await ok(s, 'POST', '/api/v1/workflows/welcome/trigger', { recipient_id: 'dg' });
  await s.server.scheduler.runDue();
  await ok(s, 'PATCH', '/api/v1/workflows/welcome', { name: 'Hello' });
  await ok(s, 'DELETE', '/api/v1/workflows/welcome');

  await new Promise((r) => setImmediate(r));
  for (const event of heard) {
    const validate = validators.get(event.type as EventType);
    if (!validate) {
      t.fail(`${event.type} is not in the catalogue`);
      continue;
    }
    try {
      validate(event.data);
      t.pass(event.type);
    } catch (err) {
      t.fail(`${event.type}: ${(err as Error).message}`, { data: event.data });
    }
  }
  const produced = new Set(heard.map((e) => e.type));
  t.same(
    NAMES.filter((name) => !produced.has(name)),
    [],
    'every catalogued event was produced',
  );
});
