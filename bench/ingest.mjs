// Accepted notifications per second over HTTP, and the latency of the 202, against the
// built daemon. Usage: node bench/ingest.mjs [--store sqlite|memory|postgres|redis]
// [--nodes 1] [--connections 64] [--duration 15] [--warmup 3] [--users 1000]
// --nodes 2 (postgres or redis) starts two cluster nodes sharing the store and spreads the
// connections over both.
import autocannon from 'autocannon';
import { cpuMeter } from './lib/cpu.mjs';
import { ADMIN_KEY, startNodes } from './lib/daemon.mjs';
import { daemonView, scrape } from './lib/metrics.mjs';
import { parseArgs } from './lib/stats.mjs';

const opts = parseArgs(process.argv.slice(2), {
  store: 'sqlite',
  nodes: 1,
  connections: 64,
  duration: 15,
  warmup: 3,
  users: 1000,
});

// Prebuilt bodies; a shared counter spreads consecutive requests over all users.
const bodies = Array.from({ length: opts.users }, (_, i) =>
  JSON.stringify({
    recipient_id: `user-${i}`,
    content: { title: 'Hello', body: 'World' },
  }),
);
let next = 0;

// Several urls: autocannon deals the connections out over them round-robin and merges
// the figures.
const load = (urls, duration) =>
  autocannon({
    url: urls.length === 1 ? urls[0] : urls,
    connections: opts.connections,
    pipelining: 1,
    duration,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/notifications',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        setupRequest: (req) => {
          req.body = bodies[next++ % bodies.length];
          return req;
        },
      },
    ],
  });

const cluster = await startNodes({ store: opts.store, nodes: opts.nodes });
const urls = cluster.daemons.map((d) => d.url);
let result;
let cpu;
let inside;
try {
  await load(urls, opts.warmup);
  const scrapesBefore = await Promise.all(urls.map(scrape));
  const meter = cpuMeter(cluster.daemons.map((d) => d.pid));
  result = await load(urls, opts.duration);
  cpu = meter();
  const scrapesAfter = await Promise.all(urls.map(scrape));
  inside = urls.map((_, i) => daemonView(scrapesBefore[i], scrapesAfter[i]));
} finally {
  await cluster.stop();
}
const label = opts.nodes === 1 ? opts.store : `${opts.store} × ${opts.nodes} nodes`;

const accepted = result.statusCodeStats['202']?.count ?? 0;
const summary = {
  bench: 'ingest',
  store: opts.store,
  nodes: opts.nodes,
  connections: opts.connections,
  duration_s: result.duration,
  users: opts.users,
  accepted,
  accepted_per_s: Math.round(accepted / result.duration),
  non_2xx: result.non2xx,
  status_codes: Object.fromEntries(
    Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count]),
  ),
  errors: result.errors,
  timeouts: result.timeouts,
  latency_ms: {
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    mean: result.latency.mean,
  },
  ...cpu,
  // The first node's view; with several nodes, daemon_nodes has each one's.
  daemon: inside[0],
  ...(opts.nodes > 1 ? { daemon_nodes: inside } : {}),
  server_problems: cluster.problems,
};
console.log(
  `ingest ${label}: ${summary.accepted_per_s} accepted/s (${accepted} in ${result.duration} s, ` +
    `${opts.connections} connections), 202 latency p50 ${summary.latency_ms.p50} ms, ` +
    `p99 ${summary.latency_ms.p99} ms, max ${summary.latency_ms.max} ms; non-2xx ${result.non2xx}, ` +
    `errors ${result.errors}; CPU daemon ${cpu.daemon_cores} / generator ${cpu.generator_cores} / ` +
    `redis ${cpu.redis_cores} / postgres ${cpu.postgres_cores} cores`,
);
console.log(JSON.stringify(summary));
