import { resolve } from 'node:path';
import t from 'tap';
import { type ConfigError, envName, loadConfig } from '../../src/config/index.js';

const load = (env: Record<string, string | undefined>, cwd = '/srv/notifyd') =>
  loadConfig({ env, cwd });
const issuesOf = (env: Record<string, string | undefined>) =>
  (t.throws(() => load(env)) as ConfigError).issues;

t.test('the generated name is NOTIFYD_ + the path with __ between levels', async (t) => {
  t.equal(envName('store.sqlite.path'), 'NOTIFYD_STORE__SQLITE__PATH');
  t.equal(envName('server.body_limit'), 'NOTIFYD_SERVER__BODY_LIMIT');
});

t.test('both spellings set an option; the NOTIFYD_ name wins when both are set', async (t) => {
  t.equal(load({ PORT: '9001' }).server.port, 9001);
  t.equal(load({ NOTIFYD_SERVER__PORT: '9002' }).server.port, 9002);
  t.equal(load({ PORT: '9001', NOTIFYD_SERVER__PORT: '9002' }).server.port, 9002);
  t.equal(
    load({ NOTIFYD_ADMIN_KEY: 'alias', NOTIFYD_AUTH__ADMIN_KEY: 'generated' }).auth.admin_key,
    'generated',
  );
  const c = load({
    HOST: '127.0.0.1',
    JWT_SECRET: 'jwt',
    LOG_LEVEL: 'debug',
    STORE_BACKEND: 'memory',
    NOTIFYD_SERVER__BODY_LIMIT: '2048',
    NOTIFYD_STORE__SQLITE__PATH: '/var/lib/n.db',
  });
  t.equal(c.server.host, '127.0.0.1');
  t.equal(c.auth.jwt.secret, 'jwt');
  t.equal(c.log.level, 'debug');
  t.equal(c.store.backend, 'memory');
  t.equal(c.server.body_limit, 2048);
  t.equal(c.store.sqlite.path, '/var/lib/n.db');
});

t.test('the environment wins over the file', async (t) => {
  const dir = t.testdir({ 'c.yaml': 'server:\n  port: 9000\n  host: ::1\n' });
  const c = loadConfig({ file: 'c.yaml', env: { PORT: '9100' }, cwd: dir });
  t.equal(c.server.port, 9100);
  t.equal(c.server.host, '::1');
});

t.test('integers are parsed strictly', async (t) => {
  t.equal(load({ PORT: ' 42 ' }).server.port, 42);
  for (const bad of ['12abc', '1.5', '1e3', '0x10', 'abc', '99999999999999999999']) {
    t.match(
      issuesOf({ PORT: bad }),
      [{ key: 'PORT (server.port)', value: JSON.stringify(bad), reason: 'must be an integer' }],
      bad,
    );
  }
});

t.test('booleans are true/false/1/0/yes/no', async (t) => {
  for (const [text, value] of [
    ['true', true],
    ['YES', true],
    ['1', true],
    ['false', false],
    ['no', false],
    ['0', false],
  ] as const) {
    t.equal(load({ NOTIFYD_SERVER__TRUST_PROXY: text }).server.trust_proxy, value, text);
  }
  t.match(issuesOf({ NOTIFYD_LOG__ACCESS: 'maybe' }), [
    { key: 'NOTIFYD_LOG__ACCESS (log.access)', value: '"maybe"', reason: /true or false/ },
  ]);
  t.match(issuesOf({ NOTIFYD_LOG__ACCESS: 'constructor' }), [{ reason: /true or false/ }]);
});

t.test('lists are comma-separated; enums ignore case', async (t) => {
  const c = load({ NOTIFYD_AUTH__JWT__ALGORITHMS: 'HS256, ES256,', JWT_SECRET: 's' });
  t.same(c.auth.jwt.algorithms, ['HS256', 'ES256']);
  t.equal(load({ LOG_LEVEL: 'WARN' }).log.level, 'warn');
  t.equal(load({ NOTIFYD_STORE__SQLITE__SYNCHRONOUS: 'full' }).store.sqlite.synchronous, 'FULL');
  t.match(issuesOf({ LOG_LEVEL: 'loud' }), [
    { key: 'LOG_LEVEL (log.level)', value: '"loud"', reason: /one of: fatal, error/ },
  ]);
});

t.test('an empty variable is unset, except for text options', async (t) => {
  t.equal(load({ PORT: '', NOTIFYD_LOG__ACCESS: '' }).server.port, 8080);
  t.equal(load({ NOTIFYD_AUTH__BOOTSTRAP_KEY_FILE: '' }).auth.bootstrap_key_file, '');
});

t.test('out-of-range values from the environment name the variable', async (t) => {
  t.match(issuesOf({ PORT: '70000' }), [
    { key: 'PORT (server.port)', value: '70000', reason: 'must be between 0 and 65535' },
  ]);
});

