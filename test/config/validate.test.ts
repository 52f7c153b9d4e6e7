import t, { type Test } from 'tap';
import { ConfigError, type ConfigIssue, loadConfig, maskConfig } from '../../src/config/index.js';

/** Loads `yaml` as the config file and returns the issues it raises. */
function issuesFor(
  t: Test,
  yaml: string,
  env: Record<string, string> = {},
): readonly ConfigIssue[] {
  const dir = t.testdir({ 'c.yaml': yaml });
  const err = t.throws(() => loadConfig({ file: 'c.yaml', env, cwd: dir }));
  t.type(err, ConfigError);
  return (err as ConfigError).issues;
}

t.test('unknown keys are rejected by name, at every level, with a suggestion', async (t) => {
  t.match(issuesFor(t, 'server:\n  prot: 1\n'), [
    { key: 'server.prot', value: '', reason: 'unknown option; did you mean server.port?' },
  ]);
  t.match(issuesFor(t, 'store:\n  sqlite:\n    journal: WAL\n'), [
    { key: 'store.sqlite.journal', reason: /^unknown option/ },
  ]);
  t.match(issuesFor(t, 'port: 80\n'), [{ key: 'port', reason: /did you mean server.port/ }]);
  t.match(issuesFor(t, 'plugins:\n  a: 1\n'), [{ key: 'plugins', reason: /^unknown option/ }]);
  const [secret] = issuesFor(t, 'auth:\n  jwt:\n    secrett: hunter2-hunter2\n');
  t.equal(secret.key, 'auth.jwt.secrett');
  t.match(secret.reason, /did you mean auth.jwt.secret/);
  t.equal(
    secret.value,
    '',
    'the value of an unknown key is not shown: it may be a misspelt secret',
  );
});

t.test('wrong types name the key, the value and the reason', async (t) => {
  const issues = issuesFor(
    t,
    [
      'server:',
      '  port: "8080"',
      '  trust_proxy: yes',
      '  body_limit: 2048.5',
      '  host: 127',
      'auth:',
      '  jwt:',
      '    algorithms: HS256',
      'metrics: true',
    ].join('\n'),
  );
  t.same(
    issues.map((i) => [i.key, i.value, i.reason]),
    [
      ['server.host', '127', 'must be a string (quote it in YAML)'],
      ['server.port', '"8080"', 'must be an integer'],
      ['server.body_limit', '2048.5', 'must be an integer'],
      ['server.trust_proxy', '"yes"', 'must be true or false'],
      ['auth.jwt.algorithms', '"HS256"', 'must be a list of strings'],
      ['metrics', 'true', 'must be a section (a mapping of options)'],
    ],
  );
});

t.test('list items are checked', async (t) => {
  t.match(issuesFor(t, 'auth:\n  jwt:\n    algorithms: [HS256, 7]\n'), [
    { key: 'auth.jwt.algorithms[1]', value: '7', reason: 'must be a string (quote it in YAML)' },
  ]);
});

t.test('enums and bounds', async (t) => {
  t.match(issuesFor(t, 'store:\n  backend: mysql\n'), [
    {
      key: 'store.backend',
      value: '"mysql"',
      reason: 'must be one of: sqlite, memory, postgres, redis',
    },
  ]);
  t.match(issuesFor(t, 'server:\n  port: 65536\n'), [
    { key: 'server.port', value: '65536', reason: 'must be between 0 and 65535' },
  ]);
  t.match(issuesFor(t, 'realtime:\n  idle_timeout_s: 1\n'), [
    { key: 'realtime.idle_timeout_s', value: '1', reason: 'must be between 8 and 960' },
  ]);
  t.match(
    issuesFor(t, 'log:\n  level: INFO\n'),
    [{ key: 'log.level', reason: /must be one of/ }],
    'the file is exact about case',
  );
});

