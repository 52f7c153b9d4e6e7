// Scheduler throughput and lateness: N durable jobs due within one window, run by 1 or 3
// scheduler nodes on one store. The nodes are in-process SchedulerRuntime instances, each
// with its own store client (its own connection or pool), as separate daemons would have.
// Runs on the built output: npm run build first.
// Usage: node bench/scheduler.mjs [--store sqlite|postgres|redis] [--nodes 1|3]
// [--jobs 100000] [--spread-ms 60000] [--concurrency N (notifyd's default)] [--poll-ms 1000]
// [--lead-ms 0] (0: time the first jobs' inserts and leave room for the rest, then start)
// Jobs are all inserted first (by every node in turn, 64 in flight), due from a start time
// after the inserts end, spread evenly over --spread-ms; then the nodes start. Measured:
// jobs/s (jobs / (last finish - first due)), lateness (run start - run_at) p50/p99, how long
// after the last due time the last job finished (drain), and doubles (a job whose handler
// ran more than once; must be 0). BENCH_POSTGRES_URL, BENCH_REDIS_URL: see lib/daemon.mjs.
// Prints one readable line, then a JSON summary as its last line.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { systemClock } from '../dist/src/core/clock.js';
import { createIdGenerator } from '../dist/src/core/ids.js';
import { SCHEDULER_OPTIONS } from '../dist/src/scheduler/options.js';
import { SchedulerRuntime } from '../dist/src/scheduler/runtime.js';
import { openPostgresStore } from '../dist/src/store/postgres/index.js';
import { openRedisStore } from '../dist/src/store/redis/index.js';
import { openSqliteStore } from '../dist/src/store/sqlite/index.js';
import { POSTGRES_URL, REDIS_URL } from './lib/daemon.mjs';
import { parseArgs, summarize } from './lib/stats.mjs';

const opts = parseArgs(process.argv.slice(2), {
  store: 'sqlite',
  nodes: 1,
  jobs: 100_000,
  'spread-ms': 60_000,
  concurrency: SCHEDULER_OPTIONS.find((o) => o.path === 'scheduler.concurrency').default,
  'poll-ms': 1000,
  'lead-ms': 0,
});
if (!['sqlite', 'postgres', 'redis'].includes(opts.store)) {
  throw new Error('--store must be sqlite, postgres or redis');
}
const KIND = 'bench.job';
const IN_FLIGHT = 64;
const tag = `bench_sched_${process.pid}_${Date.now()}`;

/** Opens one store client per node on one database; `cleanup` drops what the run made. */
async function openStores() {
  if (opts.store === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'notifyd-bench-sched-'));
    const path = join(dir, 'bench.db');
    const stores = [];
    for (let i = 0; i < opts.nodes; i++) stores.push(openSqliteStore({ path }));
    return { stores, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (opts.store === 'postgres') {
    const stores = [];
    for (let i = 0; i < opts.nodes; i++) {
      stores.push(await openPostgresStore({ url: POSTGRES_URL, schema: tag, poolSize: 8 }));
    }
    const cleanup = async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${tag}" CASCADE`);
      await client.end();
    };
    return { stores, cleanup };
  }
  const prefix = `${tag}:`;
  const stores = [];
  for (let i = 0; i < opts.nodes; i++)
    stores.push(await openRedisStore({ url: REDIS_URL, prefix }));
  const cleanup = async () => {
    const redis = new Redis(REDIS_URL);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
  };
  return { stores, cleanup };
}

const { stores, cleanup } = await openStores();
const ids = createIdGenerator(systemClock);
const runs = new Uint8Array(opts.jobs);
const lateness = [];
let lastFinish = 0;
let ran = 0;
let warnings = 0;
const results = {};
const logger = {
  warn: () => warnings++,
  error: () => warnings++,
  info: () => {},
  debug: () => {},
  trace: () => {},
  child() {
    return this;
  },
};
let allRan;
const allRanP = new Promise((resolve) => {
  allRan = resolve;
});

