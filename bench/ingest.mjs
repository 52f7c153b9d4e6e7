// Accepted notifications per second over HTTP, and the latency of the 202, against the
// built daemon. Usage: node bench/ingest.mjs [--store sqlite|memory] [--connections 64]
// [--duration 15] [--warmup 3] [--users 1000]
import autocannon from 'autocannon';
import { cpuMeter } from './lib/cpu.mjs';
import { ADMIN_KEY, startDaemon } from './lib/daemon.mjs';
import { daemonView, scrape } from './lib/metrics.mjs';
import { parseArgs } from './lib/stats.mjs';

const opts = parseArgs(process.argv.slice(2), {
  store: 'sqlite',
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

const load = (url, duration) =>
  autocannon({
    url,
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

const daemon = await startDaemon({ store: opts.store });
let result;
let cpu;
let inside;
try {
  await load(daemon.url, opts.warmup);
  const scrapeBefore = await scrape(daemon.url);
  const meter = cpuMeter(daemon.pid);
  result = await load(daemon.url, opts.duration);
  cpu = meter();
  inside = daemonView(scrapeBefore, await scrape(daemon.url));
} finally {
  await daemon.stop();
}

const accepted = result.statusCodeStats['202']?.count ?? 0;
const summary = {
  bench: 'ingest',
  store: opts.store,
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
  daemon: inside,
  server_problems: daemon.problems,
};
console.log(
  `ingest ${opts.store}: ${summary.accepted_per_s} accepted/s (${accepted} in ${result.duration} s, ` +
    `${opts.connections} connections), 202 latency p50 ${summary.latency_ms.p50} ms, ` +
    `p99 ${summary.latency_ms.p99} ms, max ${summary.latency_ms.max} ms; non-2xx ${result.non2xx}, ` +
    `errors ${result.errors}; CPU daemon ${cpu.daemon_cores} / generator ${cpu.generator_cores} cores`,
);
console.log(JSON.stringify(summary));
