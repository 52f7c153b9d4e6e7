import t from 'tap';
import { loadConfig } from '../../src/config/index.js';
import { FakeClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { ProviderLoadError } from '../../src/providers/loader.js';
import { createServer } from '../../src/server/app.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { startServer } from '../helpers/server.js';
import { reset, script } from './fixtures/script.js';
import { MemoryPort } from './memory-port.js';
import { fixture, ref } from './setup.js';

t.beforeEach(() => reset());

const providers = {
  sms: [
    {
      name: 'backup',
      plugin: fixture('sms'),
      priority: 5,
      options: { region: 'down', sender: 'ACME', auth_token: ref('SMS_TOKEN') },
    },
    { name: 'main', plugin: fixture('sms'), priority: 1, options: { throw_on_test: true } },
  ],
  push: [{ name: 'fcm', plugin: fixture('fcm') }],
  custom: [{ name: 'chat', plugin: fixture('chat'), options: { token: 'xoxb-secret' } }],
};

t.test('GET /providers: every provider in priority order, secrets masked, health', async (t) => {
  const clock = new FakeClock();
  const port = new MemoryPort(clock);
  const s = await startServer(t, { providers }, createMemoryStore(), {
    clock,
    providers: { deliveries: port, env: { SMS_TOKEN: 'tok' }, random: () => 0 },
  });
  const res = await s.api('GET', '/api/v1/providers');
  t.equal(res.status, 200);
  t.match(res.body.data, [
    {
      name: 'fcm',
      channel: 'push',
      devices: ['fcm'],
      source: 'config',
      loaded_from: 'path',
      health: { state: 'closed', sent: 0 },
    },
    { name: 'main', channel: 'sms', priority: 1, timeout_ms: 15000 },
    {
      name: 'backup',
      channel: 'sms',
      priority: 5,
      options: { region: 'down', sender: '********', auth_token: '********' },
    },
    { name: 'chat', channel: 'chat', options: { token: '********' } },
  ]);
  t.notMatch(JSON.stringify(res.body), /tok"|ACME|xoxb/, 'no secret in the answer');
  t.ok(s.server.providers.serves('sms'));
  t.notOk(s.server.providers.serves('email'));

  // The workers run: a queued SMS goes out through the first provider.
  script('main', { ok: false, kind: 'retryable', message: 'busy' });
  const id = port.add('sms');
  for (let i = 0; i < 50 && port.get(id).status === 'pending'; i++)
    await new Promise((r) => setTimeout(r, 5));
  t.match(port.get(id), { status: 'sent', provider_message_id: `backup-${id}` }, 'failed over');

  const metrics = await fetch(`${s.url}/metrics`).then((r) => r.text());
  t.match(
    metrics,
    /notifyd_provider_failed_total\{provider="main",channel="sms",kind="retryable"\} 1/,
  );
});

t.test('POST /providers/{name}/test: a provider by name, or a channel’s first one', async (t) => {
  const s = await startServer(t, { providers }, createMemoryStore(), {
    providers: { env: { SMS_TOKEN: 'tok' } },
  });
  const test = (name: string) => s.api('POST', `/api/v1/providers/${name}/test`);
  t.match((await test('backup')).body, {
    success: false,
    message: 'region down',
    provider: 'backup',
  });
  t.match((await test('sms')).body, {
    success: false,
    message: 'the test threw: no route to host',
    provider: 'main',
  });
  t.match((await test('fcm')).body, {
    success: true,
    message: /no test of its own/,
    provider: 'fcm',
    latency_ms: 0,
  });
  t.match((await test('chat')).body, { success: false, message: /unreachable/ });
  const missing = await test('nothing');
  t.equal(missing.status, 404);
  t.equal(missing.body.error.code, 'PROVIDER_NOT_FOUND');
  const unauthorised = await fetch(`${s.url}/api/v1/providers`);
  t.equal(unauthorised.status, 401);
});

t.test('a provider that cannot load stops the server from starting', async (t) => {
  const config = loadConfig({
    env: {},
    overrides: {
      server: { host: '127.0.0.1', port: 0 },
      log: { level: 'silent' },
      providers: {
        sms: [{ name: 'bad', plugin: fixture('sms'), options: { region: 1 } }],
      } as never,
    },
  });
  const store = createMemoryStore();
  const server = createServer(config, { store, logger: createLogger({ level: 'silent' }) });
  await t.rejects(server.listen(), ProviderLoadError);
  await t.rejects(server.listen(), {
    message:
      /provider "bad" \(providers\.sms\[0\], plugin .*sms\.ts\): options\.region must be string/,
  });
  await store.close();
});