t.test('cross-field checks say how to fix the problem', async (t) => {
  t.match(issuesFor(t, 'feed:\n  default_limit: 200\n'), [
    {
      key: 'feed.default_limit',
      value: '200',
      reason: 'must not exceed feed.max_limit (100); lower it or raise feed.max_limit',
    },
  ]);
  t.match(issuesFor(t, 'auth:\n  jwt:\n    algorithms: [HS256]\n'), [
    { key: 'auth.jwt.algorithms', reason: /auth.jwt.secret is empty; set JWT_SECRET/ },
  ]);
  t.match(issuesFor(t, 'auth:\n  jwt:\n    algorithms: [RS256, ES256]\n'), [
    { key: 'auth.jwt.algorithms', reason: /neither auth.jwt.public_key nor auth.jwt.jwks_file/ },
  ]);
  t.match(issuesFor(t, 'auth:\n  jwt:\n    algorithms: [HS256, none]\n'), [
    { reason: /^none is not a token algorithm/ },
  ]);
  t.match(issuesFor(t, 'auth:\n  jwt:\n    algorithms: []\n'), [
    { reason: /at least one algorithm/ },
  ]);
  t.match(
    issuesFor(t, '', { NOTIFYD_WEBHOOKS__DENIED_NETWORKS: '169.254.0.0/16, internal, ::/200' }),
    [
      { key: 'NOTIFYD_WEBHOOKS__DENIED_NETWORKS', value: 'internal', reason: /CIDR/ },
      { key: 'NOTIFYD_WEBHOOKS__DENIED_NETWORKS', value: '::/200', reason: /prefix length/ },
    ],
  );
  t.match(issuesFor(t, 'webhooks:\n  retry_base_ms: 5000\n  retry_max_ms: 1000\n'), [
    { key: 'webhooks.retry_base_ms', reason: /must not exceed webhooks.retry_max_ms \(1000\)/ },
  ]);
  t.match(issuesFor(t, 'feed:\n  default_limit: 20\n', { NOTIFYD_FEED__MAX_LIMIT: '10' }), [
    { key: 'feed.default_limit' },
  ]);
  const dir = t.testdir({});
  t.ok(
    loadConfig({ env: { JWT_SECRET: 'x', NOTIFYD_AUTH__JWT__ALGORITHMS: 'HS256' }, cwd: dir }),
    'HS256 with a secret',
  );
  t.ok(loadConfig({ env: {}, cwd: dir }), 'no JWT key at all is allowed');
});

t.test('secret values are masked in errors', async (t) => {
  const issues = issuesFor(t, 'auth:\n  admin_key: 12345678901234\n  jwt:\n    secret: [a]\n', {
    NOTIFYD_FEED__CURSOR_SECRET: 'c',
  });
  t.same(
    issues.map((i) => [i.key, i.value]),
    [
      ['auth.admin_key', '********'],
      ['auth.jwt.secret', '********'],
    ],
  );
  const dir = t.testdir({ 'c.yaml': 'auth:\n  admin_key: 12345678901234\n' });
  const err = t.throws(() => loadConfig({ file: 'c.yaml', env: {}, cwd: dir })) as Error;
  t.notMatch(err.message, '12345678901234');
  t.match(err.message, 'auth.admin_key = ********: must be a string');
});

t.test('the message lists the source and every issue on its own line', async (t) => {
  const dir = t.testdir({ 'c.yaml': 'server:\n  port: -1\n' });
  const err = t.throws(() =>
    loadConfig({ file: 'c.yaml', env: { LOG_LEVEL: 'x' }, cwd: dir }),
  ) as ConfigError;
  t.equal(
    err.message,
    [
      `invalid configuration (${dir}/c.yaml):`,
      '  server.port = -1: must be between 0 and 65535',
      '  LOG_LEVEL (log.level) = "x": must be one of: fatal, error, warn, info, debug, trace, silent',
    ].join('\n'),
  );
});

t.test('maskConfig replaces non-empty secrets only', async (t) => {
  const config = loadConfig({
    env: { JWT_SECRET: 'jwt-secret', NOTIFYD_ADMIN_KEY: 'admin' },
    cwd: t.testdir({}),
  });
  const masked = maskConfig(config);
  t.equal(masked.auth.jwt.secret, '********');
  t.equal(masked.auth.admin_key, '********');
  t.equal(masked.feed.cursor_secret, '');
  t.equal(masked.server.port, 8080);
  t.equal(config.auth.jwt.secret, 'jwt-secret', 'the config itself is untouched');
});
