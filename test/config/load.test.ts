import { resolve } from 'node:path';
import t from 'tap';
import { ConfigError, loadConfig, OPTIONS } from '../../src/config/index.js';

const get = (tree: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], tree);

t.test('with no file and no environment, every option has its default', async (t) => {
  const dir = t.testdir({});
  const config = loadConfig({ env: {}, cwd: dir });
  for (const o of OPTIONS) {
    if (o.file && o.default !== '') continue;
    t.same(get(config, o.path), o.default, o.path);
  }
  t.equal(config.server.port, 8080);
  t.equal(config.store.backend, 'sqlite');
});

t.test('relative file paths are resolved against cwd; absolute and empty are kept', async (t) => {
  const dir = t.testdir({});
  const config = loadConfig({
    env: {},
    cwd: dir,
    overrides: { auth: { jwt: { jwks_file: '/etc/jwks.json', public_key: 'keys/pub.pem' } } },
  });
  t.equal(config.store.sqlite.path, resolve(dir, 'data/notifyd.db'));
  t.equal(config.auth.bootstrap_key_file, resolve(dir, 'data/admin.key'));
  t.equal(config.auth.jwt.jwks_file, '/etc/jwks.json');
  t.equal(config.auth.jwt.public_key, resolve(dir, 'keys/pub.pem'));
  const inline = '-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----';
  const empty = loadConfig({
    env: {},
    cwd: dir,
    overrides: { auth: { bootstrap_key_file: '', jwt: { public_key: inline } } },
  });
  t.equal(empty.auth.bootstrap_key_file, '');
  t.equal(empty.auth.jwt.public_key, inline);
  const memory = loadConfig({
    env: {},
    cwd: dir,
    overrides: { store: { sqlite: { path: ':memory:' } } },
  });
  t.equal(memory.store.sqlite.path, ':memory:');
});

t.test('a YAML file overrides the defaults it names and keeps the rest', async (t) => {
  const dir = t.testdir({
    'my.yaml':
      'server:\n  port: 9000\nstore:\n  sqlite:\n    synchronous: FULL\nauth:\n  jwt:\n    algorithms: [RS256]\n    public_key: /k.pem\n',
  });
  const config = loadConfig({ file: 'my.yaml', env: {}, cwd: dir });
  t.equal(config.server.port, 9000);
  t.equal(config.server.host, '0.0.0.0');
  t.equal(config.store.sqlite.synchronous, 'FULL');
  t.equal(config.store.sqlite.busy_timeout_ms, 5000);
  t.same(config.auth.jwt.algorithms, ['RS256']);
});

t.test('the file comes from --file, else NOTIFYD_CONFIG, else ./notifyd.yaml', async (t) => {
  const dir = t.testdir({
    'notifyd.yaml': 'server:\n  port: 1001\n',
    'named.yaml': 'server:\n  port: 1002\n',
    'given.yaml': 'server:\n  port: 1003\n',
  });
  t.equal(loadConfig({ env: {}, cwd: dir }).server.port, 1001);
  t.equal(loadConfig({ env: { NOTIFYD_CONFIG: 'named.yaml' }, cwd: dir }).server.port, 1002);
  const given = loadConfig({ file: 'given.yaml', env: { NOTIFYD_CONFIG: 'named.yaml' }, cwd: dir });
  t.equal(given.server.port, 1003);
});

t.test('empty files and empty sections change nothing', async (t) => {
  const dir = t.testdir({
    'empty.yaml': '# nothing yet\n',
    'sections.yaml': 'server:\nauth:\n  jwt:\n',
  });
  t.equal(loadConfig({ file: 'empty.yaml', env: {}, cwd: dir }).server.port, 8080);
  t.equal(loadConfig({ file: 'sections.yaml', env: {}, cwd: dir }).server.port, 8080);
});

t.test('a missing or unreadable file named explicitly is a ConfigError', async (t) => {
  const dir = t.testdir({ folder: {} });
  for (const file of ['nope.yaml', 'folder']) {
    const err = t.throws(() => loadConfig({ file, env: {}, cwd: dir })) as ConfigError;
    t.type(err, ConfigError);
    t.equal(err.issues[0].key, resolve(dir, file));
    t.match(err.issues[0].reason, file === 'folder' ? /cannot read/ : /file not found/);
  }
  const viaEnv = t.throws(() => loadConfig({ env: { NOTIFYD_CONFIG: 'gone.yaml' }, cwd: dir }));
  t.match(viaEnv, { issues: [{ reason: 'file not found' }] });
});

t.test('a YAML syntax error names the file and line, without quoting the file', async (t) => {
  const dir = t.testdir({ 'bad.yaml': 'server:\n  port: 8080\nauth:\n  admin_key: s3cret: x\n' });
  const err = t.throws(() => loadConfig({ file: 'bad.yaml', env: {}, cwd: dir })) as ConfigError;
  t.type(err, ConfigError);
  t.match(err.message, resolve(dir, 'bad.yaml'));
  t.match(err.issues[0].reason, /YAML syntax error at line 4/);
  t.notMatch(err.message, 's3cret');
});

t.test('a file whose top level is not a mapping is refused', async (t) => {
  const dir = t.testdir({ 'list.yaml': '- port: 8080\n' });
  const err = t.throws(() => loadConfig({ file: 'list.yaml', env: {}, cwd: dir }));
  t.match(err, { issues: [{ reason: /must be a mapping/ }] });
});

t.test('duplicate keys are a syntax error', async (t) => {
  const dir = t.testdir({ 'dup.yaml': 'server:\n  port: 1\n  port: 2\n' });
  const err = t.throws(() => loadConfig({ file: 'dup.yaml', env: {}, cwd: dir }));
  t.match(err, { issues: [{ reason: /line 3.*unique/i }] });
});

t.test('the result is deeply frozen', async (t) => {
  const config = loadConfig({ env: {}, cwd: t.testdir({}) });
  t.ok(Object.isFrozen(config));
  t.ok(Object.isFrozen(config.store.sqlite));
  t.ok(Object.isFrozen(config.auth.jwt.algorithms));
  t.throws(() => {
    (config.server as { port: number }).port = 1;
  }, TypeError);
  t.throws(() => (config.auth.jwt.algorithms as string[]).push('HS512'), TypeError);
});

t.test('overrides win over file and environment', async (t) => {
  const dir = t.testdir({ 'c.yaml': 'server:\n  port: 9000\n' });
  const config = loadConfig({
    file: 'c.yaml',
    env: { PORT: '9001' },
    cwd: dir,
    overrides: { server: { port: 9002 } },
  });
  t.equal(config.server.port, 9002);
});
