/**
 * Runtime providers (`PUT|GET|DELETE /providers/{name}`) on real servers: two nodes on one
 * SQLite file, credentials encrypted in the stored row, masked in every answer, checked
 * against the plugin's options, read-only for configuration-file providers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import { loadConfig } from '../../src/config/index.js';
import { FakeClock } from '../../src/core/clock.js';
import { openStore } from '../../src/store/index.js';
import { startServer } from '../helpers/server.js';
import { closed, reset } from './fixtures/script.js';
import { MemoryPort } from './memory-port.js';
import { fixture } from './setup.js';

t.beforeEach(() => reset());

const KEY = Buffer.alloc(32, 7).toString('base64');
const SECRET = 'tok-plain-4f1c9a';
const SENDER = 'ACME-SENDER-77';

const configured = { sms: [{ name: 'from-file', plugin: fixture('sms'), priority: 9 }] };

async function node(t: Test, file: string, key = KEY) {
  const store = await openStore(
    loadConfig({ env: {}, overrides: { store: { backend: 'sqlite', sqlite: { path: file } } } })
      .store,
  );
  const clock = new FakeClock();
  const port = new MemoryPort(clock);
  const s = await startServer(t, { providers: configured, encryption: { key } } as never, store, {
    clock,
    providers: { deliveries: port, random: () => 0 },
  });
  return { ...s, port };
}

function tmpDb(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'notifyd-prov-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'notifyd.db');
}

const body = (options: Record<string, unknown> = {}) => ({
  plugin: fixture('sms'),
  priority: 1,
  options: { region: 'eu', auth_token: SECRET, sender: SENDER, ...options },
});

t.test(
  'a runtime provider: stored encrypted, masked, serving at once and on the other node',
  async (t) => {
    const file = tmpDb(t);
    const a = await node(t, file);
    const b = await node(t, file);

    const put = await a.api('PUT', '/api/v1/providers/runtime-sms', body());
    t.equal(put.status, 200);
    t.match(put.body, {
      name: 'runtime-sms',
      channel: 'sms',
      source: 'runtime',
      priority: 1,
      options: { region: 'eu', auth_token: '********', sender: '********' },
    });
    t.notMatch(JSON.stringify(put.body), new RegExp(`${SECRET}|${SENDER}`), 'no secret answered');

    // The raw row: credentials sealed, the rest readable.
    const raw = new Database(file, { readonly: true });
    const rows = raw.prepare("SELECT * FROM objects WHERE kind = 'provider'").all() as {
      key: string;
      data: string;
    }[];
    raw.close();
    t.equal(rows.length, 1);
    t.equal(rows[0].key, 'runtime-sms');
    t.notMatch(rows[0].data, SECRET, 'the token is not in the row');
    t.notMatch(rows[0].data, SENDER, 'the declared secret is not in the row');
    const stored = JSON.parse(rows[0].data);
    t.equal(stored.options.region, 'eu');
    t.match(stored.options.auth_token, /^enc:v1:[A-Za-z0-9_-]+$/);
    t.match(stored.options.sender, /^enc:v1:/);

    // Both kinds listed on this node, with their source.
    const list = await a.api('GET', '/api/v1/providers');
    t.match(
      list.body.data.map((p: { name: string; source: string }) => `${p.name}:${p.source}`),
      ['runtime-sms:runtime', 'from-file:config'],
    );

    // Serving at once: a queued SMS goes out through it (first by priority).
    const id = a.port.add('sms');
    for (let i = 0; i < 100 && a.port.get(id).status === 'pending'; i++)
      await new Promise((r) => setTimeout(r, 5));
    t.match(a.port.get(id), { status: 'sent', provider_message_id: `runtime-sms-${id}` });

    // The other node picks it up on its reload.
    t.equal((await b.api('GET', '/api/v1/providers/runtime-sms')).status, 404, 'not yet');
    await b.server.providers.sync();
    const onB = await b.api('GET', '/api/v1/providers/runtime-sms');
    t.equal(onB.status, 200);
    t.match(onB.body, { source: 'runtime', options: { auth_token: '********' } });
    t.match(
      (await b.api('POST', '/api/v1/providers/runtime-sms/test')).body,
      { success: true, message: 'reached eu' },
      'B opened the credentials and runs the provider',
    );

    // A masked value sent back keeps the stored credential; the changed option applies.
    const again = await a.api('PUT', '/api/v1/providers/runtime-sms', {
      ...body({ region: 'down' }),
      options: { region: 'down', auth_token: '********', sender: '********' },
    });
    t.equal(again.status, 200);
    const opened = await a.server.providers.runtime.find('runtime-sms');
    t.ok(opened);
    t.match(
      a.server.providers.runtime.openOptions(opened?.data.options ?? {}),
      { region: 'down', auth_token: SECRET, sender: SENDER },
      'the credentials survive a masked round trip',
    );
    t.ok(closed.includes('runtime-sms'), 'the replaced instance was closed');
    await b.server.providers.sync();
    t.match((await b.api('POST', '/api/v1/providers/runtime-sms/test')).body, {
      success: false,
      message: 'region down',
    });

    // Removed everywhere.
    t.equal((await a.api('DELETE', '/api/v1/providers/runtime-sms')).status, 204);
    t.equal((await a.api('GET', '/api/v1/providers/runtime-sms')).status, 404);
    await b.server.providers.sync();
    t.equal((await b.api('GET', '/api/v1/providers/runtime-sms')).status, 404);
    const gone = await a.api('DELETE', '/api/v1/providers/runtime-sms');
    t.equal(gone.status, 404);
    t.equal(gone.body.error.code, 'PROVIDER_NOT_FOUND');
  },
);

t.test('a restarted node loads the stored runtime providers', async (t) => {
  const file = tmpDb(t);
  const a = await node(t, file);
  t.equal((await a.api('PUT', '/api/v1/providers/later', body())).status, 200);
  const c = await node(t, file);
  t.match((await c.api('GET', '/api/v1/providers/later')).body, { source: 'runtime' });

  // Another key cannot open the credentials: the node logs it and serves without it.
  const wrong = await node(t, file, Buffer.alloc(32, 9).toString('hex'));
  t.equal((await wrong.api('GET', '/api/v1/providers/later')).status, 404);
  t.equal((await wrong.api('GET', '/api/v1/providers/from-file')).status, 200);
});

t.test('refusals: no key, a file provider, bad options, a tenant key', async (t) => {
  const file = tmpDb(t);
  const a = await node(t, file);

  const readOnly = await a.api('PUT', '/api/v1/providers/from-file', body());
  t.equal(readOnly.status, 409);
  t.equal(readOnly.body.error.code, 'PROVIDER_READ_ONLY');
  const noDelete = await a.api('DELETE', '/api/v1/providers/from-file');
  t.equal(noDelete.status, 409);
  t.equal(noDelete.body.error.code, 'PROVIDER_READ_ONLY');
  t.match((await a.api('GET', '/api/v1/providers/from-file')).body, { source: 'config' });

  const bad = await a.api('PUT', '/api/v1/providers/x', body({ region: 5 }));
  t.equal(bad.status, 400);
  t.equal(bad.body.error.code, 'VALIDATION_ERROR');
  t.match(bad.body.error.details.issues, [{ field: 'body.options.region' }]);
  const unknown = await a.api('PUT', '/api/v1/providers/x', body({ colour: 'red' }));
  t.match(unknown.body.error.details.issues, [
    { field: 'body.options.colour', message: /not an option/ },
  ]);
  const noPlugin = await a.api('PUT', '/api/v1/providers/x', { plugin: 'no-such-plugin' });
  t.equal(noPlugin.status, 400);
  t.match(noPlugin.body.error.details.issues, [{ field: 'body.plugin' }]);
  const console = await a.api('PUT', '/api/v1/providers/x', { use: 'console' });
  t.match(console.body.error.details.issues, [{ field: 'body.channel' }]);
  const wrongChannel = await a.api('PUT', '/api/v1/providers/x', { ...body(), channel: 'email' });
  t.match(wrongChannel.body.error.details.issues, [{ field: 'body.channel' }]);
  const badName = await a.api('PUT', '/api/v1/providers/Bad%20Name', body());
  t.equal(badName.status, 400);
  t.equal((await a.api('GET', '/api/v1/providers')).body.data.length, 1, 'nothing was added');

  const tenantKey = await a.api('POST', '/api/v1/keys', {
    name: 'acme admin',
    scopes: ['notifications:admin'],
    tenant_id: 'acme',
  });
  const refused = await a.api('PUT', '/api/v1/providers/x', body(), tenantKey.body.key);
  t.equal(refused.status, 403);

  const plain = tmpDb(t);
  const noKey = await node(t, plain, '');
  const missing = await noKey.api('PUT', '/api/v1/providers/x', { use: 'console', channel: 'sms' });
  t.equal(missing.status, 409);
  t.equal(missing.body.error.code, 'ENCRYPTION_KEY_MISSING');
  t.match(missing.body.error.message, /NOTIFYD_ENCRYPTION_KEY/);
});

t.test('a plugin of any channel takes the channel it is given', async (t) => {
  const a = await node(t, tmpDb(t));
  const put = await a.api('PUT', '/api/v1/providers/log-email', {
    use: 'console',
    channel: 'email',
    options: { level: 'debug' },
  });
  t.equal(put.status, 200);
  t.match(put.body, { channel: 'email', plugin: 'console', loaded_from: 'builtin' });
  t.ok(a.server.providers.serves('email'));
});

t.test('limits: given with PUT, shown by GET on every node, bad values refused', async (t) => {
  const file = tmpDb(t);
  const a = await node(t, file);
  const b = await node(t, file);
  const rate_limit = { max_requests: 30, window_seconds: 1 };
  const put = await a.api('PUT', '/api/v1/providers/limited', {
    ...body(),
    concurrency: 2,
    rate_limit,
  });
  t.equal(put.status, 200);
  const limits = {
    concurrency: 2,
    rate_limit: { ...rate_limit, algorithm: 'fixed_window' },
    in_flight: 0,
    rate_limited_until: null,
  };
  t.same(put.body.limits, limits);
  const listed = await a.api('GET', '/api/v1/providers');
  t.same(listed.body.data.find((p: { name: string }) => p.name === 'from-file').limits, {
    concurrency: null,
    rate_limit: null,
    in_flight: 0,
    rate_limited_until: null,
  });
  await b.server.providers.sync();
  t.same((await b.api('GET', '/api/v1/providers/limited')).body.limits, limits, 'other node');

  for (const [bad, field] of [
    [{ concurrency: 0 }, 'body.concurrency'],
    [{ concurrency: 'many' }, 'body.concurrency'],
    [{ rate_limit: { max_requests: 0, window_seconds: 1 } }, 'body.rate_limit.max_requests'],
    [{ rate_limit: { max_requests: 5 } }, 'body.rate_limit.window_seconds'],
    [{ rate_limit: { max_requests: 5, window_seconds: 1, per: 'x' } }, 'body.rate_limit.per'],
    [
      { rate_limit: { max_requests: 5, window_seconds: 1, algorithm: 'leaky' } },
      'body.rate_limit.algorithm',
    ],
  ] as const) {
    const res = await a.api('PUT', '/api/v1/providers/limited', { ...body(), ...bad });
    t.equal(res.status, 400, JSON.stringify(bad));
    t.equal(res.body.error.code, 'VALIDATION_ERROR');
    t.match(res.body.error.details.issues, [{ field }], field);
  }
});
