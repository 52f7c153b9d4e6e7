// Rate-limit decisions per second and their latency, notifyd's limiter beside
// rate-limiter-flexible doing the same limit: (a) in process (the memory store vs
// RateLimiterMemory), (b) on Redis (the Redis store vs RateLimiterRedis on an ioredis client).
// Runs on the built output: npm run build first.
// Usage: node bench/ratelimit.mjs [--duration 5] [--warmup 1] [--keys 50000] [--limit 100]
// [--concurrency 64] (Redis calls in flight; in process each call is awaited in turn)
// BENCH_REDIS_URL: see lib/daemon.mjs. Prints a JSON summary as its last line.
import { cpus, loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { createMemoryStore } from '../dist/src/store/memory/index.js';
import { openRedisStore } from '../dist/src/store/redis/index.js';
import { REDIS_URL } from './lib/daemon.mjs';
import { parseArgs, summarize } from './lib/stats.mjs';

const opts = parseArgs(process.argv.slice(2), {
  duration: 5,
  warmup: 1,
  keys: 50_000,
  limit: 100,
  concurrency: 64,
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

/** A warm-up run, then the measured one. */
async function bench(decide, concurrency) {
  await measure(decide, concurrency, opts.warmup);
  return measure(decide, concurrency, opts.duration);
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

const results = { bench: 'ratelimit', keys: opts.keys, limit_per_s: opts.limit };

// (a) In process, one core: the event loop runs one decision at a time.
const memory = createMemoryStore();
results.in_process = {
  concurrency: 1,
  notifyd_sliding: await bench(
    (key) => memory.ratelimit.consume(key, SLIDING, 1, Date.now()).then((d) => d.allowed),
    1,
  ),
  notifyd_fixed: await bench(
    (key) => memory.ratelimit.consume(key, FIXED, 1, Date.now()).then((d) => d.allowed),
    1,
  ),
  flexible: await bench(
    flexible(new RateLimiterMemory({ points: opts.limit, duration: 1, keyPrefix: 'bench' })),
    1,
  ),
};
await memory.close();

// (b) Redis: each decision one round trip; both on an ioredis client of their own.
const prefix = `notifyd-bench:${process.pid}:`;
const store = await openRedisStore({ url: REDIS_URL, prefix });
const client = new Redis(REDIS_URL);
try {
  results.redis = {
    concurrency: opts.concurrency,
    notifyd_sliding: await bench(
      async (key) => (await store.ratelimit.consume(key, SLIDING, 1, Date.now())).allowed,
      opts.concurrency,
    ),
    notifyd_fixed: await bench(
      async (key) => (await store.ratelimit.consume(key, FIXED, 1, Date.now())).allowed,
      opts.concurrency,
    ),
    flexible: await bench(
      flexible(
        new RateLimiterRedis({
          storeClient: client,
          points: opts.limit,
          duration: 1,
          keyPrefix: `${prefix}rlflx`,
        }),
      ),
      opts.concurrency,
    ),
  };
} finally {
  // The keys expire by themselves within seconds; the expiry index goes with a purge.
  await store.ratelimit.purgeExpired(Date.now() + 10_000);
  await store.close();
  client.disconnect();
}

for (const part of [results.in_process, results.redis]) {
  part.ratio_sliding = Number(
    (part.notifyd_sliding.decisions_per_s / part.flexible.decisions_per_s).toFixed(2),
  );
  part.ratio_fixed = Number(
    (part.notifyd_fixed.decisions_per_s / part.flexible.decisions_per_s).toFixed(2),
  );
}
results.machine = `${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}, load ${loadavg()
  .map((x) => x.toFixed(2))
  .join(' ')}`;

const row = (name, r) =>
  `${name.padEnd(34)} ${String(r.decisions_per_s).padStart(10)}/s  p50 ${r.latency_us.p50} µs  p99 ${r.latency_us.p99} µs  allowed ${(r.allowed_share * 100).toFixed(1)}%`;
console.error(`in process (1 loop):`);
console.error(row('  notifyd memory, sliding window', results.in_process.notifyd_sliding));
console.error(row('  notifyd memory, fixed window', results.in_process.notifyd_fixed));
console.error(row('  RateLimiterMemory', results.in_process.flexible));
console.error(`Redis (${opts.concurrency} in flight):`);
console.error(row('  notifyd redis, sliding window', results.redis.notifyd_sliding));
console.error(row('  notifyd redis, fixed window', results.redis.notifyd_fixed));
console.error(row('  RateLimiterRedis', results.redis.flexible));
console.log(JSON.stringify(results));
