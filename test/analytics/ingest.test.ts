import t, { type Test } from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { startServer } from '../helpers/server.js';

const NOW = Date.UTC(2026, 2, 10, 12);
const MIN = 60_000;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const EVENTS = '/api/v1/analytics/events';

async function server(t: Test) {
  const clock = new FakeClock(NOW);
  const s = await startServer(t, {}, createMemoryStore(), { clock });
  return { s, clock };
}

/** Counts of `count:<type>` over the last day, as one number. */
async function countOf(s: Awaited<ReturnType<typeof server>>['s'], type: string) {
  const res = await s.api('POST', '/api/v1/analytics/query', {
    metrics: [`count:${type}`],
    time_range: { start: iso(NOW - DAY), end: iso(NOW + DAY) },
  });
  return res.body.data[0].values[`count:${type}`];
}

t.test('one event is stored before the 202; a repeated event_id is ignored', async (t) => {
  const { s } = await server(t);
  const first = await s.api('POST', EVENTS, {
    event_type: 'signup',
    user_id: 'u1',
    properties: { plan: 'pro' },
    event_id: 'e-1',
  });
  t.equal(first.status, 202);
  t.match(first.body, { id: /^aev_/, duplicate: false });
  const again = await s.api('POST', EVENTS, { event_type: 'signup', event_id: 'e-1' });
  t.equal(again.status, 202);
  t.same(again.body, { duplicate: true }, 'no id: the one made for the repeat names nothing');
  t.equal(await countOf(s, 'signup'), 1);
  const stored = await s.store.analytics.scan({ tenant_id: null, from: 0, to: NOW + 1 }, 10);
  t.match(stored, [
    { tenant_id: 'default', user_id: 'u1', timestamp: NOW, properties: { plan: 'pro' } },
  ]);
});

t.test('a flush with nothing buffered leaves later flushes to write', async (t) => {
  const { s } = await server(t);
  const ingestor = s.server.analytics!.ingestor;
  await ingestor.flush();
  await ingestor.flush();
  ingestor.enqueue(ingestor.record('notification.sent', 'default', null, { channel: 'sms' }, NOW));
  t.equal(ingestor.pending, 1);
  await ingestor.flush();
  t.equal(ingestor.pending, 0, 'written');
  t.equal(await countOf(s, 'notification.sent'), 1);
});

t.test('bad events are refused with a 4xx envelope naming the field', async (t) => {
  const { s } = await server(t);
  const cases: [string, unknown, string, RegExp][] = [
    ['no type', { user_id: 'u' }, 'VALIDATION_ERROR', /event_type/],
    ['bad type', { event_type: 'a b' }, 'VALIDATION_ERROR', /event_type/],
    ['unknown field', { event_type: 'x', color: 1 }, 'VALIDATION_ERROR', /color/],
    [
      'properties not an object',
      { event_type: 'x', properties: [1] },
      'VALIDATION_ERROR',
      /properties/,
    ],
    ['bad timestamp', { event_type: 'x', timestamp: 'yesterday' }, 'VALIDATION_ERROR', /timestamp/],
    [
      'too far ahead',
      { event_type: 'x', timestamp: iso(NOW + 6 * MIN) },
      'VALIDATION_ERROR',
      /max_future_skew/,
    ],
    [
      'too far back',
      { event_type: 'x', timestamp: iso(NOW - 8 * DAY) },
      'VALIDATION_ERROR',
      /max_backfill/,
    ],
    [
      'properties too large',
      { event_type: 'x', properties: { big: 'y'.repeat(9000) } },
      'VALIDATION_ERROR',
      /max_properties_bytes/,
    ],
  ];
  for (const [name, body, code, message] of cases) {
    const res = await s.api('POST', EVENTS, body);
    t.equal(res.status, 400, name);
    t.equal(res.body.error.code, code, name);
    t.match(res.body.error.message, message, name);
  }
  const near = await s.api('POST', EVENTS, { event_type: 'x', timestamp: iso(NOW + 4 * MIN) });
  t.equal(near.status, 202, 'within the skew is fine');
  const raw = await fetch(`${s.url}${EVENTS}`, {
    method: 'POST',
    headers: {
      authorization: 'Bearer nk_test_admin_key_0123456789abcdef',
      'content-type': 'application/json',
    },
    body: '{"event_type":',
  });
  t.equal(raw.status, 400, 'broken JSON');
  t.equal((await s.api('POST', EVENTS, { event_type: 'x' }, 'nk_wrong')).status, 401);
});

