import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import fcmPlugin, { fcmFailure } from '../../plugins/fcm/index.js';
import { topicOf } from '../../plugins/group-key.js';
import { testServiceAccount } from '../helpers/peers/credentials.js';
import { startFcmPeer } from '../helpers/peers/fcm-peer.js';
import { device, message, startProvider, TEST_CA } from '../helpers/peers/plugin-harness.js';

const account = testServiceAccount();
const options = (endpoint: string) => ({
  service_account_json: JSON.stringify(account),
  endpoint,
  ca: TEST_CA,
  sound: 'default',
});
const content = {
  title: 'Order shipped',
  body: 'On its way',
  url: 'https://acme.test/o/42',
  data: { order: '42' },
};
const phone = (token = 'tok-android-1') => device({ kind: 'fcm', token });

t.test('gets an OAuth token with the service account and sends through FCM v1', async (t) => {
  const peer = await startFcmPeer(t, account);
  const { provider } = await startProvider(t, fcmPlugin, options(peer.origin));
  const result = await provider.send(
    message('push', content, {
      device: phone(),
      priority: 'high',
      ttl_seconds: 600,
      group_key: 'order-42',
    }),
  );
  t.same(peer.rejected, []);
  t.same(result, { ok: true, provider_message_id: 'projects/acme-test/messages/1' });
  t.equal(peer.minted.length, 1, 'one token minted');
  const sent = peer.received[0]?.message;
  t.same(sent?.notification, { title: 'Order shipped', body: 'On its way' });
  t.same(sent?.data, {
    order: '42',
    url: 'https://acme.test/o/42',
    notification_id: 'ntf_01',
    delivery_id: 'dlv_01',
  });
  t.same(sent?.android, {
    priority: 'high',
    ttl: '600s',
    collapse_key: 'order-42',
    notification: { sound: 'default' },
  });
  t.same(sent?.apns, {
    headers: { 'apns-priority': '10', 'apns-collapse-id': 'order-42' },
    payload: { aps: { sound: 'default' } },
  });
  t.same(sent?.webpush, {
    headers: { Urgency: 'high', Topic: topicOf('order-42'), TTL: '600' },
    fcmOptions: { link: 'https://acme.test/o/42' },
  });
  await provider.send(message('push', content, { device: phone() }));
  t.equal(peer.minted.length, 1, 'token reused');
  t.same(await provider.test?.(), { ok: true, detail: 'FCM accepted a dry-run message' });
  t.ok(peer.received.at(-1)?.validateOnly, 'test() is a dry run');
});

t.test('data-only messages, low priority, service account from a file', async (t) => {
  const peer = await startFcmPeer(t, account);
  const file = join(t.testdir({}), 'sa.json');
  writeFileSync(file, JSON.stringify(account));
  const { provider } = await startProvider(t, fcmPlugin, {
    service_account_file: file,
    endpoint: peer.origin,
    ca: TEST_CA,
    project_id: 'acme-test',
  });
  t.ok(
    (
      await provider.send(
        message('push', { title: '', body: '', data: { sync: '1' } }, { device: phone() }),
      )
    ).ok,
  );
  t.ok(
    (
      await provider.send(
        message(
          'push',
          { title: 'T', body: 'B', image: 'https://i/x.png', url: '/rel' },
          { device: phone(), priority: 'low' },
        ),
      )
    ).ok,
  );
  const [silent, low] = peer.received.map((r) => r.message);
  t.notOk('notification' in silent, 'no notification: data only');
  t.equal(silent.android.priority, 'high', 'data-only wakes the app');
  t.same(silent.apns.payload.aps, { 'content-available': 1 });
  t.equal(silent.apns.headers['apns-priority'], '5');
  t.same(low.notification, { title: 'T', body: 'B', image: 'https://i/x.png' });
  t.equal(low.android.priority, 'normal');
  t.equal(low.webpush.headers.Urgency, 'low');
  t.notOk('fcmOptions' in low.webpush, 'relative links are not FCM links');
});

t.test("FCM's errors map to failure kinds", async (t) => {
  const peer = await startFcmPeer(t, account);
  const answers: Record<string, { status: number; rpc: string; fcm?: string }> = {
    gone: { status: 404, rpc: 'NOT_FOUND', fcm: 'UNREGISTERED' },
    bad: { status: 400, rpc: 'INVALID_ARGUMENT', fcm: 'INVALID_ARGUMENT' },
    busy: { status: 429, rpc: 'RESOURCE_EXHAUSTED', fcm: 'QUOTA_EXCEEDED' },
    down: { status: 503, rpc: 'UNAVAILABLE', fcm: 'UNAVAILABLE' },
    sender: { status: 403, rpc: 'PERMISSION_DENIED', fcm: 'SENDER_ID_MISMATCH' },
  };
  peer.answer = (token) => answers[token] ?? null;
  const { provider } = await startProvider(t, fcmPlugin, options(peer.origin));
  const to = (token: string) => provider.send(message('push', content, { device: phone(token) }));
  t.match(await to('gone'), {
    ok: false,
    kind: 'invalid_recipient',
    code: 'messaging/registration-token-not-registered',
  });
  t.match(await to('bad'), { ok: false, kind: 'permanent', code: 'messaging/invalid-argument' });
  t.match(await to('busy'), {
    ok: false,
    kind: 'retryable',
    code: 'messaging/message-rate-exceeded',
  });
  t.match(await to('down'), { ok: false, kind: 'retryable', code: 'messaging/server-unavailable' });
  t.match(await to('sender'), {
    ok: false,
    kind: 'permanent',
    code: 'messaging/mismatched-credential',
  });
  t.match(
    await provider.send(message('push', content, { device: device({ kind: 'apns', token: 'x' }) })),
    {
      kind: 'permanent',
      message: /not an FCM device/,
    },
  );
});

t.test(
  'a service account Google refuses is permanent; an unreachable FCM is retryable',
  async (t) => {
    const peer = await startFcmPeer(t, account);
    peer.tokenError = 'invalid_grant';
    const { provider } = await startProvider(t, fcmPlugin, options(peer.origin));
    t.match(await provider.send(message('push', content, { device: phone() })), {
      ok: false,
      kind: 'permanent',
      code: 'app/invalid-credential',
    });
    t.match(await provider.test?.(), { ok: false, message: /invalid_grant/ });
    const down = await startProvider(t, fcmPlugin, options('https://127.0.0.1:1'));
    t.match(
      await down.provider.send(message('push', content, { device: phone() })),
      { ok: false, kind: 'retryable', code: 'app/invalid-credential', message: /ECONNREFUSED/ },
      'the token request fails first: firebase-admin says invalid-credential, but it may pass',
    );
    t.match(fcmFailure(Object.assign(new Error('x'), { code: 'app/network-error' })), {
      kind: 'retryable',
    });
    t.match(fcmFailure(new Error('no code')), { kind: 'retryable' });
  },
);

t.test('options', async (t) => {
  await t.rejects(startProvider(t, fcmPlugin, {}), /exactly one/);
  await t.rejects(
    startProvider(t, fcmPlugin, { service_account_json: '{nope' }),
    /not readable JSON/,
  );
  await t.rejects(
    startProvider(t, fcmPlugin, { service_account_json: JSON.stringify({ project_id: 'x' }) }),
    /has no client_email/,
  );
});
