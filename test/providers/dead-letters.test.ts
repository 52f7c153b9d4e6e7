import t from 'tap';
import { createMemoryStore } from '../../src/store/memory/index.js';
import type { DeliveryRecord, Store } from '../../src/store/types.js';
import { startServer } from '../helpers/server.js';
import { Fixture } from '../store/contract/fixtures.js';
import { reset, sent } from './fixtures/script.js';
import { fixture } from './setup.js';

t.beforeEach(() => reset());

const providers = { sms: [{ name: 'main', plugin: fixture('sms') }] };
const dead = { status: 'failed' as const, attempts: 5, last_error: 'main: HTTP 503' };

/** A notification of `tenant` with failed deliveries of these channels; answers them. */
async function deadLetters(
  f: Fixture,
  store: Store,
  channels: string[],
  tenant = 'default',
): Promise<DeliveryRecord[]> {
  const notification = f.notification({ tenant_id: tenant });
  const deliveries = channels.map((channel) => f.delivery(notification, { channel, ...dead }));
  await store.notifications.insert([{ notification, deliveries }]);
  return deliveries;
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
}

t.test('GET /deliveries/dead lists the tenant’s dead letters, paged, by channel', async (t) => {
  const f = new Fixture();
  const store = createMemoryStore();
  const [sms1, email1] = await deadLetters(f, store, ['sms', 'email']);
  const [sms2] = await deadLetters(f, store, ['sms']);
  await deadLetters(f, store, ['sms'], 't2');
  const s = await startServer(t, { providers }, store);
  const page1 = await s.api('GET', '/api/v1/deliveries/dead?limit=2');
  t.equal(page1.status, 200);
  t.match(page1.body, {
    data: [
      {
        id: sms2.id,
        channel: 'sms',
        status: 'failed',
        attempts: 5,
        last_error: 'main: HTTP 503',
        notification_id: sms2.notification_id,
        recipient_id: 'alice',
      },
      { id: email1.id },
    ],
    next_cursor: email1.id,
  });
  const page2 = await s.api('GET', `/api/v1/deliveries/dead?limit=2&before=${email1.id}`);
  t.same(
    page2.body.data.map((d: { id: string }) => d.id),
    [sms1.id],
  );
  t.equal(page2.body.next_cursor, null);
  const sms = await s.api('GET', '/api/v1/deliveries/dead?channel=sms');
  t.same(
    sms.body.data.map((d: { id: string }) => d.id),
    [sms2.id, sms1.id],
    'one channel; never another tenant’s',
  );
  for (const q of ['limit=0', 'limit=201', 'channel=Not-A-Channel', 'colour=red']) {
    const bad = await s.api('GET', `/api/v1/deliveries/dead?${q}`);
    t.equal(bad.status, 400, q);
    t.equal(bad.body.error.code, 'VALIDATION_ERROR');
  }
  const key = await s.api('POST', '/api/v1/keys', { name: 'x', scopes: ['notifications:manage'] });
  const forbidden = await s.api('GET', '/api/v1/deliveries/dead', undefined, key.body.key);
  t.equal(forbidden.status, 403, 'needs notifications:admin');
  const openapi = await fetch(`${s.url}/openapi.json`).then((r) => r.json());
  for (const path of [
    '/api/v1/deliveries/dead',
    '/api/v1/deliveries/{id}/retry',
    '/api/v1/deliveries/dead/retry-all',
  ]) {
    t.ok(openapi.paths[path], `${path} in the OpenAPI document`);
  }
});

t.test('POST /deliveries/{id}/retry sends a dead letter again', async (t) => {
  const f = new Fixture();
  const store = createMemoryStore();
  const [sms] = await deadLetters(f, store, ['sms']);
  const [theirs] = await deadLetters(f, store, ['sms'], 't2');
  const s = await startServer(t, { providers }, store);
  const res = await s.api('POST', `/api/v1/deliveries/${sms.id}/retry`);
  t.equal(res.status, 200);
  t.match(res.body, { id: sms.id, attempts: 0, notification_id: sms.notification_id });
  const status = async () =>
    (await store.deliveries.listByNotification('default', sms.notification_id))[0];
  await until(async () => (await status()).status === 'sent');
  t.match(await status(), { status: 'sent', attempts: 1, provider_message_id: `main-${sms.id}` });
  t.equal(sent.get('main')?.length, 1, 'sent once through the provider');
  const again = await s.api('POST', `/api/v1/deliveries/${sms.id}/retry`);
  t.equal(again.status, 404, 'no longer a dead letter');
  t.equal(again.body.error.code, 'DEAD_LETTER_NOT_FOUND');
  const other = await s.api('POST', `/api/v1/deliveries/${theirs.id}/retry`);
  t.equal(other.status, 404, 'another tenant’s');
  t.equal((await s.api('POST', '/api/v1/deliveries/dlv_nope/retry')).status, 404);
});

t.test(
  'POST /deliveries/dead/retry-all requeues every dead letter, or one channel’s',
  async (t) => {
    const f = new Fixture();
    const store = createMemoryStore();
    const [sms1, email] = await deadLetters(f, store, ['sms', 'email']);
    const [sms2] = await deadLetters(f, store, ['sms']);
    const [theirs] = await deadLetters(f, store, ['sms'], 't2');
    const s = await startServer(t, { providers }, store);
    const bad = await s.api('POST', '/api/v1/deliveries/dead/retry-all', { channel: 1 });
    t.equal(bad.status, 400);
    const res = await s.api('POST', '/api/v1/deliveries/dead/retry-all', { channel: 'sms' });
    t.same(res.body, { retried: 2, more: false });
    await until(async () => (await store.deliveries.listDead('default', {}, 10)).length === 1);
    const left = await s.api('GET', '/api/v1/deliveries/dead');
    t.same(
      left.body.data.map((d: { id: string }) => d.id),
      [email.id],
      'the email one stays',
    );
    await until(async () => (sent.get('main')?.length ?? 0) === 2);
    t.same(
      new Set(sent.get('main')?.map((m) => m.delivery_id)),
      new Set([sms1.id, sms2.id]),
      'both sent',
    );
    const all = await s.api('POST', '/api/v1/deliveries/dead/retry-all');
    t.same(all.body, { retried: 1, more: false }, 'no body: every channel');
    t.match(await store.deliveries.listDead('t2', {}, 10), [{ id: theirs.id }], 'not t2’s');
  },
);