t.test(
  'a batch answers per item: accepted, rejected with index and reason, duplicates',
  async (t) => {
    const { s } = await server(t);
    const res = await s.api('POST', `${EVENTS}/batch`, {
      events: [
        { event_type: 'view', user_id: 'a' },
        { event_type: 'view', timestamp: iso(NOW + DAY) },
        'not an object',
        { event_type: 'view', event_id: 'same' },
        { event_type: 'view', event_id: 'same' },
      ],
    });
    t.equal(res.status, 202);
    t.match(res.body, { accepted: 2, rejected: 2, duplicates: 1 });
    t.match(res.body.errors, [
      { index: 1, code: 'VALIDATION_ERROR', reason: /events\[1\]\.timestamp/ },
      { index: 2, code: 'VALIDATION_ERROR', reason: /events\[2\]/ },
    ]);
    t.equal(await countOf(s, 'view'), 2);
    const many = await s.api('POST', `${EVENTS}/batch`, {
      events: Array.from({ length: 1001 }, () => ({ event_type: 'v' })),
    });
    t.equal(many.status, 400, 'more than 1,000 is refused whole');
    t.equal((await s.api('POST', `${EVENTS}/batch`, { events: [] })).status, 400);
  },
);

t.test(
  'event types: a schema is enforced, naming the property; types are listed with counts',
  async (t) => {
    const { s } = await server(t);
    const created = await s.api('POST', '/api/v1/analytics/event-types', {
      name: 'purchase',
      description: 'A checkout',
      properties_schema: {
        amount: { type: 'number', required: true },
        coupon: { type: 'string' },
        gift: { type: 'boolean' },
        at: { type: 'datetime' },
      },
    });
    t.equal(created.status, 201);
    const bad = [
      [{}, 'amount', /is required/],
      [{ amount: '12' }, 'amount', /must be a number/],
      [{ amount: 1, coupon: 5 }, 'coupon', /must be a string/],
      [{ amount: 1, gift: 'yes' }, 'gift', /must be a boolean/],
      [{ amount: 1, at: 'soon' }, 'at', /must be a date-time/],
    ] as const;
    for (const [properties, property, message] of bad) {
      const res = await s.api('POST', EVENTS, { event_type: 'purchase', properties });
      t.equal(res.status, 400);
      t.equal(res.body.error.code, 'EVENT_SCHEMA_ERROR');
      t.equal(res.body.error.details.property, property);
      t.match(res.body.error.message, message);
    }
    const ok = await s.api('POST', EVENTS, {
      event_type: 'purchase',
      properties: { amount: 3, at: iso(NOW) },
    });
    t.equal(ok.status, 202);
    const batch = await s.api('POST', `${EVENTS}/batch`, {
      events: [{ event_type: 'purchase', properties: {} }, { event_type: 'other' }],
    });
    t.match(batch.body, {
      accepted: 1,
      rejected: 1,
      errors: [{ index: 0, code: 'EVENT_SCHEMA_ERROR' }],
    });
    const list = await s.api('GET', '/api/v1/analytics/event-types');
    t.equal(list.status, 200);
    t.match(list.body.data, [
      { name: 'other', event_count: 1, declared: false },
      {
        name: 'purchase',
        event_count: 1,
        declared: true,
        properties_schema: { amount: { type: 'number' } },
      },
    ]);
    t.equal(
      (await s.api('POST', '/api/v1/analytics/event-types', { name: 'purchase' })).status,
      409,
    );
    t.equal((await s.api('DELETE', '/api/v1/analytics/event-types/purchase')).status, 204);
    t.equal((await s.api('DELETE', '/api/v1/analytics/event-types/purchase')).status, 404);
    const free = await s.api('POST', EVENTS, { event_type: 'purchase', properties: {} });
    t.equal(free.status, 202, 'without its schema, anything goes');
  },
);

t.test('scopes and tenants: a tenant key tracks and reads only its own tenant', async (t) => {
  const { s } = await server(t);
  const key = await s.api('POST', '/api/v1/keys', {
    name: 'acme',
    scopes: ['analytics:write', 'analytics:read'],
    tenant_id: 'acme',
  });
  t.equal(key.status, 201);
  const own = await s.api('POST', EVENTS, { event_type: 'x' }, key.body.key);
  t.equal(own.status, 202);
  const other = await s.api('POST', EVENTS, { event_type: 'x', tenant_id: 'globex' }, key.body.key);
  t.equal(other.status, 403);
  await s.api('POST', EVENTS, { event_type: 'x', tenant_id: 'globex' });
  const q = { metrics: ['count:x'], time_range: { preset: 'last_24h' } };
  const mine = await s.api('POST', '/api/v1/analytics/query', q, key.body.key);
  t.equal(mine.body.data[0].values['count:x'], 1, 'only its tenant');
  const all = await s.api('POST', '/api/v1/analytics/query', { ...q, dimensions: ['tenant_id'] });
  t.same(
    all.body.data.map((r: { dimensions: { tenant_id: string } }) => r.dimensions.tenant_id),
    ['acme', 'globex'],
    'an unbound key sees every tenant',
  );
  const writer = await s.api('POST', '/api/v1/keys', { name: 'w', scopes: ['analytics:write'] });
  const refused = await s.api('POST', '/api/v1/analytics/query', q, writer.body.key);
  t.equal(refused.status, 403);
  t.equal(refused.body.error.code, 'FORBIDDEN');
});
