/**
 * A notification's group key reaches each push service through the real server, its worker and
 * the built-in plugin: web push `Topic`, APNs `apns-collapse-id`, FCM collapse key (Android),
 * `apns-collapse-id` (iOS) and `Topic` (web). The peers are the loopback ones of test/plugins.
 */
import { generateKeyPairSync } from 'node:crypto';
import t, { type Test } from 'tap';
import { collapseIdOf, topicOf } from '../../plugins/group-key.js';
import { startApnsPeer } from '../helpers/peers/apns-peer.js';
import { testServiceAccount, vapidOptions } from '../helpers/peers/credentials.js';
import { startFcmPeer } from '../helpers/peers/fcm-peer.js';
import { TEST_CA } from '../helpers/peers/plugin-harness.js';
import { startPushService } from '../helpers/peers/push-service.js';
import { type Running, startServer } from '../helpers/server.js';

const LONG = `order-${'é'.repeat(40)}`;

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

/** Registers `device` for alice and sends her one push per group key (none for null). */
async function sendGrouped(
  t: Test,
  s: Running,
  device: Record<string, unknown>,
  keys: (string | null)[],
) {
  t.equal((await s.api('PUT', '/api/v1/subscribers/alice', {})).status, 201);
  t.equal((await s.api('POST', '/api/v1/subscribers/alice/devices', device)).status, 201);
  for (const group_key of keys) {
    const res = await s.api('POST', '/api/v1/notifications', {
      recipient_id: 'alice',
      channels: ['push'],
      content: { title: 'Order shipped', body: 'On its way' },
      ...(group_key ? { group_key } : {}),
    });
    t.equal(res.status, 202, JSON.stringify(res.body));
  }
}

t.test('web push: the group key is the Topic header', async (t) => {
  const service = await startPushService(t);
  const sub = service.subscribe('abc');
  const { options } = await vapidOptions();
  const s = await startServer(t, { providers: { push: [{ plugin: 'webpush', options }] } });
  await sendGrouped(t, s, { kind: 'webpush', endpoint: sub.endpoint, keys: sub.keys }, [
    'order-42',
    LONG,
    null,
  ]);
  await until(() => service.received.length === 3);
  t.same(service.rejected, []);
  const topics = service.received.map((r) => r.headers.topic).sort();
  t.same(topics, [topicOf('order-42'), topicOf(LONG), undefined].sort());
  for (const topic of topics.filter(Boolean)) t.match(topic, /^[A-Za-z0-9_-]{1,32}$/);
});

t.test('APNs: the group key is apns-collapse-id, at most 64 bytes', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const trust = { teamId: 'TEAM123456', keyId: 'KEY1234567', publicKey, topic: 'com.acme.app' };
  const peer = await startApnsPeer(t, trust);
  const options = {
    team_id: trust.teamId,
    key_id: trust.keyId,
    private_key: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    topic: trust.topic,
    endpoint: peer.origin,
    ca: TEST_CA,
  };
  const s = await startServer(t, { providers: { push: [{ plugin: 'apns', options }] } });
  await sendGrouped(t, s, { kind: 'apns', token: 'a'.repeat(64) }, ['order-42', LONG, null]);
  await until(() => peer.received.length === 3);
  t.same(peer.rejected, []);
  const ids = peer.received.map((r) => r.headers['apns-collapse-id']).sort();
  t.same(ids, ['order-42', collapseIdOf(LONG), undefined].sort());
  t.ok(Buffer.byteLength(LONG) > 64 && Buffer.byteLength(collapseIdOf(LONG)) <= 64);
});

t.test('FCM: collapse key on Android, apns-collapse-id on iOS, Topic on the web', async (t) => {
  const account = testServiceAccount();
  const peer = await startFcmPeer(t, account);
  const options = {
    service_account_json: JSON.stringify(account),
    endpoint: peer.origin,
    ca: TEST_CA,
  };
  const s = await startServer(t, { providers: { push: [{ plugin: 'fcm', options }] } });
  await sendGrouped(t, s, { kind: 'fcm', token: 'tok-android-1' }, [LONG, null]);
  await until(() => peer.received.length === 2);
  t.same(peer.rejected, []);
  const [grouped, plain] = [...peer.received].sort((a) =>
    a.message?.android?.collapse_key ? -1 : 1,
  );
  t.equal(grouped?.message?.android?.collapse_key, collapseIdOf(LONG));
  t.equal(grouped?.message?.apns?.headers?.['apns-collapse-id'], collapseIdOf(LONG));
  t.equal(grouped?.message?.webpush?.headers?.Topic, topicOf(LONG));
  t.notOk(plain?.message?.android?.collapse_key);
  t.notOk(plain?.message?.apns?.headers?.['apns-collapse-id']);
  t.notOk(plain?.message?.webpush?.headers?.Topic);
});
