// Runs every benchmark on the memory and the SQLite store, each in its own process and
// against its own daemon, and prints the figures as markdown tables.
// Usage: node bench/run-all.mjs
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { ROOT } from './lib/daemon.mjs';

const STORES = ['memory', 'sqlite'];
const RUN_TIMEOUT_MS = 180_000;

function run(script, store) {
  const args = [`bench/${script}.mjs`, '--store', store];
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

const ingest = STORES.map((store) => run('ingest', store));
const latency = STORES.map((store) => run('latency', store));

function table(headers, rows) {
  console.log(`| ${headers.join(' | ')} |`);
  console.log(`|${headers.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}
const cpu = (r) => `${r.daemon_cores} / ${r.generator_cores} / ${r.other_cores}`;

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
    'daemon loop delay max ms',
    'CPU daemon / generator / other',
    'server warnings',
  ],
  ingest.map((r) => [
    r.store,
    r.connections,
    r.accepted_per_s,
    r.latency_ms.p50,
    r.latency_ms.p99,
    r.latency_ms.max,
    r.non_2xx,
    r.errors + r.timeouts,
    r.daemon.handler_p99_le_ms,
    r.daemon.eventloop_delay_max_ms,
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
    'daemon loop delay max ms',
    'daemon GC n / ms',
    'generator loop delay max ms',
    'CPU daemon / generator / other',
    'server warnings',
  ],
  latency.map((r) => [
    r.store,
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
    r.daemon.eventloop_delay_max_ms,
    `${r.daemon.gc_count} / ${r.daemon.gc_ms}`,
    r.generator_loop_delay_ms.max,
    cpu(r),
    problems(r),
  ]),
);

for (const r of [...ingest, ...latency]) {
  for (const line of r.server_problems) console.log(`\n${r.bench} ${r.store}: ${line}`);
  for (const line of r.sockets_closed_early ?? []) {
    console.log(`\n${r.bench} ${r.store}: socket closed during the run: ${line}`);
  }
}
