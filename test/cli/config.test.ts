import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parse } from 'yaml';
import { loadConfigForCli } from '../../src/cli/config.js';
import { CliError, type CliIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';

/** An IO whose output the test reads back. */
function fakeIO(cwd: string, env: Record<string, string> = {}) {
  const out = { stdout: '', stderr: '' };
  const io: CliIO = {
    stdout: { write: (s: string) => (out.stdout += s) },
    stderr: { write: (s: string) => (out.stderr += s) },
    env,
    cwd,
  };
  return { io, out };
}

t.test('config check accepts a valid file and names it', async (t) => {
  const dir = t.testdir({ 'ok.yaml': 'server:\n  port: 9000\n' });
  const { io, out } = fakeIO(dir);
  t.equal(await runCli(['config', 'check', '--config', 'ok.yaml'], io), 0);
  t.equal(out.stdout, `config OK: ${dir}/ok.yaml\n`);
  t.equal(out.stderr, '');
});

t.test('config check with no file says it used defaults and environment', async (t) => {
  const { io, out } = fakeIO(t.testdir({}), { PORT: '9000' });
  t.equal(await runCli(['config', 'check'], io), 0);
  t.equal(out.stdout, 'config OK: defaults + environment\n');
});

t.test('config check prints every issue on its own line and exits non-zero', async (t) => {
  const dir = t.testdir({
    'bad.yaml': 'server:\n  port: 70000\n  prot: 1\nauth:\n  admin_key: 1234567\n',
  });
  const { io, out } = fakeIO(dir, { LOG_LEVEL: 'loud' });
  t.equal(await runCli(['config', 'check', '--config', 'bad.yaml'], io), 1);
  t.equal(out.stdout, '');
  t.equal(
    out.stderr,
    [
      `notifyd: config invalid (${dir}/bad.yaml):`,
      '  server.prot: unknown option; did you mean server.port?',
      '  server.port = 70000: must be between 0 and 65535',
      '  auth.admin_key = ********: must be a string (quote it in YAML)',
      '  LOG_LEVEL (log.level) = "loud": must be one of: fatal, error, warn, info, debug, trace, silent',
      '',
    ].join('\n'),
  );
  t.notMatch(out.stderr, '1234567');
});

t.test('config check reports a missing file and a YAML syntax error', async (t) => {
  const dir = t.testdir({ 'broken.yaml': 'server:\n  port: 1\n host: x\n' });
  const missing = fakeIO(dir);
  t.equal(await runCli(['config', 'check', '--config', 'nope.yaml'], missing.io), 1);
  t.match(missing.out.stderr, `nope.yaml: file not found`);
  const broken = fakeIO(dir);
  t.equal(await runCli(['config', 'check', '--config', 'broken.yaml'], broken.io), 1);
  t.match(
    broken.out.stderr,
    /broken\.yaml: YAML syntax error at line 3, column 1: All mapping items/,
  );
});

t.test('config print shows the effective config as YAML, secrets masked', async (t) => {
  const dir = t.testdir({ 'c.yaml': 'server:\n  port: 9000\n' });
  const { io, out } = fakeIO(dir, { JWT_SECRET: 'very-secret-jwt', LOG_LEVEL: 'debug' });
  t.equal(await runCli(['config', 'print', '--config', 'c.yaml'], io), 0);
  t.notMatch(out.stdout, 'very-secret-jwt');
  const printed = parse(out.stdout);
  t.equal(printed.server.port, 9000);
  t.equal(printed.log.level, 'debug');
  t.equal(printed.auth.jwt.secret, '********');
  t.equal(printed.auth.admin_key, '');
  t.equal(printed.store.sqlite.path, `${dir}/data/notifyd.db`);
});

t.test('config print --json prints JSON', async (t) => {
  const { io, out } = fakeIO(t.testdir({}), { NOTIFYD_ADMIN_KEY: 'admin-key-value' });
  t.equal(await runCli(['config', 'print', '--json'], io), 0);
  const printed = JSON.parse(out.stdout);
  t.equal(printed.auth.admin_key, '********');
  t.equal(printed.server.port, 8080);
  t.notMatch(out.stdout, 'admin-key-value');
});

t.test('config print of an invalid config fails like check', async (t) => {
  const { io, out } = fakeIO(t.testdir({}), { PORT: '12abc' });
  t.equal(await runCli(['config', 'print'], io), 1);
  t.match(out.stderr, 'PORT (server.port) = "12abc": must be an integer');
  t.equal(out.stdout, '');
});

t.test('config example prints ara.example.yaml', async (t) => {
  const { io, out } = fakeIO(t.testdir({}));
  t.equal(await runCli(['config', 'example'], io), 0);
  const committed = readFileSync(
    fileURLToPath(new URL('../../ara.example.yaml', import.meta.url)),
    'utf8',
  );
  t.equal(out.stdout, committed);
});

t.test(
  'loadConfigForCli reads the file from the IO working directory, and converts errors',
  async (t) => {
    const dir = t.testdir({ 'notifyd.yaml': 'server:\n  port: 7000\n' });
    t.equal(loadConfigForCli(fakeIO(dir).io).server.port, 7000);
    t.equal(loadConfigForCli(fakeIO(dir, { PORT: '7001' }).io).server.port, 7001);
    const err = t.throws(() => loadConfigForCli(fakeIO(dir, { PORT: 'x' }).io));
    t.type(err, CliError);
    t.match(err, {
      exitCode: 1,
      message: /^config invalid \(.*notifyd\.yaml\):\n {2}PORT \(server\.port\)/,
    });
  },
);