t.test('a NOTIFYD_ name with __ that is no option is an error, with a suggestion', async (t) => {
  t.match(issuesOf({ NOTIFYD_SERVER__PROT: '1' }), [
    { key: 'NOTIFYD_SERVER__PROT', reason: /did you mean NOTIFYD_SERVER__PORT/ },
  ]);
  t.equal(load({ NOTIFYD_URL: 'http://x', NOTIFYD_API_KEY: 'k' }).server.port, 8080);
});

t.test('DATABASE_URL names the SQLite file and selects sqlite', async (t) => {
  const cases: [string, string][] = [
    ['sqlite:data/a.db', resolve('/srv/notifyd', 'data/a.db')],
    ['sqlite:///var/lib/b.db', '/var/lib/b.db'],
    ['sqlite://./c.db', resolve('/srv/notifyd', 'c.db')],
    ['file:/var/lib/d.db', '/var/lib/d.db'],
    ['file:///var/lib/e.db', '/var/lib/e.db'],
    ['/var/lib/f.db', '/var/lib/f.db'],
    ['g.db', resolve('/srv/notifyd', 'g.db')],
  ];
  for (const [url, path] of cases) {
    const c = load({ DATABASE_URL: url, NOTIFYD_CONFIG: undefined });
    t.equal(c.store.sqlite.path, path, url);
    t.equal(c.store.backend, 'sqlite', url);
  }
  const dir = t.testdir({ 'm.yaml': 'store:\n  backend: memory\n' });
  t.equal(
    loadConfig({ file: 'm.yaml', env: { DATABASE_URL: 'sqlite:x.db' }, cwd: dir }).store.backend,
    'sqlite',
  );
});

t.test('specific variables win over DATABASE_URL', async (t) => {
  const c = load({ DATABASE_URL: 'sqlite:/a.db', STORE_BACKEND: 'memory' });
  t.equal(c.store.backend, 'memory');
  t.equal(c.store.sqlite.path, '/a.db');
  const d = load({ DATABASE_URL: 'sqlite:/a.db', NOTIFYD_STORE__SQLITE__PATH: '/b.db' });
  t.equal(d.store.sqlite.path, '/b.db');
  const e = load({
    DATABASE_URL: 'postgres://u:pw@h/db',
    NOTIFYD_STORE__POSTGRES__URL: 'postgres://h2/other',
  });
  t.equal(e.store.postgres.url, 'postgres://h2/other');
});

t.test('DATABASE_URL names the PostgreSQL database and selects postgres', async (t) => {
  for (const url of ['postgres://u:pw@h:5433/db', 'postgresql://h/db?sslmode=require']) {
    const c = load({ DATABASE_URL: url });
    t.equal(c.store.backend, 'postgres', url);
    t.equal(c.store.postgres.url, url, url);
  }
  t.equal(
    load({ DATABASE_URL: 'postgres://h/db', STORE_BACKEND: 'sqlite' }).store.backend,
    'sqlite',
  );
});

t.test('REDIS_URL and the Ara backend names set their options', async (t) => {
  const c = load({ REDIS_URL: 'redis://:pw@cache:6380/2', RATELIMIT_BACKEND: 'redis' });
  t.equal(c.store.redis.url, 'redis://:pw@cache:6380/2');
  t.equal(c.store.ratelimit, 'redis');
  t.equal(c.store.backend, 'sqlite', 'the rest stays where it was');
  t.equal(load({}).store.ratelimit, '', 'the same as store.backend by default');
  t.match(issuesOf({ RATELIMIT_BACKEND: 'mongo' }), [{ key: /RATELIMIT_BACKEND/ }]);
});

t.test('other DATABASE_URLs are refused without showing their password', async (t) => {
  for (const [url, reason] of [
    ['redis://:pw@h', 'Redis is set with REDIS_URL'],
    ['mysql://u:pw@h/db', 'the mysql backend is not available in this version'],
  ]) {
    const [issue] = issuesOf({ DATABASE_URL: url });
    t.equal(issue.key, 'DATABASE_URL (store.backend)');
    t.match(issue.reason, reason);
    t.notMatch(issue.value, 'pw');
  }
  t.match(issuesOf({ DATABASE_URL: 'mongodb://h/x' }), [
    { reason: /not a database URL notifyd understands/ },
  ]);
  t.match(issuesOf({ DATABASE_URL: 'data/notes.txt' }), [
    { reason: /use postgres:\/\/…, sqlite:PATH/ },
  ]);
  t.match(issuesOf({ DATABASE_URL: 'admin:pw@db/x' }), [{ value: '********' }]);
});

t.test('every issue is reported at once', async (t) => {
  const issues = issuesOf({ PORT: 'x', LOG_LEVEL: 'loud', NOTIFYD_LOG__ACCESS: 'maybe' });
  t.same(issues.map((i) => i.key).sort(), [
    'LOG_LEVEL (log.level)',
    'NOTIFYD_LOG__ACCESS (log.access)',
    'PORT (server.port)',
  ]);
});
