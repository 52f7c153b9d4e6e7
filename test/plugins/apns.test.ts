import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import apnsPlugin, { collapseIdOf } from '../../plugins/apns/index.js';
import { startApnsPeer } from '../helpers/peers/apns-peer.js';
import { device, message, startProvider, TEST_CA } from '../helpers/peers/plugin-harness.js';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p8 = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const trust = { teamId: 'TEAM123456', keyId: 'KEY1234567', publicKey, topic: 'com.acme.app' };
const TOKEN = 'a'.repeat(64);
const options = (endpoint: string) => ({
  team_id: trust.teamId,
  key_id: trust.keyId,
  private_key: p8,
  topic: trust.topic,
  endpoint,
  sound: 'default',
  ca: TEST_CA,
});
const content = {
  title: 'Order shipped',
  body: 'On its way',
  url: '/orders/42',
  data: { order: '42' },
};
const iphone = (token = TOKEN) => device({ kind: 'apns', token });

t.test('sends alerts over one reused HTTP/2 connection with a valid provider token', async (t) => {
  const peer = await startApnsPeer(t, trust);
  const { provider } = await startProvider(t, apnsPlugin, options(peer.origin));
  const first = await provider.send(
    message('push', content, { device: iphone(), group_key: 'order-42', ttl_seconds: 600 }),
  );
  t.same(peer.rejected, []);
  t.match(first, { ok: true, provider_message_id: /^[0-9a-f-]{36}$/ });
  const second = await provider.send(
    message(
      'push',
      { ...content, image: 'https://x/i.png' },
      { device: iphone(), priority: 'low' },
    ),
  );
  t.ok(second.ok);
  t.equal(peer.sessions, 1, 'connection reused');
  const [a, b] = peer.received;
  t.equal(a?.headers['apns-push-type'], 'alert');
  t.equal(a?.headers['apns-priority'], '10');
  t.equal(a?.headers['apns-collapse-id'], 'order-42');
  t.ok(Number(a?.headers['apns-expiration']) > Date.UTC(2026, 0, 1) / 1000, 'expiration set');
  t.same(a?.payload, {
    aps: { alert: { title: 'Order shipped', body: 'On its way' }, sound: 'default' },
    order: '42',
    url: '/orders/42',
    notification_id: 'ntf_01',
    delivery_id: 'dlv_01',
  });
  t.equal(b?.headers['apns-priority'], '5', 'low priority waits for power');
  t.equal(b?.payload.aps['mutable-content'], 1, 'an image needs the service extension');
  t.notOk('apns-collapse-id' in (b?.headers ?? {}));
  t.notOk('apns-expiration' in (b?.headers ?? {}));
  t.equal(a?.iat, b?.iat, 'provider token reused');
});

t.test('data-only messages are background pushes', async (t) => {
  const peer = await startApnsPeer(t, trust);
  const { provider } = await startProvider(t, apnsPlugin, {
    ...options(peer.origin),
    sound: undefined,
  });
  t.ok(
    (
      await provider.send(
        message('push', { title: '', body: '', data: { sync: '1' } }, { device: iphone() }),
      )
    ).ok,
  );
  const [got] = peer.received;
  t.equal(got?.headers['apns-push-type'], 'background');
  t.equal(got?.headers['apns-priority'], '5');
  t.same(got?.payload.aps, { 'content-available': 1 });
});

t.test('provider token renewed after 50 minutes', async (t) => {
  const peer = await startApnsPeer(t, trust);
  const { provider, clock } = await startProvider(t, apnsPlugin, options(peer.origin));
  clock.set(Date.now());
  await provider.send(message('push', content, { device: iphone() }));
  clock.advance(49 * 60 * 1000);
  await provider.send(message('push', content, { device: iphone() }));
  clock.advance(2 * 60 * 1000);
  await provider.send(message('push', content, { device: iphone() }));
  const iats = peer.received.map((r) => r.iat);
  t.equal(iats[0], iats[1]);
  t.equal(iats[2]! - iats[0]!, 51 * 60);
});