const runtimes = stores.map((store) => {
  const runtime = new SchedulerRuntime({
    store: store.jobs,
    clock: systemClock,
    ids,
    logger,
    settings: {
      poll_interval_ms: opts['poll-ms'],
      concurrency: opts.concurrency,
      lease_ms: 30_000,
      max_attempts: 5,
      retry_backoff_ms: 5000,
    },
    observer: {
      ran: (_kind, result) => {
        results[result] = (results[result] ?? 0) + 1;
      },
    },
  });
  runtime.register(KIND, (job) => {
    const n = job.payload.n;
    lateness.push(Date.now() - job.run_at);
    runs[n]++;
    lastFinish = Date.now();
    if (runs[n] === 1 && ++ran === opts.jobs) allRan();
  });
  return runtime;
});

/** Inserts jobs [from, to) of `kind`, due at start + their share of the spread. */
async function insert(kind, from, to, start) {
  const step = opts.jobs > 1 ? opts['spread-ms'] / (opts.jobs - 1) : 0;
  let next = from;
  const worker = async (w) => {
    const store = stores[w % stores.length];
    while (next < to) {
      const n = next++;
      await store.jobs.schedule({
        id: ids('job'),
        tenant_id: 'bench',
        kind,
        run_at: Math.round(start + n * step),
        payload: { n },
        key: null,
        created_at: Date.now(),
      });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, (_, w) => worker(w)));
}

// Inserting must end before the first job is due, or lateness would measure the inserts.
let start = Date.now() + opts['lead-ms'];
if (opts['lead-ms'] <= 0) {
  // Time inserting a sample of a kind no node runs, then leave twice the time the rest needs.
  const sample = Math.min(opts.jobs, 2000);
  const probe = Date.now();
  await insert('bench.probe', 0, sample, probe + 3_600_000);
  const perJob = (Date.now() - probe) / sample;
  start = Date.now() + Math.ceil(perJob * opts.jobs * 2) + 2000;
}
const insertStart = Date.now();
await insert(KIND, 0, opts.jobs, start);
const insertMs = Date.now() - insertStart;
const insertOverran = Date.now() > start;

const cpu0 = process.cpuUsage();
for (const runtime of runtimes) await runtime.start();
// Bounded: the window, plus a generous drain; a run that never finishes says so.
const limitMs = start - Date.now() + opts['spread-ms'] + 120_000;
const finished = await Promise.race([
  allRanP.then(() => true),
  new Promise((resolve) => setTimeout(() => resolve(false), limitMs).unref()),
]);
// Let any second run of a job (which would be a double) show itself before counting.
await new Promise((resolve) => setTimeout(resolve, Math.min(2000, opts['poll-ms'] * 2)));
for (const runtime of runtimes) await runtime.stop();
const cpu = process.cpuUsage(cpu0);
for (const store of stores) await store.close();
await cleanup();

let doubles = 0;
let never = 0;
for (const r of runs) {
  if (r > 1) doubles++;
  if (r === 0) never++;
}
const lastDue = start + opts['spread-ms'];
const late = summarize(lateness);
const summary = {
  bench: 'scheduler',
  store: opts.store,
  nodes: opts.nodes,
  in_process_nodes: true,
  jobs: opts.jobs,
  spread_ms: opts['spread-ms'],
  concurrency_per_node: opts.concurrency,
  poll_interval_ms: opts['poll-ms'],
  finished,
  jobs_per_s: Math.round(ran / Math.max(0.001, (lastFinish - start) / 1000)),
  lateness_ms: late,
  drain_ms: lastFinish - lastDue,
  doubles,
  never_ran: never,
  results,
  warnings,
  insert: {
    ms: insertMs,
    per_s: Math.round(opts.jobs / (insertMs / 1000)),
    overran: insertOverran,
  },
  node_cpu_s: Math.round((cpu.user + cpu.system) / 10_000) / 100,
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
  },
};
console.log(
  `scheduler ${opts.store} nodes=${opts.nodes} jobs=${opts.jobs} spread=${opts['spread-ms']}ms: ` +
    `${summary.jobs_per_s} jobs/s, lateness p50 ${late.p50} ms p99 ${late.p99} ms max ${late.max} ms, ` +
    `drain ${summary.drain_ms} ms, doubles ${doubles}, never ran ${never}` +
    `${insertOverran ? ' (inserts overran the start: lateness includes them)' : ''}`,
);
console.log(JSON.stringify(summary));
process.exit(finished && doubles === 0 ? 0 : 1);
