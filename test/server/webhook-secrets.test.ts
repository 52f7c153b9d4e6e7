/**
 * Outgoing webhook secrets at rest: sealed with encryption.key when it is set, plaintext
 * rows from before the key still sign, and are sealed on their next change.
 */
import t from 'tap';
import { isSealed } from '../../src/core/secrets.js';
import { uncatalogued } from '../helpers/events.js';
import { startServer } from '../helpers/server.js';
import { signatureValid, startReceiver } from '../helpers/webhook-receiver.js';

const W = '/api/v1/webhooks';
const KEY = 'c3'.repeat(32);
const keyed = { encryption: { key: KEY }, webhooks: { config_cache_ms: 0 } } as never;

t.test('with a key, a webhook secret is stored sealed and still signs', async (t) => {
  const receiver = await startReceiver(t);
  const s = await startServer(t, keyed);
  const created = await s.api('POST', W, {
    url: `${receiver.url}/hook`,
    events: ['t.*'],
    secret: 'my-own-webhook-secret-42',
  });
  t.equal(created.status, 201);
  t.equal(created.body.secret, 'my-own-webhook-secret-42', 'the create answer shows it once');
  const row = await s.store.objects.get('webhook', created.body.id);
  t.ok(isSealed(row?.data.secret), 'sealed in the store');
  t.notMatch(JSON.stringify(row), 'my-own-webhook-secret-42', 'no plaintext in the row');

  uncatalogued(s.server.events).emit('t.one', 'default', {});
  t.ok(signatureValid(await receiver.next('/hook'), 'my-own-webhook-secret-42'));
  const test = await s.api('POST', `${W}/${created.body.id}/test`);
  t.match(test.body, { delivered: true });
  t.ok(signatureValid(await receiver.next('/hook'), 'my-own-webhook-secret-42'), 'test signs');

  // A new secret given in a change is sealed too.
  await s.api('PATCH', `${W}/${created.body.id}`, { secret: 'the-second-secret-0001' });
  const changed = await s.store.objects.get('webhook', created.body.id);
  t.ok(isSealed(changed?.data.secret));
  t.notMatch(JSON.stringify(changed), 'the-second-secret-0001');
  uncatalogued(s.server.events).emit('t.two', 'default', {});
  t.ok(signatureValid(await receiver.next('/hook'), 'the-second-secret-0001'));
});

t.test(
  'a plaintext secret from before the key signs, and is sealed on the next change',
  async (t) => {
    const receiver = await startReceiver(t);
    const s = await startServer(t, keyed);
    const legacy = await s.store.objects.create({
      kind: 'webhook',
      id: 'whk_01JLEGACY0000000000000000',
      tenant_id: 'default',
      key: null,
      data: {
        url: `${receiver.url}/old`,
        events: ['t.*'],
        secret: 'plain-legacy-secret-123',
        description: '',
        active: true,
      },
      created_at: Date.now(),
    });
    uncatalogued(s.server.events).emit('t.one', 'default', {});
    t.ok(signatureValid(await receiver.next('/old'), 'plain-legacy-secret-123'), 'read as it is');

    const patched = await s.api('PATCH', `${W}/${legacy.id}`, { description: 'touched' });
    t.equal(patched.status, 200);
    const row = await s.store.objects.get('webhook', legacy.id);
    t.ok(isSealed(row?.data.secret), 'sealed on the next write');
    t.notMatch(JSON.stringify(row), 'plain-legacy-secret-123');
    uncatalogued(s.server.events).emit('t.two', 'default', {});
    t.ok(signatureValid(await receiver.next('/old'), 'plain-legacy-secret-123'), 'same secret');
  },
);

t.test('without a key, secrets are stored as given; a sealed one is then refused', async (t) => {
  const s = await startServer(t);
  const created = await s.api('POST', W, {
    url: 'https://hooks.example.com/x',
    events: ['t.*'],
    secret: 'stored-as-given-000001',
  });
  const row = await s.store.objects.get('webhook', created.body.id);
  t.equal(row?.data.secret, 'stored-as-given-000001');

  const sealedElsewhere = await s.store.objects.create({
    kind: 'webhook',
    id: 'whk_01JSEALED0000000000000000',
    tenant_id: 'default',
    key: null,
    data: {
      url: 'https://hooks.example.com/y',
      events: ['t.*'],
      secret: 'enc:v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      description: '',
      active: true,
    },
    created_at: Date.now(),
  });
  const test = await s.api('POST', `${W}/${sealedElsewhere.id}/test`);
  t.equal(test.status, 409);
  t.equal(test.body.error.code, 'ENCRYPTION_KEY_MISSING');
  t.match(test.body.error.message, /NOTIFYD_ENCRYPTION_KEY/);
});
