// Many concurrent authenticated WebSocket sessions on one daemon: its resident memory
// before and after, per session, and how long connecting them all takes.
// Usage: node bench/ws-sessions.mjs [--store sqlite] [--sessions 10000] [--processes 2]
// [--concurrency 100] [--settle 3]
// The sessions are held by --processes client processes (lib/session-client.mjs, raw TCP
// WebSockets), never by this one or the daemon, each with up to --concurrency handshakes
// in flight; one user per session (user-0 …), the token in ?token=.

import { startFleet } from './lib/client-fleet.mjs';
import { cpuMeter } from './lib/cpu.mjs';
import { startDaemon } from './lib/daemon.mjs';
import { heapOf, mib, rssOf } from './lib/memory.mjs';
import { scrape } from './lib/metrics.mjs';
import { parseArgs } from './lib/stats.mjs';

const opts = parseArgs(process.argv.slice(2), {
  store: 'sqlite',
  sessions: 10_000,
  processes: 2,
  concurrency: 100,
  settle: 3,
});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const daemon = await startDaemon({ store: opts.store });
let fleet;
let result;
try {
  fleet = await startFleet({ processes: opts.processes, users: opts.sessions });
  // The daemon's baseline: started, idle, its startup garbage given time to go.
  await sleep(opts.settle * 1000);
  const before = { ...rssOf(daemon.pid), ...heapOf(await scrape(daemon.url)) };

  const meter = cpuMeter([daemon.pid, ...fleet.pids]);
  const start = performance.now();
  const connected = await fleet.all('connect', {
    port: daemon.port,
    concurrency: opts.concurrency,
  });
  const connectSeconds = (performance.now() - start) / 1000;
  const cpu = meter();
  await sleep(opts.settle * 1000);
  const after = { ...rssOf(daemon.pid), ...heapOf(await scrape(daemon.url)) };
  const status = await fleet.all('status');

  const open = connected.reduce((n, c) => n + c.open, 0);
  const perSession = (key) => Math.round((after[key] - before[key]) / open);
  result = {
    bench: 'ws-sessions',
    store: opts.store,
    sessions: opts.sessions,
    processes: opts.processes,
    concurrency: opts.concurrency,
    open,
    failed: connected.reduce((n, c) => n + c.failed, 0),
    failures: connected.flatMap((c) => c.failures).slice(0, 20),
    closed_after_open: status.reduce((n, s) => n + s.closed, 0),
    connect_s: Math.round(connectSeconds * 1000) / 1000,
    sessions_per_s: Math.round(open / connectSeconds),
    rss_before_mib: mib(before.rss),
    rss_after_mib: mib(after.rss),
    rss_peak_mib: mib(after.hwm),
    rss_per_session_bytes: perSession('rss'),
    rss_anon_before_mib: mib(before.anon),
    rss_anon_after_mib: mib(after.anon),
    heap_total_before_mib: mib(before.heap_total),
    heap_total_after_mib: mib(after.heap_total),
    heap_used_before_mib: mib(before.heap_used),
    heap_used_after_mib: mib(after.heap_used),
    heap_used_per_session_bytes: perSession('heap_used'),
    external_per_session_bytes: perSession('external'),
    // daemon_cores is the daemon alone; the client processes come under daemon_cores_each[1…].
    daemon_cores: cpu.daemon_cores_each[0],
    clients_cores:
      Math.round(cpu.daemon_cores_each.slice(1).reduce((a, b) => a + b, 0) * 100) / 100,
    other_cores: cpu.other_cores,
    server_problems: daemon.problems,
  };
} finally {
  await fleet?.stop();
  await daemon.stop();
}

console.log(
  `ws-sessions ${opts.store}: ${result.open} sessions open (${result.failed} failed) in ` +
    `${result.connect_s} s = ${result.sessions_per_s}/s; daemon RSS ${result.rss_before_mib} → ` +
    `${result.rss_after_mib} MiB (${result.rss_per_session_bytes} B/session; JS heap ` +
    `${result.heap_used_per_session_bytes} B/session); CPU daemon ${result.daemon_cores} / ` +
    `clients ${result.clients_cores} / other ${result.other_cores} cores`,
);
console.log(JSON.stringify(result));
