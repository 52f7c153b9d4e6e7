import t from 'tap';
import webpushPlugin, { topicOf } from '../../plugins/webpush/index.js';
import { vapidOptions } from '../helpers/peers/credentials.js';
import { device, message, startProvider } from '../helpers/peers/plugin-harness.js';
import { type BrowserSubscription, startPushService } from '../helpers/peers/push-service.js';

const { vapid, options } = await vapidOptions();
const content = {
  title: 'Order shipped',
  body: 'Your order #42 is on its way',
  icon: '/icon.png',
  url: '/orders/42',
  data: { order: '42' },
};
const to = (sub: BrowserSubscription) =>
  device({ kind: 'webpush', endpoint: sub.endpoint, keys: sub.keys });

t.test('encrypts, signs and delivers to a real push service', async (t) => {
  const service = await startPushService(t);
  const sub = service.subscribe('abc');
  const { provider } = await startProvider(t, webpushPlugin, options);
  const result = await provider.send(
    message('push', content, { device: to(sub), priority: 'urgent', group_key: 'order-42' }),
  );
  t.same(service.rejected, []);
  t.same(result, { ok: true, provider_message_id: `${service.origin}/message/abc-1` });
  const [got] = service.received;
  t.same(got?.payload, {
    ...content,
    notification_id: 'ntf_01',
    delivery_id: 'dlv_01',
  });
  t.equal(got?.claims.aud, service.origin, 'aud is the push service origin');
  t.equal(got?.claims.sub, 'mailto:ops@example.com');
  t.equal(got?.vapidKey, vapid.publicKey);
  t.equal(got?.headers.ttl, '86400', 'default TTL');
  t.equal(got?.headers.urgency, 'high', 'urgent maps to high');
  t.equal(got?.headers.topic, topicOf('order-42'));
  t.equal(topicOf('x'.repeat(500)).length, 32);
  t.match(await provider.test?.(), { ok: true, detail: /mailto:ops@example.com/ });
});

t.test('TTL from the message, urgency from each priority, no topic without group', async (t) => {
  const service = await startPushService(t);
  const sub = service.subscribe();
  const { provider } = await startProvider(t, webpushPlugin, { ...options, ttl_seconds: 60 });
  for (const priority of ['low', 'normal', 'high'] as const) {
    t.ok((await provider.send(message('push', content, { device: to(sub), priority }))).ok);
  }
  await provider.send(message('push', content, { device: to(sub), ttl_seconds: 5 }));
  t.same(
    service.received.map((r) => [r.headers.urgency, r.headers.ttl, r.headers.topic]),
    [
      ['low', '60', undefined],
      ['normal', '60', undefined],
      ['high', '60', undefined],
      ['normal', '5', undefined],
    ],
  );
});

t.test("the push service's answers map to failure kinds", async (t) => {
  const service = await startPushService(t);
  const answers: Record<string, { status: number; headers?: Record<string, string> }> = {
    '/push/gone': { status: 410 },
    '/push/unknown': { status: 404 },
    '/push/big': { status: 413 },
    '/push/busy': { status: 429, headers: { 'retry-after': '30' } },
    '/push/down': { status: 503 },
    '/push/bad': { status: 400 },
  };
  service.answer = (path) => answers[path] ?? { status: 201 };
  const { provider } = await startProvider(t, webpushPlugin, options);
  const send = (id: string) =>
    provider.send(message('push', content, { device: to(service.subscribe(id)) }));
  t.match(await send('gone'), { ok: false, kind: 'invalid_recipient', code: '410' });
  t.match(await send('unknown'), { ok: false, kind: 'invalid_recipient', code: '404' });
  t.match(await send('big'), { ok: false, kind: 'permanent', code: '413' });
  t.match(await send('busy'), {
    ok: false,
    kind: 'retryable',
    code: '429',
    retry_after_ms: 30_000,
    message: /push service answered 429: status 429/,
  });
  t.match(await send('down'), { ok: false, kind: 'retryable', code: '503' });
  t.match(await send('bad'), { ok: false, kind: 'permanent', code: '400' });
  t.same(service.rejected, [], 'each request itself was valid');
});

t.test('a VAPID key the push service does not accept is permanent', async (t) => {
  const service = await startPushService(t);
  const sub = service.subscribe();
  const other = (await vapidOptions()).vapid;
  // The public key announced does not match the key that signs: the JWT fails to verify.
  const { provider } = await startProvider(t, webpushPlugin, {
    ...options,
    vapid_public_key: other.publicKey,
  });
  t.match(await provider.send(message('push', content, { device: to(sub) })), {
    ok: false,
    kind: 'permanent',
    code: '401',
  });
  t.match(service.rejected, [/vapid: signature verification failed/]);
});

t.test('devices that cannot be pushed to', async (t) => {
  const { provider } = await startProvider(t, webpushPlugin, options);
  t.match(await provider.send(message('push', content)), { kind: 'permanent' });
  t.match(
    await provider.send(message('push', content, { device: device({ kind: 'fcm', token: 'x' }) })),
    { kind: 'permanent', message: /not a web push device/ },
  );
  const keys = {
    p256dh: Buffer.alloc(65, 4).toString('base64url'),
    auth: 'AAAAAAAAAAAAAAAAAAAAAA',
  };
  t.match(
    await provider.send(
      message('push', content, { device: device({ endpoint: 'http://push.example/x', keys }) }),
    ),
    { kind: 'invalid_recipient' },
    'plain http endpoint',
  );
  t.match(
    await provider.send(
      message('push', content, {
        device: device({ endpoint: 'https://push.example/x', keys: { ...keys, auth: 'AA' } }),
      }),
    ),
    { kind: 'invalid_recipient' },
    'short auth secret',
  );
  t.match(
    await provider.send(
      message('push', content, { device: device({ endpoint: 'https://push.example/x' }) }),
    ),
    { kind: 'invalid_recipient' },
    'no keys',
  );
});

t.test('unreachable or untrusted push services are retryable', async (t) => {
  const service = await startPushService(t);
  const sub = service.subscribe();
  const { provider } = await startProvider(t, webpushPlugin, { ...options, ca: undefined });
  t.match(await provider.send(message('push', content, { device: to(sub) })), {
    ok: false,
    kind: 'retryable',
    message: /certificate/,
  });
  const refused = { ...sub, endpoint: 'https://127.0.0.1:1/push/x' };
  t.match(await provider.send(message('push', content, { device: to(refused) })), {
    kind: 'retryable',
    message: /ECONNREFUSED/,
  });
});

t.test('bad VAPID keys stop create()', async (t) => {
  await t.rejects(
    startProvider(t, webpushPlugin, { ...options, vapid_private_key: 'short' }),
    /private key/i,
  );
  await t.rejects(startProvider(t, webpushPlugin, { ...options, subject: 'ops@example.com' }));
});
