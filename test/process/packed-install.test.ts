import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The package as users get it: `npm pack`, then `npm install -g` of what it packed, then
 * `notifyd serve` from another folder through the PATH. The install is offline: the
 * lockfile here records no registry addresses, so npm cannot resolve dependencies without
 * the network; the packed package's production dependencies (only those: a runtime import
 * of a devDependency fails here) are linked from this checkout's node_modules, and npm
 * installs the unpacked package globally from its folder.
 */
t.test('npm pack + npm install -g gives a notifyd that serves from any folder', async (t) => {
  t.ok(existsSync(join(ROOT, 'dist/src/cli/main.js')), 'built (npm run build) before packing');
  const dir = t.testdir({ packed: {}, prefix: {}, elsewhere: {} });
  const npm = (args: string[], cwd: string) =>
    run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd,
      timeout: 60_000,
      env: { ...process.env, npm_config_update_notifier: 'false' },
    });

  const { stdout } = await npm(
    ['pack', '--ignore-scripts', '--json', '--pack-destination', join(dir, 'packed')],
    ROOT,
  );
  const [{ filename, files }] = JSON.parse(stdout) as [
    { filename: string; files: Array<{ path: string }> },
  ];
  const paths = files.map((f) => f.path);
  for (const needed of ['bin/notifyd.js', 'config/default.yaml', 'dist/src/cli/main.js']) {
    t.ok(paths.includes(needed), `the package holds ${needed}`);
  }
  t.notOk(
    paths.some((p) => p.startsWith('test/') || p.startsWith('src/')),
    'no sources or tests',
  );

  const unpacked = join(dir, 'packed');
  await run('tar', ['xzf', join(unpacked, filename), '-C', unpacked]);
  const pkg = join(unpacked, 'package');
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; link?: boolean }>;
  };
  const modules = realpathSync(join(ROOT, 'node_modules'));
  for (const [where, entry] of Object.entries(lock.packages)) {
    const name = where.slice('node_modules/'.length);
    if (!where || entry.dev || entry.link || name.includes('/node_modules/')) continue;
    const target = join(pkg, 'node_modules', name);
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(join(modules, name), target);
  }
  const prefix = join(dir, 'prefix');
  await npm(['install', '-g', '--prefix', prefix, '--offline', '--ignore-scripts', pkg], dir);
  const bin = join(prefix, 'bin', 'notifyd');
  t.ok(existsSync(bin), 'npm linked the notifyd command');

  const env = { PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}` };
  const version = await run('notifyd', ['--version'], { env, cwd: join(dir, 'elsewhere') });
  t.equal(
    version.stdout.trim(),
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
  );

  const daemon = spawn('notifyd', ['serve', '--port', '0', '--host', '127.0.0.1'], {
    cwd: join(dir, 'elsewhere'),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => daemon.on('exit', resolve));
  t.teardown(async () => {
    daemon.kill('SIGKILL');
    await exited;
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 30_000);
    daemon.stdout.on('data', (d) => {
      out += d;
      const port = /"port":(\d+)[^\n]*listening/.exec(out)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve(Number(port));
      }
    });
    void exited.then((code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  t.equal(health.status, 200, 'the installed daemon serves');
  t.ok(existsSync(join(dir, 'elsewhere', 'data', 'notifyd.db')), 'its data beside where it ran');
  const listed = await run('notifyd', ['keys', 'list', '--json'], {
    env,
    cwd: join(dir, 'elsewhere'),
  });
  t.ok(JSON.parse(listed.stdout), 'the admin commands find it from the same folder');
  daemon.kill('SIGTERM');
  t.equal(await exited, 0, 'and it stops cleanly');
});
