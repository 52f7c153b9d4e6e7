/**
 * `GET /api/v1/push/vapid-public-key` on a real server: no key needed, the first webpush
 * provider's public key by priority (from the file or the API), 404 without one.
 */
import { createECDH, randomBytes } from 'node:crypto';
import t from 'tap';
import webpush from 'web-push';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { startServer } from '../helpers/server.js';

const KEY = Buffer.alloc(32, 9).toString('base64');
const PATH = '/api/v1/push/vapid-public-key';

const webpushEntry = (
  name: string,
  keys: { publicKey: string; privateKey: string },
  priority: number,
) => ({
  name,
  plugin: 'webpush',
  priority,
  options: {
    vapid_public_key: keys.publicKey,
    vapid_private_key: keys.privateKey,
    subject: 'mailto:ops@example.com',
  },
});

t.test('no webpush provider: 404 VAPID_KEY_NOT_CONFIGURED, without a key', async (t) => {
  // The console fallback serves push, but it has no VAPID key to give.
  const s = await startServer(t, {}, createMemoryStore());
  const res = await fetch(`${s.url}${PATH}`);
  t.equal(res.status, 404);
  const body = await res.json();
  t.equal(body.error.code, 'VAPID_KEY_NOT_CONFIGURED');
  t.match(body.error.message, /No webpush provider is configured/);
});

t.test('the first webpush provider by priority, from the file or the API', async (t) => {
  const fromFile = webpush.generateVAPIDKeys();
  const fromApi = webpush.generateVAPIDKeys();
  const s = await startServer(
    t,
    {
      providers: { push: [webpushEntry('wp-file', fromFile, 5)] },
      encryption: { key: KEY },
    } as never,
    createMemoryStore(),
  );
  const read = async () => {
    const res = await fetch(`${s.url}${PATH}`);
    return { status: res.status, body: await res.json() };
  };
  t.same(await read(), { status: 200, body: { public_key: fromFile.publicKey } }, 'no key sent');

  const { name: _, priority, ...put } = webpushEntry('wp-api', fromApi, 1);
  const res = await s.api('PUT', '/api/v1/providers/wp-api', { ...put, priority });
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.same((await read()).body, { public_key: fromApi.publicKey }, 'the runtime one goes first');

  t.equal((await s.api('DELETE', '/api/v1/providers/wp-api')).status, 204);
  t.same((await read()).body, { public_key: fromFile.publicKey }, 'back to the file’s');

  const spec = await fetch(`${s.url}/openapi.json`).then((r) => r.json());
  const op = spec.paths[PATH].get;
  t.same(op.security ?? [], [], 'no credentials in the spec');
  t.ok(op.responses['200'] && op.responses['404'], 'documented answers');
});

t.test('docs/push.md’s browser flow, request by request', async (t) => {
  const keys = webpush.generateVAPIDKeys();
  const s = await startServer(
    t,
    {
      providers: { push: [webpushEntry('webpush', keys, 0)] },
      delivery: { workers: { enabled: false } },
    } as never,
    createMemoryStore(),
  );
  const { public_key } = await fetch(`${s.url}${PATH}`).then((r) => r.json());
  t.equal(public_key, keys.publicKey);
  t.equal(Buffer.from(public_key, 'base64url').length, 65, 'what applicationServerKey takes');

  // What PushSubscription.toJSON() gives: endpoint, expirationTime, keys {p256dh, auth}.
  const ecdh = createECDH('prime256v1');
  const subscription = {
    endpoint: 'https://push.example.net/send/abc123',
    expirationTime: null,
    keys: {
      p256dh: ecdh.generateKeys().toString('base64url'),
      auth: randomBytes(16).toString('base64url'),
    },
  };
  const whole = await s.asUser('user-42', 'POST', '/api/v1/me/devices', {
    kind: 'webpush',
    ...subscription,
  });
  t.equal(whole.status, 400, 'expirationTime is refused: the docs pick the fields');
  const { endpoint, keys: sub } = subscription;
  const body = {
    kind: 'webpush',
    endpoint,
    keys: { p256dh: sub.p256dh, auth: sub.auth },
    device_info: { platform: 'web', user_agent: 'test' },
  };
  const created = await s.asUser('user-42', 'POST', '/api/v1/me/devices', body);
  t.equal(created.status, 201);
  t.match(created.body, { kind: 'webpush', endpoint, active: true });
  const again = await s.asUser('user-42', 'POST', '/api/v1/me/devices', body);
  t.equal(again.status, 200, 'subscribing on every visit updates the device');
  t.equal(again.body.id, created.body.id);

  const sent = await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'user-42',
    channels: ['push'],
    content: { title: 'Build passed', body: 'main is green' },
  });
  t.equal(sent.status, 202, JSON.stringify(sent.body));
  t.match(sent.body.channels_targeted, ['push']);

  const removed = await s.asUser('user-42', 'DELETE', `/api/v1/me/devices/${created.body.id}`);
  t.equal(removed.status, 204);
});
