import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import webhookPlugin from '../../plugins/webhook/index.js';
import { message, startProvider, subscriber } from '../helpers/peers/plugin-harness.js';
import { signatureValid, startReceiver } from '../helpers/webhook-receiver.js';

const SECRET = 'whsec_0123456789abcdef';
const content = { body: { event: 'order.shipped', order: 42 } };

t.test('POSTs the signed body to the configured URL', async (t) => {
  const receiver = await startReceiver(t);
  receiver.answer = () => ({ status: 202, headers: { 'x-message-id': 'rcv-1' } });
  const { provider, clock } = await startProvider(t, webhookPlugin, {
    url: `${receiver.url}/hook`,
    secret: SECRET,
  });
  clock.set(Date.now());
  const result = await provider.send(message('webhook', content, { priority: 'high' }));
  t.same(result, { ok: true, provider_message_id: 'rcv-1' });
  const got = await receiver.next('/hook');
  t.ok(signatureValid(got, SECRET), 'signature checks out with the secret');
  t.notOk(signatureValid(got, 'another-secret-xxxxxx'), 'and only with it');
  t.equal(got.headers['content-type'], 'application/json');
  t.equal(got.headers['x-notifyd-delivery'], 'dlv_01');
  t.same(got.body, {
    delivery_id: 'dlv_01',
    notification_id: 'ntf_01',
    tenant_id: 'default',
    recipient_id: 'user-1',
    priority: 'high',
    data: { event: 'order.shipped', order: 42 },
  });
});

t.test("the subscriber's own URL wins over the configured one", async (t) => {
  const receiver = await startReceiver(t);
  const { provider } = await startProvider(t, webhookPlugin, {
    url: `${receiver.url}/default`,
    secret: SECRET,
    subscriber_url_field: 'hook',
  });
  const recipient = subscriber({ data: { hook: `${receiver.url}/mine` } });
  t.same(await provider.send(message('webhook', content, { recipient })), {
    ok: true,
    provider_message_id: null,
  });
  t.equal(receiver.at('/mine').length, 1);
  t.equal(receiver.at('/default').length, 0);
});

t.test('answers map to failure kinds', async (t) => {
  const receiver = await startReceiver(t);
  const statuses: Record<string, { status: number; headers?: Record<string, string> }> = {
    '/s500': { status: 503, headers: { 'retry-after': '7' } },
    '/s429': { status: 429 },
    '/s408': { status: 408 },
    '/s400': { status: 400 },
    '/s404': { status: 404 },
    '/s302': { status: 302, headers: { location: 'http://169.254.169.254/' } },
  };
  receiver.answer = (path) => statuses[path] ?? { status: 200 };
  const { provider } = await startProvider(t, webhookPlugin, { secret: SECRET });
  const to = (path: string) =>
    provider.send(
      message('webhook', content, {
        recipient: subscriber({ data: { webhook_url: `${receiver.url}${path}` } }),
      }),
    );
  t.match(await to('/s500'), {
    ok: false,
    kind: 'retryable',
    code: '503',
    retry_after_ms: 7000,
    message: /receiver answered 503: \{\}/,
  });
  t.match(await to('/s429'), { ok: false, kind: 'retryable', code: '429' });
  t.match(await to('/s408'), { ok: false, kind: 'retryable', code: '408' });
  t.match(await to('/s400'), { ok: false, kind: 'permanent', code: '400' });
  t.match(await to('/s404'), { ok: false, kind: 'permanent', code: '404' });
  t.match(
    await to('/s302'),
    { ok: false, kind: 'permanent', code: '302' },
    'redirect not followed',
  );
  t.equal(receiver.received.length, 6);
});

t.test('no URL, bad URLs and denied addresses are permanent', async (t) => {
  const { provider } = await startProvider(t, webhookPlugin, {
    secret: SECRET,
    denied_networks: ['127.0.0.0/8', '169.254.0.0/16'],
  });
  t.match(await provider.send(message('webhook', content)), {
    kind: 'permanent',
    message: /no URL/,
  });
  const at = (url: string) =>
    provider.send(
      message('webhook', content, { recipient: subscriber({ data: { webhook_url: url } }) }),
    );
  t.match(await at('ftp://example.com/x'), { kind: 'permanent', message: /not an http/ });
  t.match(await at('not a url'), { kind: 'permanent', message: /not an http/ });
  t.match(await at('http://169.254.169.254/latest'), {
    kind: 'permanent',
    message: /denied_networks/,
  });
  t.match(await at('http://localhost:9/x'), {
    kind: 'permanent',
    message: /localhost resolves to 127\.0\.0\.1/,
  });
});

t.test('timeouts and refused connections are retryable', async (t) => {
  const server = createServer(() => {
    // never answers
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const port = (server.address() as AddressInfo).port;
  const { provider } = await startProvider(t, webhookPlugin, {
    url: `http://127.0.0.1:${port}/slow`,
    secret: SECRET,
    timeout_ms: 200,
  });
  t.match(await provider.send(message('webhook', content)), {
    ok: false,
    kind: 'retryable',
    message: /no answer in 200 ms/,
  });
  const closed = await startProvider(t, webhookPlugin, {
    url: 'https://127.0.0.1:1/x',
    secret: SECRET,
  });
  t.match(await closed.provider.send(message('webhook', content)), {
    kind: 'retryable',
    message: /ECONNREFUSED/,
  });
});

t.test('a response cut short is retryable', async (t) => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('partial');
    setTimeout(() => res.socket?.destroy(), 20);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const { provider } = await startProvider(t, webhookPlugin, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    secret: SECRET,
  });
  t.match(await provider.send(message('webhook', content)), { ok: false, kind: 'retryable' });
});

t.test('options: secret too short is refused', async (t) => {
  await t.rejects(startProvider(t, webhookPlugin, { secret: 'short' }), /secret/);
});
