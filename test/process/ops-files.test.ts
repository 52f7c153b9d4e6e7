import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { parse } from 'yaml';
import { BIN, daemonFor } from '../helpers/process.js';

const run = promisify(execFile);
const root = (path: string) => new URL(`../../${path}`, import.meta.url);
const read = (path: string) => readFileSync(root(path), 'utf8');

/** `notifyd config check` with exactly this environment (and PATH). */
async function configCheck(env: Record<string, string>) {
  return run(process.execPath, [BIN, 'config', 'check'], {
    env: { PATH: process.env.PATH ?? '', ...env },
  }).then(
    ({ stdout }) => ({ code: 0, out: stdout }),
    (err: { code: number; stdout: string; stderr: string }) => ({
      code: err.code,
      out: err.stdout + err.stderr,
    }),
  );
}

/** What `systemd-analyze verify` says about a unit file: nothing when it is sound. */
async function verifyUnit(path: string): Promise<string> {
  const { stdout, stderr } = await run('systemd-analyze', ['verify', path]);
  return (stdout + stderr).trim();
}

t.test('the systemd unit verifies cleanly, and the check does see mistakes', async (t) => {
  t.equal(await verifyUnit(root('deploy/notifyd.service').pathname), '');
  const unit = read('deploy/notifyd.service');
  for (const hardening of [
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'DynamicUser=yes',
    'StateDirectory=notifyd',
    'CapabilityBoundingSet=',
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
  ]) {
    t.match(unit, `\n${hardening}\n`, hardening);
  }
  t.notMatch(unit, /MemoryDenyWriteExecute=yes/, "V8's JIT needs writable code pages");
  const broken = join(t.testdir(), 'broken.service');
  writeFileSync(broken, unit.replace('ProtectSystem=strict', 'ProtectSytem=strict'));
  t.match(await verifyUnit(broken), /Unknown key 'ProtectSytem'/);
});

t.test("each Compose node's environment is a valid configuration", async (t) => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string>; healthcheck?: unknown }>;
  };
  // ${NAME:?message} is required from the user's environment: give test values.
  const given: Record<string, string> = {
    POSTGRES_PASSWORD: 'pw',
    NOTIFYD_ADMIN_KEY: 'nk_compose_test_admin_key_0123456789',
    JWT_SECRET: 'compose_test_secret_0123456789abcdef',
  };
  const nodes = Object.entries(compose.services).filter(([name]) => name.startsWith('notifyd'));
  t.equal(nodes.length, 2, 'two nodes');
  const ids = new Set<string>();
  for (const [name, service] of nodes) {
    const env = Object.fromEntries(
      Object.entries(service.environment ?? {}).map(([k, v]) => [
        k,
        String(v).replace(/\$\{(\w+):\?[^}]*\}/g, (_, n: string) => given[n] ?? ''),
      ]),
    );
    t.equal(env.NOTIFYD_CLUSTER__ENABLED, 'true', `${name} runs in cluster mode`);
    t.match(env.DATABASE_URL, /^postgres:\/\/notifyd:pw@postgres:5432\/notifyd$/);
    ids.add(env.NOTIFYD_CLUSTER__NODE_ID ?? '');
    const check = await configCheck(env);
    t.equal(check.code, 0, `${name}: ${check.out}`);
  }
  t.equal(ids.size, 2, 'each node has its own id');
  t.ok(compose.services.postgres?.healthcheck && compose.services.redis?.healthcheck);
});

t.test("the Dockerfile's runtime settings serve, and its health check passes", async (t) => {
  const dockerfile = read('Dockerfile');
  t.match(dockerfile, /^FROM node:20-bookworm-slim AS build$/m, 'a build stage');
  t.match(dockerfile, /^RUN npm install --global --omit=dev .*notifyd-\*\.tgz/m, 'from the pack');
  t.match(dockerfile, /^USER node$/m, 'not root');
  t.match(dockerfile, /^VOLUME \["\/var\/lib\/notifyd"\]$/m);
  const env = Object.fromEntries(
    [...dockerfile.matchAll(/^\s*(?:ENV )?([A-Z_]+)=(\S+?)(?: \\)?$/gm)].map((m) => [m[1], m[2]]),
  );
  t.same(Object.keys(env).sort(), [
    'HOST',
    'NODE_ENV',
    'NOTIFYD_AUTH__BOOTSTRAP_KEY_FILE',
    'NOTIFYD_STORE__SQLITE__PATH',
    'PORT',
  ]);
  // The image's settings, with its volume moved to a temporary folder and any free port.
  const dir = t.testdir();
  const local = Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, v.replace('/var/lib/notifyd', dir)]),
  );
  const check = await configCheck(local);
  t.equal(check.code, 0, check.out);
  const daemon = await daemonFor(t, { ...local, HOST: '127.0.0.1', PORT: '0' }, [], dir);
  const health = /^HEALTHCHECK .*\n\s*CMD (\[.*\])$/m.exec(dockerfile);
  t.ok(health, 'a HEALTHCHECK in exec form');
  const [cmd, ...args] = JSON.parse(health?.[1] ?? '[]') as string[];
  t.equal(cmd, 'node');
  await t.resolves(
    run(process.execPath, args, { env: { PORT: String(daemon.port) } }),
    'the health check passes against a running daemon',
  );
  daemon.child.kill('SIGKILL');
  await daemon.exited;
  await t.rejects(
    run(process.execPath, args, { env: { PORT: String(daemon.port) } }),
    'and fails once it is gone',
  );
});
