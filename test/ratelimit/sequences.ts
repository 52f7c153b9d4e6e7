import type { LimitSpec } from '../../src/ratelimit/spec.js';

/** A small deterministic generator (mulberry32), so that a failing sequence can be replayed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Specs covering every algorithm, with and without burst and penalty box. */
export const SPECS: readonly LimitSpec[] = [
  { algorithm: 'sliding_window', max_requests: 7, window_seconds: 2 },
  { algorithm: 'fixed_window', max_requests: 5, window_seconds: 1 },
  {
    algorithm: 'token_bucket',
    max_requests: 4,
    window_seconds: 1,
    token_bucket: { refill_per_second: 3, bucket_size: 6, initial_tokens: 1 },
  },
  { algorithm: 'token_bucket', max_requests: 3, window_seconds: 3 },
  {
    algorithm: 'sliding_window',
    max_requests: 6,
    window_seconds: 1,
    penalty: { max_requests: 2, duration_seconds: 3 },
  },
  {
    algorithm: 'token_bucket',
    max_requests: 5,
    window_seconds: 2,
    penalty: { max_requests: 1, duration_seconds: 2 },
  },
  {
    algorithm: 'fixed_window',
    max_requests: 3,
    window_seconds: 1,
    burst: { max_burst: 2, burst_window_seconds: 1, cooldown_seconds: 2 },
    penalty: { max_requests: 1, duration_seconds: 2 },
  },
  {
    algorithm: 'sliding_window',
    max_requests: 4,
    window_seconds: 2,
    burst: { max_burst: 3, burst_window_seconds: 1, cooldown_seconds: 0 },
  },
];

/** One call of a sequence. */
export interface Step {
  key: string;
  spec: LimitSpec;
  cost: number;
  now: number;
  dryRun: boolean;
}

/**
 * `n` calls on a few keys, each spec on keys of its own, at irregular times moving forward.
 * `skewMs`: each call's clock is off by up to that much either way (nodes whose clocks
 * differ), so a call may come before the one that wrote the state it reads.
 */
export function sequence(seed: number, n: number, start: number, skewMs = 0): Step[] {
  const next = random(seed);
  const steps: Step[] = [];
  let now = start;
  for (let i = 0; i < n; i++) {
    now += Math.floor(next() ** 3 * 600);
    const s = Math.floor(next() * SPECS.length);
    steps.push({
      key: `k${s}:${Math.floor(next() * 2)}`,
      spec: SPECS[s],
      cost: next() < 0.8 ? 1 : 1 + Math.floor(next() * 4),
      now: skewMs > 0 ? now + Math.round((next() * 2 - 1) * skewMs) : now,
      dryRun: next() < 0.1,
    });
  }
  return steps;
}
