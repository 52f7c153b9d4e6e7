import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import t from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import {
  defaultBuiltinsDir,
  expandEnv,
  type LoaderDeps,
  loadProviders,
  ProviderLoadError,
} from '../../src/providers/loader.js';
import type { ProviderEntry } from '../../src/providers/options.js';
import { maskOptions } from '../../src/providers/registry.js';
import { closed, reset } from './fixtures/script.js';
import { FIXTURES, fixture, ref } from './setup.js';

t.beforeEach(() => reset());

const deps = (extra: Partial<LoaderDeps> = {}): LoaderDeps => ({
  logger: createLogger({ level: 'silent' }),
  clock: new FakeClock(),
  signal: new AbortController().signal,
  env: { TOKEN: 'from-env' },
  builtinsDir: resolve(FIXTURES, 'builtins'),
  ...extra,
});

const none = { push: [], sms: [], email: [], webhook: [], custom: [] };
const load = (c: Partial<Record<keyof typeof none, ProviderEntry[]>>, d = deps()) =>
  loadProviders({ ...none, ...c }, d);

t.test(
  'built-ins by folder name, paths relative to the working directory, options defaulted',
  async (t) => {
    const loaded = await load(
      {
        webhook: [{ plugin: 'echo' }],
        sms: [
          {
            name: 'eu',
            plugin: './test/providers/fixtures/sms.ts',
            options: { auth_token: ref('TOKEN') },
          },
        ],
        custom: [{ plugin: fixture('chat'), options: { token: 'x' }, priority: 7, timeout_ms: 99 }],
      },
      deps({ cwd: resolve(import.meta.dirname, '../..') }),
    );
    t.match(loaded, [
      {
        name: 'eu',
        channel: 'sms',
        source: 'path',
        options: { region: 'eu', auth_token: 'from-env' },
        secrets: ['sender'],
      },
      {
        name: 'echo',
        channel: 'webhook',
        source: 'builtin',
        priority: 0,
        options: { url: 'http://127.0.0.1/' },
        timeout_ms: null,
        devices: null,
      },
      { name: 'chat', channel: 'chat', source: 'path', priority: 7, timeout_ms: 99 },
    ]);
    t.match(defaultBuiltinsDir(), /plugins\/$/);
  },
);

t.test('a package by name, from the working directory’s node_modules', async (t) => {
  const dir = t.testdir({ 'package.json': '{"name":"app"}' });
  const pkg = join(dir, 'node_modules', '@acme', 'notifyd-slack');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: '@acme/notifyd-slack', main: 'index.mjs' }),
  );
  writeFileSync(
    join(pkg, 'index.mjs'),
    `export default { name: 'slack', channel: 'chat', options: { type: 'object' }, create() { return { send: async () => ({ ok: true, provider_message_id: null }) }; } };\n`,
  );
  const [p] = await load({ custom: [{ plugin: '@acme/notifyd-slack' }] }, deps({ cwd: dir }));
  t.match(p, { name: 'slack', channel: 'chat', source: 'package' });
  await t.rejects(load({ custom: [{ plugin: '@acme/nothing' }] }, deps({ cwd: dir })), {
    message:
      /provider "@acme\/nothing" \(providers.custom\[0\], plugin @acme\/nothing\): cannot be loaded: no built-in plugin and no package named "@acme\/nothing"/,
  });
});

