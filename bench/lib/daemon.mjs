import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ADMIN_KEY = 'nk_bench_admin_key_0123456789abcdef';
export const JWT_SECRET = 'bench_jwt_secret_0123456789abcdef_0123456789';

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 20_000;
const BAD_LEVELS = new Set(['warn', 'error', 'fatal']);

/**
 * Starts `node bin/notifyd.js serve` as users run it, on a free loopback port, with its
 * state in a fresh temporary folder. Resolves once the "listening" log line names the port.
 * `problems` collects warn/error log lines and stderr, so a run can report them.
 * BENCH_DAEMON_NODE_ARGS (space-separated) go to the daemon's node alone, for profiling
 * it (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) without profiling the load generator;
 * BENCH_DAEMON_LOG names a file that gets a copy of everything the daemon prints.
 */
export async function startDaemon({ store = 'sqlite', env = {} } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'notifyd-bench-'));
  const nodeArgs = (process.env.BENCH_DAEMON_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, 'bin/notifyd.js', 'serve'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      NOTIFYD_ADMIN_KEY: ADMIN_KEY,
      JWT_SECRET,
      NOTIFYD_STORE__BACKEND: store,
      NOTIFYD_STORE__SQLITE__PATH: join(dir, 'notifyd.db'),
      NOTIFYD_AUTH__BOOTSTRAP_KEY_FILE: '',
      LOG_LEVEL: 'info',
      ...env,
    },
  });
  const problems = [];
  if (process.env.BENCH_DAEMON_LOG) {
    const copy = createWriteStream(process.env.BENCH_DAEMON_LOG, { flags: 'a' });
    child.stdout.pipe(copy);
    child.stderr.pipe(copy);
  }
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    if (problems.length < 100) problems.push(`stderr: ${chunk.trimEnd()}`);
  });

  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('daemon did not log "listening"')),
      START_TIMEOUT_MS,
    );
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(
          `daemon exited before listening (code ${code}, signal ${signal}): ${problems.join('\n')}`,
        ),
      );
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      let entry;
      try {
        entry = JSON.parse(line);
      } catch {
        if (problems.length < 100) problems.push(`stdout: ${line}`);
        return;
      }
      if (BAD_LEVELS.has(entry.level) && problems.length < 100) problems.push(line);
      if (
        typeof entry.msg === 'string' &&
        entry.msg.includes('listening') &&
        typeof entry.port === 'number'
      ) {
        clearTimeout(timer);
        resolve(entry.port);
      }
    });
  }).catch(async (err) => {
    child.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
    throw err;
  });

  return {
    port,
    pid: child.pid,
    url: `http://127.0.0.1:${port}`,
    dir,
    problems,
    /** SIGTERM, wait for a graceful exit (SIGKILL after a timeout), remove the temp folder. */
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        problems.push(`did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM; killed`);
        child.kill('SIGKILL');
      }, STOP_TIMEOUT_MS);
      const exit = await exited;
      clearTimeout(timer);
      await rm(dir, { recursive: true, force: true });
      if (exit.code !== 0) problems.push(`exit code ${exit.code}, signal ${exit.signal}`);
      return exit;
    },
  };
}
