import t from 'tap';
import { createMemoryStore } from '../../src/store/memory/index.js';
import type { NotificationRecord } from '../../src/store/types.js';
import { startServer } from '../helpers/server.js';
import { Fixture } from '../store/contract/fixtures.js';

/** alice: an in-app one, a dead-lettered sms one of request `req_batch`, a pending sms one. */
async function setUp() {
  const f = new Fixture();
  const store = createMemoryStore();
  const write = async (
    over: Partial<NotificationRecord>,
    status: 'sent' | 'failed' | 'pending',
  ) => {
    f.clock.advance(1000);
    const n = f.notification({ tenant_id: 'default', ...over });
    const d = f.delivery(n, {
      channel: n.channels[0],
      status,
      attempts: status === 'pending' ? 0 : 3,
      last_error: status === 'failed' ? 'main: HTTP 503' : null,
    });
    await store.notifications.insert([{ notification: n, deliveries: [d] }]);
    return n;
  };
  const inApp = await write({}, 'sent');
  const dead = await write({ channels: ['sms'], request_id: 'req_batch' }, 'failed');
  const waiting = await write({ channels: ['sms'] }, 'pending');
  await write({ recipient_id: 'bob' }, 'sent');
  const theirs = await write({ tenant_id: 't2' }, 'sent');
  return { store, inApp, dead, waiting, theirs };
}

const ids = (body: { data: Array<{ id: string }> }) => body.data.map((n) => n.id);

t.test('GET /notifications finds a recipient’s notifications by request and status', async (t) => {
  const { store, inApp, dead, waiting } = await setUp();
  const s = await startServer(t, {}, store);
  const all = await s.api('GET', '/api/v1/notifications?recipient_id=alice');
  t.equal(all.status, 200);
  t.same(ids(all.body), [waiting.id, dead.id, inApp.id], 'newest first, only alice’s');
  t.equal(all.body.next_cursor, null);
  t.match(all.body.data[1], {
    id: dead.id,
    request_id: 'req_batch',
    recipient_id: 'alice',
    content: { title: 'Hello' },
    deliveries: [{ channel: 'sms', status: 'failed', attempts: 3, last_error: 'main: HTTP 503' }],
  });

  const failed = await s.api('GET', '/api/v1/notifications?recipient_id=alice&status=failed');
  t.same(ids(failed.body), [dead.id], 'by delivery status');
  const byRequest = await s.api(
    'GET',
    '/api/v1/notifications?recipient_id=alice&request_id=req_batch',
  );
  t.same(ids(byRequest.body), [dead.id], 'by request');

  const page1 = await s.api('GET', '/api/v1/notifications?recipient_id=alice&limit=2');
  t.same(ids(page1.body), [waiting.id, dead.id]);
  t.equal(page1.body.next_cursor, dead.id);
  const page2 = await s.api(
    'GET',
    `/api/v1/notifications?recipient_id=alice&limit=2&before=${page1.body.next_cursor}`,
  );
  t.same(ids(page2.body), [inApp.id]);
  t.equal(page2.body.next_cursor, null);

  for (const q of ['', 'recipient_id=alice&limit=0', 'recipient_id=alice&status=Not%20one']) {
    const bad = await s.api('GET', `/api/v1/notifications?${q}`);
    t.equal(bad.status, 400, q || 'no recipient');
    t.equal(bad.body.error.code, 'VALIDATION_ERROR');
  }
  const key = await s.api('POST', '/api/v1/keys', { name: 'x', scopes: ['notifications:send'] });
  const forbidden = await s.api(
    'GET',
    '/api/v1/notifications?recipient_id=alice',
    undefined,
    key.body.key,
  );
  t.equal(forbidden.status, 403, 'needs notifications:admin');
});

t.test('GET /notifications/{id} shows one notification with its deliveries', async (t) => {
  const { store, dead, theirs } = await setUp();
  const s = await startServer(t, {}, store);
  const one = await s.api('GET', `/api/v1/notifications/${dead.id}`);
  t.equal(one.status, 200);
  t.match(one.body, {
    id: dead.id,
    recipient_id: 'alice',
    created_at: new Date(dead.created_at).toISOString(),
    deliveries: [{ channel: 'sms', status: 'failed', attempts: 3 }],
  });
  const other = await s.api('GET', `/api/v1/notifications/${theirs.id}`);
  t.equal(other.status, 404, 'another tenant’s');
  t.equal(other.body.error.code, 'NOTIFICATION_NOT_FOUND');
  const openapi = await fetch(`${s.url}/openapi.json`).then((r) => r.json());
  t.ok(openapi.paths['/api/v1/notifications'].get, 'the search is in the OpenAPI document');
  t.ok(openapi.paths['/api/v1/notifications/{id}'].get);
});