t.test('what stops start-up, each with the provider, the plugin and the reason', async (t) => {
  const cases: [Partial<Record<keyof typeof none, ProviderEntry[]>>, RegExp][] = [
    [
      { sms: [{ plugin: './nope.js' }] },
      /provider "\.\/nope\.js" \(providers\.sms\[0\], plugin \.\/nope\.js\): cannot be loaded: no file/,
    ],
    [
      { sms: [{ name: 'x', plugin: fixture('not-a-plugin') }] },
      /provider "x" .*not a plugin made with definePlugin/,
    ],
    [
      { email: [{ name: 'mail', plugin: fixture('broken-create') }] },
      /provider "mail" .*failed to start: cannot reach the mail relay/,
    ],
    [
      { sms: [{ name: 's', plugin: fixture('sms'), options: { region: 7 } }] },
      /provider "s" .*options\.region must be string/,
    ],
    [
      { sms: [{ name: 's', plugin: fixture('sms'), options: { nope: 1 } }] },
      /provider "s" .*options\.nope is not an option of this plugin/,
    ],
    [
      { sms: [{ name: 's', plugin: fixture('sms'), options: { auth_token: ref('MISSING') } }] },
      /environment variable MISSING, which is not set/,
    ],
    [
      { email: [{ name: 'c', plugin: fixture('chat'), options: { token: 'x' } }] },
      /serves the chat channel, not email; list it under providers\.custom/,
    ],
    [
      { push: [{ name: 'c', plugin: fixture('sms') }] },
      /serves the sms channel, not push; list it under providers\.sms/,
    ],
    [
      { custom: [{ name: 'c', plugin: fixture('sms') }] },
      /serves the sms channel; list it under providers\.sms/,
    ],
    [
      { sms: [{ plugin: fixture('sms') }, { plugin: fixture('sms') }] },
      /provider "scripted-sms": two providers have this name/,
    ],
  ];
  for (const [config, message] of cases) {
    const err = await load(config).catch((e: unknown) => e);
    t.type(err, ProviderLoadError);
    t.match((err as Error).message, message);
  }
});

t.test('providers made before a failure are closed', async (t) => {
  await t.rejects(
    load({
      sms: [{ name: 'ok', plugin: fixture('sms') }],
      email: [{ plugin: fixture('broken-create') }],
    }),
  );
  t.same(closed, ['ok']);
});

t.test('environment references, at any depth; other values as they are', async (t) => {
  const missing = (name: string): never => {
    throw new Error(name);
  };
  t.same(
    expandEnv(
      { a: ref('A'), b: [ref('A'), 1, null], c: { d: `${ref('A')}x` }, e: true },
      { A: 'v' },
      missing,
    ),
    { a: 'v', b: ['v', 1, null], c: { d: `${ref('A')}x` }, e: true },
  );
  t.throws(() => expandEnv(ref('B'), {}, missing), /B/);
});

t.test('masking a provider’s options: declared secrets and credential-like keys', async (t) => {
  t.same(
    maskOptions(
      {
        sender: 'ACME',
        region: 'eu',
        auth_token: 'tok',
        nested: { private_key: 'k', id: 1 },
        api_key: '',
      },
      ['sender'],
    ),
    {
      sender: '********',
      region: 'eu',
      auth_token: '********',
      nested: { private_key: '********', id: 1 },
      api_key: '',
    },
  );
});

t.test('a plugin whose schema is not a schema', async (t) => {
  const dir = t.testdir({
    'bad.mjs': `export default { name: 'bad', channel: 'sms', options: { type: 'nonsense' }, create() { return {}; } };\n`,
  });
  await t.rejects(load({ sms: [{ plugin: join(dir, 'bad.mjs') }] }), {
    message: /the plugin’s options schema is not valid/,
  });
});

t.test('the built-in console serves whichever channel it is listed under', async (t) => {
  await t.rejects(
    load({ custom: [{ plugin: 'console' }] }, deps({ builtinsDir: defaultBuiltinsDir() })),
    { message: /serves whichever channel it is given: set `channel`/ },
  );
  const loaded = await load(
    { push: [{ plugin: 'console' }], email: [{ plugin: 'console', name: 'mail-log' }] },
    deps({ builtinsDir: defaultBuiltinsDir() }),
  );
  t.match(loaded, [
    { name: 'console', source: 'builtin', channel: 'push' },
    { name: 'mail-log', source: 'builtin', channel: 'email' },
  ]);
  for (const p of loaded) await p.instance.close?.();
});
