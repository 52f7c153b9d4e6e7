import t from 'tap';
import { startServer } from '../helpers/server.js';

const note = (extra: Record<string, unknown> = {}) => ({
  recipient_id: 'alice',
  content: { title: 'Hello', body: 'World' },
  ...extra,
});

t.test('a valid send answers 202 with ids and the targeted channels', async (t) => {
  const s = await startServer(t);
  const res = await s.api(
    'POST',
    '/api/v1/notifications',
    note({ category: 'orders', data: { n: 1 } }),
  );
  t.equal(res.status, 202);
  t.match(res.body, {
    request_id: /^req_/,
    notification_id: /^ntf_/,
    status: 'accepted',
    channels_targeted: ['in_app'],
  });
  t.equal(res.headers.get('x-request-id'), res.body.request_id, 'the request id is echoed');
  const deliveries = await s.api(
    'GET',
    `/api/v1/notifications/${res.body.notification_id}/deliveries`,
  );
  t.equal(deliveries.status, 200);
  t.match(deliveries.body.data, [{ channel: 'in_app', status: 'delivered' }]);
});

t.test('the same idempotency key answers 409 with the original ids', async (t) => {
  const s = await startServer(t);
  const first = await s.api('POST', '/api/v1/notifications', note({ idempotency_key: 'order-42' }));
  t.equal(first.status, 202);
  const again = await s.api('POST', '/api/v1/notifications', note({ idempotency_key: 'order-42' }));
  t.equal(again.status, 409);
  t.equal(again.body.error.code, 'DUPLICATE_NOTIFICATION');
  t.same(again.body.error.details, {
    notification_id: first.body.notification_id,
    request_id: first.body.request_id,
  });
  const feed = await s.asUser('alice', 'GET', '/api/v1/me/notifications');
  t.equal(feed.body.data.length, 1, 'the duplicate was not stored');
  const concurrent = await Promise.all(
    Array.from({ length: 20 }, () =>
      s.api('POST', '/api/v1/notifications', note({ idempotency_key: 'burst' })),
    ),
  );
  t.equal(concurrent.filter((r) => r.status === 202).length, 1, 'one of a concurrent burst wins');
  t.equal(concurrent.filter((r) => r.status === 409).length, 19);
});

t.test('the idempotency key is per tenant', async (t) => {
  const s = await startServer(t);
  const headers = (tenant: string) => ({
    method: 'POST',
    headers: {
      authorization: 'Bearer nk_test_admin_key_0123456789abcdef',
      'content-type': 'application/json',
      'x-tenant-id': tenant,
    },
    body: JSON.stringify(note({ idempotency_key: 'k' })),
  });
  const a = await fetch(`${s.url}/api/v1/notifications`, headers('acme'));
  const b = await fetch(`${s.url}/api/v1/notifications`, headers('globex'));
  t.equal(a.status, 202);
  t.equal(b.status, 202);
});

t.test('invalid sends are 400 with the field named', async (t) => {
  const s = await startServer(t);
  const cases: Array<[unknown, string]> = [
    [{ content: { title: 'x', body: 'y' } }, 'body.recipient_id'],
    [note({ content: { body: 'no title' } }), 'body.content.title'],
    [note({ content: { title: 1, body: 'y' } }), 'body.content.title'],
    [note({ colour: 'red' }), 'body.colour'],
    [note({ priority: 'extreme' }), 'body.priority'],
    [
      note({ content: { title: 'x', body: 'y', action_url: 'not a url' } }),
      'body.content.action_url',
    ],
    [note({ category: 'has spaces' }), 'body.category'],
    [[], 'body'],
  ];
  for (const [body, field] of cases) {
    const res = await s.api('POST', '/api/v1/notifications', body);
    t.equal(res.status, 400, `${JSON.stringify(body)} is refused`);
    t.equal(res.body.error.code, 'VALIDATION_ERROR');
    t.ok(
      res.body.error.details.issues.some((i: { field: string }) => i.field === field),
      `names ${field}`,
    );
  }
});

t.test('keys: missing, wrong, and without the scope', async (t) => {
  const s = await startServer(t);
  const none = await fetch(`${s.url}/api/v1/notifications`, { method: 'POST', body: '{}' });
  t.equal(none.status, 401);
  t.equal((await none.json()).error.code, 'UNAUTHORIZED');
  const wrong = await s.api('POST', '/api/v1/notifications', note(), 'nk_not_a_real_key');
  t.equal(wrong.status, 401);
  const created = await s.api('POST', '/api/v1/keys', {
    name: 'reader',
    scopes: ['analytics:read'],
  });
  t.equal(created.status, 201);
  const forbidden = await s.api('POST', '/api/v1/notifications', note(), created.body.key);
  t.equal(forbidden.status, 403);
  t.equal(forbidden.body.error.code, 'FORBIDDEN');
  const viaHeader = await fetch(`${s.url}/api/v1/notifications`, {
    method: 'POST',
    headers: {
      'x-api-key': 'nk_test_admin_key_0123456789abcdef',
      'content-type': 'application/json',
    },
    body: JSON.stringify(note()),
  });
  t.equal(viaHeader.status, 202, 'X-API-Key works as well as Bearer');
});
