// Rate-limit decisions per second and their latency, notifyd's limiter beside
// rate-limiter-flexible doing the same limit: (a) in process (the memory store vs
// RateLimiterMemory), (b) on Redis (the Redis store vs RateLimiterRedis on an ioredis client).
// Runs on the built output: npm run build first.
// Usage: node bench/ratelimit.mjs [--duration 3] [--warmup 1] [--rounds 3] [--keys 50000]
// [--limit 100] [--concurrency 4,64,256] (Redis calls in flight, one comparison each; in
// process each call is awaited in turn)
// BENCH_REDIS_URL: see lib/daemon.mjs. Prints a JSON summary as its last line.
import { cpus, loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { createMemoryStore } from '../dist/src/store/memory/index.js';
import { openRedisStore } from '../dist/src/store/redis/index.js';
import { REDIS_URL } from './lib/daemon.mjs';
import { parseArgs, summarize } from './lib/stats.mjs';

const opts = parseArgs(process.argv.slice(2), {
  duration: 3,
  warmup: 1,
  rounds: 3,
  keys: 50_000,
  limit: 100,
  concurrency: '4,64,256',
});
const keys = Array.from({ length: opts.keys }, (_, i) => `user-${i}`);
/** notifyd's default algorithm, and the one rate-limiter-flexible implements, per second. */
const SLIDING = { algorithm: 'sliding_window', max_requests: opts.limit, window_seconds: 1 };
const FIXED = { algorithm: 'fixed_window', max_requests: opts.limit, window_seconds: 1 };
/** One call in this many is timed, so that timing costs the in-process loop little. */
const SAMPLE = 8;

/**
 * Calls `decide(key)` from `concurrency` loops for `seconds`, each loop awaiting its call
 * before the next; keys go round a large prime stride so that consecutive calls differ.
 * Resolves to calls/s, how many were allowed, and latency percentiles (µs) of a sample.
 */
async function measure(decide, concurrency, seconds) {
  const latencies = [];
  let calls = 0;
  let allowed = 0;
  let next = 0;
  const end = performance.now() + seconds * 1000;
  const loop = async () => {
    while (true) {
      // Checking the clock every call would cost the in-process loop a tenth of its speed.
      if ((calls & 1023) === 0 && performance.now() >= end) return;
      next = (next + 7919) % keys.length;
      const key = keys[next];
      if (calls % SAMPLE === 0) {
        const t0 = performance.now();
        if (await decide(key)) allowed++;
        latencies.push((performance.now() - t0) * 1000);
      } else if (await decide(key)) {
        allowed++;
      }
      calls++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsed = (performance.now() - started) / 1000;
  return {
    decisions_per_s: Math.round(calls / elapsed),
    calls,
    allowed_share: Number((allowed / calls).toFixed(4)),
    latency_us: summarize(latencies),
  };
}

/** rate-limiter-flexible rejects a refused request; both outcomes are decisions. */
const flexible = (limiter) => (key) =>
  limiter.consume(key, 1).then(
    () => true,
    (res) => {
      if (res instanceof Error) throw res;
      return false;
    },
  );

/** Redis' CPU time so far (user + system), in seconds, from INFO. */
async function redisCpu(admin) {
  const info = await admin.info('cpu');
  const field = (name) => Number(info.match(new RegExp(`${name}:([\\d.]+)`))?.[1] ?? Number.NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/**
 * Measures each contender in turn, `opts.rounds` times, starting each round with the next
 * contender so that none always runs first or last on a machine whose speed drifts. Each
 * run has its warm-up. Reports per contender the median of its rounds (decisions/s, p50,
 * p99) and the CPU each decision cost this process and, with `admin`, Redis; the ratio of
 * medians to rate-limiter-flexible's.
 */
async function compare(contenders, concurrency, admin) {
  const names = Object.keys(contenders);
  const runs = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < opts.rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length];
      await measure(contenders[name], concurrency, opts.warmup);
      const cpu0 = process.cpuUsage();
      const redis0 = admin ? await redisCpu(admin) : 0;
      const r = await measure(contenders[name], concurrency, opts.duration);
      const cpu = process.cpuUsage(cpu0);
      r.node_cpu_us_per_decision = (cpu.user + cpu.system) / r.calls;
      if (admin) r.redis_cpu_us_per_decision = (((await redisCpu(admin)) - redis0) * 1e6) / r.calls;
      runs[name].push(r);
    }
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
  };
  const round2 = (x) => Math.round(x * 100) / 100;
  const out = { concurrency };
  for (const name of names) {
    const rs = runs[name];
    out[name] = {
      decisions_per_s: median(rs.map((r) => r.decisions_per_s)),
      rounds: rs.map((r) => r.decisions_per_s),
      allowed_share: median(rs.map((r) => r.allowed_share)),
      latency_us: {
        p50: median(rs.map((r) => r.latency_us.p50)),
        p99: median(rs.map((r) => r.latency_us.p99)),
      },
      node_cpu_us_per_decision: round2(median(rs.map((r) => r.node_cpu_us_per_decision))),
      ...(admin
        ? { redis_cpu_us_per_decision: round2(median(rs.map((r) => r.redis_cpu_us_per_decision))) }
        : {}),
    };
  }
  const ratio = (n) => round2(out[n].decisions_per_s / out.flexible.decisions_per_s);
  out.ratio_sliding = ratio('notifyd_sliding');
  out.ratio_fixed = ratio('notifyd_fixed');
  return out;
}

const results = {
  bench: 'ratelimit',
  keys: opts.keys,
  limit_per_s: opts.limit,
  rounds: opts.rounds,
  duration_s: opts.duration,
};

// (a) In process, one core: the event loop runs one decision at a time.
const memory = createMemoryStore();
results.in_process = await compare(
  {
    notifyd_sliding: (key) =>
      memory.ratelimit.consume(key, SLIDING, 1, Date.now()).then((d) => d.allowed),
    notifyd_fixed: (key) =>
      memory.ratelimit.consume(key, FIXED, 1, Date.now()).then((d) => d.allowed),
    flexible: flexible(
      new RateLimiterMemory({ points: opts.limit, duration: 1, keyPrefix: 'bench' }),
    ),
  },
  1,
);
await memory.close();

// (b) Redis: each decision one round trip; each limiter on an ioredis client of its own
// (notifyd's store opens its own; rate-limiter-flexible gets a default one, as its docs show).
const prefix = `notifyd-bench:${process.pid}:`;
const store = await openRedisStore({ url: REDIS_URL, prefix });
const client = new Redis(REDIS_URL);
const admin = new Redis(REDIS_URL);
results.redis = [];
try {
  const rlf = new RateLimiterRedis({
    storeClient: client,
    points: opts.limit,
    duration: 1,
    keyPrefix: `${prefix}rlflx`,
  });
  for (const concurrency of String(opts.concurrency).split(',').map(Number)) {
    results.redis.push(
      await compare(
        {
          notifyd_sliding: async (key) =>
            (await store.ratelimit.consume(key, SLIDING, 1, Date.now())).allowed,
          notifyd_fixed: async (key) =>
            (await store.ratelimit.consume(key, FIXED, 1, Date.now())).allowed,
          flexible: flexible(rlf),
        },
        concurrency,
        admin,
      ),
    );
  }
} finally {
  // Every key expires by itself within seconds.
  await store.close();
  client.disconnect();
  admin.disconnect();
}

results.machine = `${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}, load ${loadavg()
  .map((x) => x.toFixed(2))
  .join(' ')}`;

const row = (name, r) =>
  `${name.padEnd(34)} ${String(r.decisions_per_s).padStart(10)}/s  p50 ${r.latency_us.p50} µs  p99 ${r.latency_us.p99} µs  CPU/decision: node ${r.node_cpu_us_per_decision} µs${r.redis_cpu_us_per_decision === undefined ? '' : `, Redis ${r.redis_cpu_us_per_decision} µs`}  rounds ${r.rounds.join(' ')}`;
const group = (title, g, sliding, fixed, other) => {
  console.error(title);
  console.error(row(`  ${sliding} (×${g.ratio_sliding})`, g.notifyd_sliding));
  console.error(row(`  ${fixed} (×${g.ratio_fixed})`, g.notifyd_fixed));
  console.error(row(`  ${other}`, g.flexible));
};
console.error(`median of ${opts.rounds} rounds of ${opts.duration} s each`);
group(
  'in process (1 loop):',
  results.in_process,
  'notifyd sliding',
  'notifyd fixed',
  'RateLimiterMemory',
);
for (const g of results.redis) {
  group(
    `Redis (${g.concurrency} in flight):`,
    g,
    'notifyd sliding',
    'notifyd fixed',
    'RateLimiterRedis',
  );
}
console.log(JSON.stringify(results));
