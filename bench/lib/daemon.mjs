import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ADMIN_KEY = 'nk_bench_admin_key_0123456789abcdef';
export const JWT_SECRET = 'bench_jwt_secret_0123456789abcdef_0123456789';

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 20_000;
const BAD_LEVELS = new Set(['warn', 'error', 'fatal']);
export const POSTGRES_URL =
  process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

let namespaces = 0;

/**
 * A Postgres schema and a Redis key prefix of their own for one daemon, or for several
 * nodes that share them, so that runs never see each other's data. `drop()` removes both:
 * the schema with CASCADE, the keys by SCAN + UNLINK (never KEYS, which blocks Redis).
 */
export function createNamespace() {
  const n = ++namespaces;
  const schema = `notifyd_bench_${process.pid}_${n}`;
  const prefix = `notifyd_bench:${process.pid}:${n}:`;
  return {
    schema,
    prefix,
    env: {
      NOTIFYD_STORE__POSTGRES__URL: POSTGRES_URL,
      NOTIFYD_STORE__POSTGRES__SCHEMA: schema,
      REDIS_URL,
      NOTIFYD_STORE__REDIS__PREFIX: prefix,
    },
    /** Drops the schema and deletes the keys; resolves to how many keys went. */
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
      const redis = new Redis(REDIS_URL, { lazyConnect: true });
      await redis.connect();
      let deleted = 0;
      try {
        // Glob characters in the prefix would widen the match; ours has none.
        let cursor = '0';
        do {
          const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          cursor = nextCursor;
          if (keys.length > 0) deleted += await redis.unlink(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
      return deleted;
    },
  };
}

/**
 * Starts `node bin/notifyd.js serve` as users run it, on a free loopback port, with its
 * state in a fresh temporary folder (sqlite, memory) or in a schema / key prefix of its own
 * (postgres, redis; BENCH_POSTGRES_URL, BENCH_REDIS_URL), which `stop()` removes.
 * `cluster: { nodeId, shared }` starts one node of a cluster instead: cluster mode on, and
 * the schema and prefix of `shared` (from createNamespace()), which the caller drops once
 * every node has stopped. Resolves once the "listening" log line names the port.
 * `problems` collects warn/error log lines and stderr, so a run can report them.
 * BENCH_DAEMON_NODE_ARGS (space-separated) go to the daemon's node alone, for profiling
 * it (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) without profiling the load generator;
 * BENCH_DAEMON_LOG names a file that gets a copy of everything the daemon prints.
 */
export async function startDaemon({ store = 'sqlite', env = {}, cluster = null } = {}) {
  const shared = store === 'postgres' || store === 'redis' || cluster !== null;
  const own = shared && !cluster ? createNamespace() : null;
  const namespace = cluster ? cluster.shared : own;
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
      // Every simulated user connects from 127.0.0.1: the per-address connection rate,
      // meant for real clients, would refuse most of them.
      NOTIFYD_REALTIME__CONNECT_RATE_PER_IP: '0',
      // One admin key sends everything: the default 1,000/minute per key would refuse most
      // of it. A limit too high to reach keeps every request going through the engine.
      NOTIFYD_RATELIMIT__DEFAULT_PER_KEY_PER_MINUTE: '100000000',
      ...(namespace ? namespace.env : {}),
      ...(cluster
        ? { NOTIFYD_CLUSTER__ENABLED: 'true', NOTIFYD_CLUSTER__NODE_ID: cluster.nodeId }
        : {}),
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
    await own?.drop();
    throw err;
  });

  return {
    port,
    pid: child.pid,
    url: `http://127.0.0.1:${port}`,
    dir,
    /** The PostgreSQL schema it writes to (postgres), else null. */
    schema: store === 'postgres' ? namespace.schema : null,
    problems,
    /**
     * SIGTERM, wait for a graceful exit (SIGKILL after a timeout), remove the temp folder
     * and this daemon's own schema and keys (not those of a shared cluster namespace).
     */
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        problems.push(`did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM; killed`);
        child.kill('SIGKILL');
      }, STOP_TIMEOUT_MS);
      const exit = await exited;
      clearTimeout(timer);
      await rm(dir, { recursive: true, force: true });
      await own?.drop();
      if (exit.code !== 0) problems.push(`exit code ${exit.code}, signal ${exit.signal}`);
      return exit;
    },
  };
}

/**
 * `nodes` daemons on `store`: one on its own (nodes = 1), or a cluster of nodes named
 * bench-a, bench-b, … sharing one schema and one prefix (postgres or redis). `stop()` stops
 * them all, then drops what they shared; `problems` gathers theirs, each line naming its node.
 */
export async function startNodes({ store = 'sqlite', nodes = 1 } = {}) {
  if (nodes === 1) {
    const daemon = await startDaemon({ store });
    return { daemons: [daemon], problems: daemon.problems, stop: () => daemon.stop() };
  }
  if (store !== 'postgres' && store !== 'redis') {
    throw new Error(`--nodes ${nodes} needs a shared store (postgres or redis), not ${store}`);
  }
  const shared = createNamespace();
  const daemons = [];
  const stop = async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    await shared.drop();
  };
  try {
    for (let i = 0; i < nodes; i++) {
      const nodeId = `bench-${String.fromCharCode(97 + i)}`;
      daemons.push(await startDaemon({ store, cluster: { nodeId, shared } }));
    }
    await waitForNodes(daemons[0].url, nodes);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    daemons,
    get problems() {
      return daemons.flatMap((d, i) =>
        d.problems.map((line) => `bench-${String.fromCharCode(97 + i)}: ${line}`),
      );
    },
    stop,
  };
}

/** Waits until the cluster status seen from one node lists `count` healthy nodes. */
async function waitForNodes(url, count) {
  const deadline = performance.now() + START_TIMEOUT_MS;
  for (;;) {
    const res = await fetch(`${url}/api/v1/cluster/status`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    const status = res.ok ? await res.json() : null;
    if (status?.healthy_nodes >= count) return;
    if (performance.now() > deadline) {
      throw new Error(`cluster never showed ${count} healthy nodes: ${JSON.stringify(status)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One admin API call to a daemon; resolves to its JSON answer, throws on a status ≥ 300. */
export async function adminApi(daemon, method, path, body) {
  const res = await fetch(`${daemon.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => null);
  if (res.status >= 300) {
    throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  }
  return json;
}
