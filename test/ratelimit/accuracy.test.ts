import t from 'tap';
import type { LimitSpec } from '../../src/ratelimit/spec.js';
import { createMemoryStore } from '../../src/store/memory/index.js';

const T0 = Date.UTC(2026, 0, 1);
const LIMIT = 100;
const WINDOW_MS = 60_000;
const WINDOWS = 200;

/** The exact answer: admit when fewer than LIMIT admitted requests lie in the last window. */
function slidingLog(arrivals: number[]): number {
  const admitted: number[] = [];
  let oldest = 0;
  for (const at of arrivals) {
    while (oldest < admitted.length && admitted[oldest] <= at - WINDOW_MS) oldest++;
    if (admitted.length - oldest < LIMIT) admitted.push(at);
  }
  return admitted.length;
}

/** Arrivals at a steady `rate` (times the limit), offset so they do not align with windows. */
function steady(rate: number): number[] {
  const gap = WINDOW_MS / (LIMIT * rate);
  const arrivals: number[] = [];
  for (let at = T0 + 7; at < T0 + WINDOWS * WINDOW_MS; at += gap) arrivals.push(Math.floor(at));
  return arrivals;
}

t.test('the sliding-window counter admits within 1% of an exact sliding log', async (t) => {
  const spec: LimitSpec = {
    algorithm: 'sliding_window',
    max_requests: LIMIT,
    window_seconds: WINDOW_MS / 1000,
  };
  for (const rate of [0.5, 0.99, 1.1, 1.5, 2, 3.7, 10]) {
    const store = createMemoryStore();
    const arrivals = steady(rate);
    let admitted = 0;
    for (const at of arrivals) {
      if ((await store.ratelimit.consume('k', spec, 1, at)).allowed) admitted++;
    }
    const exact = slidingLog(arrivals);
    const error = Math.abs(admitted - exact) / exact;
    t.ok(error <= 0.01, `at ${rate}× the limit: ${admitted} admitted, exactly ${exact}`, {
      error,
    });
    await store.close();
  }
});
