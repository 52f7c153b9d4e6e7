// Runs every benchmark on the memory, SQLite, PostgreSQL and Redis stores, each in its own
// process and against its own daemon, then both again on two cluster nodes sharing
// PostgreSQL and Redis, then the real-time gateway's (10,000 WebSocket sessions, channel
// fan-out to them, sequential and pipelined) on SQLite, and prints the figures as markdown
// tables.
// Usage: node bench/run-all.mjs (BENCH_POSTGRES_URL, BENCH_REDIS_URL: see lib/daemon.mjs)
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { ROOT } from './lib/daemon.mjs';

const STORES = ['memory', 'sqlite', 'postgres', 'redis'];
/** Two nodes sharing Postgres (and Redis for the cluster), after the single-node runs. */
const CLUSTER = { store: 'postgres', nodes: 2 };
const RUN_TIMEOUT_MS = 180_000;

/** Sends in flight in the fan-out runs: one at a time, then pipelined. */
const FANOUT_IN_FLIGHT = [1, 16];

function run(script, store, nodes = 1, extra = []) {
  const args = [`bench/${script}.mjs`, '--store', store, ...extra];
  if (nodes > 1) args.push('--nodes', String(nodes));
  console.error(`$ node ${args.join(' ')}`);
  const out = execFileSync(process.execPath, args, {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: RUN_TIMEOUT_MS,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = out.trim().split('\n');
  console.error(lines.slice(0, -1).join('\n'));
  return JSON.parse(lines.at(-1));
}

const problems = (r) => (r.server_problems.length ? r.server_problems.length : 'none');

const load = loadavg().map((x) => x.toFixed(2));
console.log(
  `Machine: ${cpus().length} × ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
    `Node ${process.version}; load average before the run ${load.join(' ')}\n`,
);

const ingest = [
  ...STORES.map((store) => run('ingest', store)),
  run('ingest', CLUSTER.store, CLUSTER.nodes),
];
const latency = [
  ...STORES.map((store) => run('latency', store)),
  run('latency', CLUSTER.store, CLUSTER.nodes),
];
const sessions = run('ws-sessions', 'sqlite');
const fanout = FANOUT_IN_FLIGHT.map((n) => run('fanout', 'sqlite', 1, ['--in-flight', String(n)]));
const name = (r) => (r.nodes > 1 ? `${r.store} × ${r.nodes} nodes` : r.store);

/** The rate limiter beside rate-limiter-flexible; it needs no daemon, only Redis. */
function runRatelimit() {
  const args = ['bench/ratelimit.mjs'];
  console.error(`$ node ${args.join(' ')}`);
  const out = execFileSync(process.execPath, args, {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: RUN_TIMEOUT_MS,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').at(-1));
}
const ratelimit = runRatelimit();

function table(headers, rows) {
  console.log(`| ${headers.join(' | ')} |`);
  console.log(`|${headers.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}
const cpu = (r) =>
  `${r.daemon_cores} / ${r.generator_cores} / ${r.redis_cores} / ${r.postgres_cores} / ${r.other_cores}`;

console.log('### Ingest: `POST /api/v1/notifications`, 202s per second\n');
table(
  [
    'store',
    'connections',
    'accepted/s',
    '202 p50 ms',
    '202 p99 ms',
    '202 max ms',
    'non-2xx',
    'errors',
    'daemon handler p99 ≤ ms',
    'daemon loop delay max ms ¹',
    'CPU daemon / generator / redis / postgres / other',
    'server warnings',
  ],
  ingest.map((r) => [
    name(r),
    r.connections,
    r.accepted_per_s,
    r.latency_ms.p50,
    r.latency_ms.p99,
    r.latency_ms.max,
    r.non_2xx,
    r.errors + r.timeouts,
    r.daemon.handler_p99_le_ms,
    (r.daemon_nodes ?? [r.daemon]).map((d) => d.eventloop_delay_max_ms).join(' + '),
    cpu(r),
    problems(r),
  ]),
);

console.log('\n### Send → WebSocket receive latency\n');
table(
  [
    'store',
    'users',
    'rate/s',
    'sent',
    'received',
    'lost',
    'p50 ms',
    'p99 ms',
    'p99.9 ms',
    'max ms',
    '202 p99 ms',
    'daemon loop delay max ms ¹',
    'daemon GC n / ms ¹',
    'generator loop delay max ms',
    'CPU daemon / generator / redis / postgres / other',
    'server warnings',
  ],
  latency.map((r) => [
    name(r),
    r.users,
    r.achieved_rate,
    r.sent,
    r.received,
    r.lost,
    r.latency_ms.p50,
    r.latency_ms.p99,
    r.latency_ms.p999,
    r.latency_ms.max,
    r.http_202_ms.p99,
    (r.daemon_nodes ?? [r.daemon]).map((d) => d.eventloop_delay_max_ms).join(' + '),
    (r.daemon_nodes ?? [r.daemon]).map((d) => `${d.gc_count} / ${d.gc_ms}`).join(' + '),
    r.generator_loop_delay_ms.max,
    cpu(r),
    problems(r),
  ]),
);

console.log(
  '\n¹ With two nodes: node A + node B (in the latency run, A takes the sends and B holds the ' +
    'sockets). CPU "daemon" is the sum over the nodes.',
);

console.log('\n### WebSocket sessions: daemon memory and connect time\n');
table(
  [
    'store',
    'sessions open',
    'failed',
    'connect s',
    'sessions/s',
    'RSS before MiB',
    'RSS after MiB',
    'RSS peak MiB',
    'RSS per session B',
    'CPU daemon / clients / other',
  ],
  [sessions].map((r) => [
    r.store,
    r.open,
    r.failed,
    r.connect_s,
    r.sessions_per_s,
    r.rss_before_mib,
    r.rss_after_mib,
    r.rss_peak_mib,
    r.rss_per_session_bytes,
    `${r.daemon_cores} / ${r.clients_cores} / ${r.other_cores}`,
  ]),
);

console.log('\n### Channel fan-out: deliveries per second\n');
table(
  [
    'store',
    'subscribers',
    'messages',
    'in flight',
    'received / expected',
    'seconds',
    'deliveries/s',
    '202 p50 ms',
    'CPU daemon / clients / sender / other',
  ],
  fanout.map((r) => [
    r.store,
    r.sessions,
    r.messages,
    r.in_flight,
    `${r.received} / ${r.expected}`,
    r.seconds,
    r.deliveries_per_s,
    r.accept_ms.p50,
    `${r.daemon_cores} / ${r.clients_cores} / ${r.generator_cores} / ${r.other_cores}`,
  ]),
);

for (const r of [...ingest, ...latency, sessions, ...fanout]) {
  for (const line of r.server_problems) console.log(`\n${r.bench} ${name(r)}: ${line}`);
  for (const line of r.sockets_closed_early ?? []) {
    console.log(`\n${r.bench} ${name(r)}: socket closed during the run: ${line}`);
  }
}

console.log(
  `\n### Rate-limit decisions: notifyd vs rate-limiter-flexible (${ratelimit.limit_per_s}/s per key, ${ratelimit.keys} keys, median of ${ratelimit.rounds} rounds of ${ratelimit.duration_s} s)\n`,
);
const rl = (where, engine, r, ratio) => [
  where,
  engine,
  r.decisions_per_s,
  r.latency_us.p50,
  r.latency_us.p99,
  r.node_cpu_us_per_decision,
  r.redis_cpu_us_per_decision ?? '',
  ratio ?? '',
];
const rlGroup = (where, g, flexibleName) => [
  rl(where, 'notifyd sliding window', g.notifyd_sliding, g.ratio_sliding),
  rl(where, 'notifyd fixed window', g.notifyd_fixed, g.ratio_fixed),
  rl(where, flexibleName, g.flexible),
];
table(
  [
    'where',
    'limiter',
    'decisions/s',
    'p50 µs',
    'p99 µs',
    'node CPU µs/decision',
    'Redis CPU µs/decision',
    'notifyd / flexible',
  ],
  [
    ...rlGroup('in process', ratelimit.in_process, 'RateLimiterMemory'),
    ...ratelimit.redis.flatMap((g) =>
      rlGroup(`Redis, ${g.concurrency} in flight`, g, 'RateLimiterRedis'),
    ),
  ],
);