t.test("APNs's answers map to failure kinds", async (t) => {
  const peer = await startApnsPeer(t, trust);
  const answers: Record<
    string,
    { status: number; reason?: string; headers?: Record<string, string> }
  > = {
    ['1'.repeat(64)]: { status: 410, reason: 'Unregistered' },
    ['2'.repeat(64)]: { status: 400, reason: 'BadDeviceToken' },
    ['3'.repeat(64)]: { status: 429, reason: 'TooManyRequests', headers: { 'retry-after': '3' } },
    ['4'.repeat(64)]: { status: 503, reason: 'ServiceUnavailable' },
    ['5'.repeat(64)]: { status: 413, reason: 'PayloadTooLarge' },
    ['6'.repeat(64)]: { status: 500 },
  };
  peer.answer = (token) => answers[token] ?? { status: 200 };
  const { provider } = await startProvider(t, apnsPlugin, options(peer.origin));
  const to = (c: string) =>
    provider.send(message('push', content, { device: iphone(c.repeat(64)) }));
  t.match(await to('1'), { ok: false, kind: 'invalid_recipient', code: 'Unregistered' });
  t.match(await to('2'), { ok: false, kind: 'invalid_recipient', code: 'BadDeviceToken' });
  t.match(await to('3'), {
    ok: false,
    kind: 'retryable',
    code: 'TooManyRequests',
    retry_after_ms: 3000,
  });
  t.match(await to('4'), { ok: false, kind: 'retryable', code: 'ServiceUnavailable' });
  t.match(await to('5'), { ok: false, kind: 'permanent', code: 'PayloadTooLarge' });
  t.match(await to('6'), {
    ok: false,
    kind: 'retryable',
    code: '500',
    message: 'APNs answered 500',
  });
});

t.test(
  'a key APNs does not know is permanent; an expired token is retried with a new one',
  async (t) => {
    const peer = await startApnsPeer(t, trust);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const wrong = await startProvider(t, apnsPlugin, {
      ...options(peer.origin),
      private_key: other.export({ format: 'pem', type: 'pkcs8' }).toString(),
    });
    t.match(await wrong.provider.send(message('push', content, { device: iphone() })), {
      ok: false,
      kind: 'permanent',
      code: 'InvalidProviderToken',
    });
    const stale = await startProvider(t, apnsPlugin, options(peer.origin));
    stale.clock.set(Date.now() - 2 * 3600 * 1000);
    t.match(await stale.provider.send(message('push', content, { device: iphone() })), {
      kind: 'retryable',
      code: 'ExpiredProviderToken',
    });
    stale.clock.set(Date.now());
    t.ok(
      (await stale.provider.send(message('push', content, { device: iphone() }))).ok,
      'new token',
    );
  },
);

t.test('devices, connections and options', async (t) => {
  const { provider } = await startProvider(t, apnsPlugin, options('https://127.0.0.1:1'));
  t.match(await provider.send(message('push', content)), { kind: 'permanent' });
  t.match(await provider.send(message('push', content, { device: iphone('not-hex!') })), {
    kind: 'invalid_recipient',
  });
  t.match(await provider.send(message('push', content, { device: iphone() })), {
    kind: 'retryable',
    message: /ECONNREFUSED/,
  });
  const dir = t.testdir({});
  const file = join(dir, 'AuthKey.p8');
  writeFileSync(file, p8);
  const fromFile = await startProvider(t, apnsPlugin, {
    ...options('https://127.0.0.1:1'),
    private_key: undefined,
    private_key_file: file,
    production: false,
  });
  t.ok(fromFile.provider);
  await t.rejects(
    startProvider(t, apnsPlugin, { ...options('https://x'), private_key_file: file }),
    /exactly one/,
  );
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
  await t.rejects(
    startProvider(t, apnsPlugin, {
      ...options('https://x'),
      private_key: rsa.export({ format: 'pem', type: 'pkcs8' }).toString(),
    }),
    /not an EC/,
  );
  t.equal(collapseIdOf('k'), 'k');
  t.equal(collapseIdOf('k'.repeat(65)).length, 43);
});

t.test('a peer that never answers times out, retryably', async (t) => {
  const peer = await startApnsPeer(t, trust);
  peer.answer = () => 'hang';
  const { provider } = await startProvider(t, apnsPlugin, {
    ...options(peer.origin),
    timeout_ms: 200,
  });
  t.match(await provider.send(message('push', content, { device: iphone() })), {
    ok: false,
    kind: 'retryable',
    message: 'no answer in 200 ms',
  });
});
