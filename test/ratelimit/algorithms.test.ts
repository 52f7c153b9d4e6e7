import t from 'tap';
import { decide } from '../../src/ratelimit/algorithms/decide.js';
import type { LimiterState } from '../../src/ratelimit/algorithms/state.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import type { MemoryRateLimitStore } from '../../src/store/memory/ratelimit.js';
import { SPECS, sequence } from './sequences.js';

const T0 = Date.UTC(2026, 0, 1);

t.test('decide is pure: it never changes the state it is given', async (t) => {
  for (const spec of SPECS) {
    let state: LimiterState | null = null;
    for (let i = 0; i < 40; i++) {
      const now = T0 + i * 97;
      const before = state === null ? null : Object.freeze({ ...state });
      const again = decide(before, spec, 1, now);
      t.same(decide(before, spec, 1, now), again, 'the same answer for the same input');
      if (before) t.same(state, before);
      state = again.state;
    }
  }
});

t.test('retry_after_ms is the first moment the refused cost fits', async (t) => {
  // Without a burst allowance, which may admit sooner than the limit itself would.
  const specs = SPECS.filter((s) => !s.burst);
  const store = createMemoryStore();
  const limiter = store.ratelimit;
  let checked = 0;
  for (const step of sequence(1, 6000, T0)) {
    const spec = specs[SPECS.indexOf(step.spec) % specs.length];
    const d = await limiter.consume(step.key, spec, step.cost, step.now, { dryRun: step.dryRun });
    if (d.allowed) {
      t.equal(d.retry_after_ms, 0);
      continue;
    }
    // A cost above the limit never fits (retry is one window). A dry run stores nothing, so
    // a bucket it found forgotten is still forgotten later, with only its initial tokens.
    if (step.cost > d.limit || step.dryRun) continue;
    const at = step.now + d.retry_after_ms;
    const probe = (when: number) => decide(stateOf(store, step.key), spec, step.cost, when, true);
    if (!probe(at).decision.allowed || (d.retry_after_ms > 0 && probe(at - 1).decision.allowed)) {
      t.fail(`retry ${d.retry_after_ms} ms is not exact`, { step, decision: d });
    }
    checked++;
  }
  t.ok(checked > 100, `${checked} refusals checked`);
  await store.close();
});

t.test('reset_at lies at most a fixed window, or two sliding ones, ahead', async (t) => {
  // Nodes whose clocks differ by up to 300 ms: a state written by one ahead is counted in
  // its window, which ends later than this node's; the reset reported still keeps within
  // the algorithm's reach (the slab of plain fixed windows, and decide(), alike).
  const store = createMemoryStore();
  const reach = { fixed_window: 1, sliding_window: 2 } as Record<string, number>;
  let beyond = 0;
  let atBound = 0;
  for (const seed of [1, 2]) {
    for (const step of sequence(seed, 6000, T0 + seed * 1e9, 300)) {
      const windows = reach[step.spec.algorithm];
      const d = await store.ratelimit.consume(step.key, step.spec, step.cost, step.now, {
        dryRun: step.dryRun,
      });
      t.ok(d.reset_at >= step.now, 'never before now', { step, decision: d });
      if (windows === undefined) continue;
      const bound = step.now + windows * step.spec.window_seconds * 1000;
      if (d.reset_at > bound) beyond++;
      if (d.reset_at === bound) atBound++;
    }
  }
  t.equal(beyond, 0, 'never beyond the reach');
  t.ok(atBound > 0, `${atBound} resets at the bound: the skew reached it`);
  // A plain fixed window, written by a clock 5 ms ahead, read back from behind.
  const fixed = { algorithm: 'fixed_window', max_requests: 5, window_seconds: 60 } as const;
  const start = T0 + 60_000;
  await store.ratelimit.consume('behind', fixed, 1, start + 2);
  const read = await store.ratelimit.consume('behind', fixed, 1, start - 3);
  t.equal(read.used, 2, 'counted in the window of the clock ahead');
  t.equal(read.reset_at, start - 3 + 60_000, 'reported a window from now, not from its start');
  await store.close();
});

t.test('a token bucket never holds more than its size', async (t) => {
  const spec = SPECS.find((s) => s.token_bucket)!;
  let { state } = decide(null, spec, 1, T0);
  for (const later of [1, 10_000, 1e9]) {
    const d = decide(state, spec, 0, T0 + later, true).decision;
    t.ok(d.remaining <= spec.token_bucket!.bucket_size);
    ({ state } = decide(state, spec, 0, T0 + later));
  }
});

t.test('no decision admits more than the limit plus the burst in a window', async (t) => {
  const store = createMemoryStore();
  const spec = SPECS[1]; // fixed window of 5 per second
  let admitted = 0;
  for (let ms = 0; ms < 1000; ms += 3) {
    if ((await store.ratelimit.consume('k', spec, 1, T0 + ms)).allowed) admitted++;
  }
  t.equal(admitted, 5);
  await store.close();
});

/** The memory store's state of a key, read through a dry run's own input. */
function stateOf(store: ReturnType<typeof createMemoryStore>, key: string): LimiterState | null {
  return (store.ratelimit as MemoryRateLimitStore).stateOf(key);
}

t.test(
  'reset_at is when the whole limit is back: a sliding window counts into the next',
  async (t) => {
    // 20 s into a 60 s window: what is counted now weighs in the next window too, until its end,
    // so reset is 100 s away (40 s to this window's end, then 60 s), not 40 s. Retry-After is
    // the time the next unit fits; reset is when nothing is counted any more.
    const windowStart = Date.UTC(2026, 0, 1, 12, 0, 0);
    const now = windowStart + 20_000;
    const sliding = { algorithm: 'sliding_window', max_requests: 60, window_seconds: 60 } as const;
    let state: LimiterState | null = null;
    let last = decide(state, sliding, 1, now);
    for (let i = 0; i < 60; i++) {
      last = decide(state, sliding, 1, now);
      state = last.state;
    }
    t.equal(last.decision.reset_at - now, 100_000, 'a count 20 s in resets 100 s later');
    const refused = decide(state, sliding, 1, now, true).decision;
    t.equal(refused.allowed, false);
    t.ok(refused.retry_after_ms < 100_000, 'the next unit fits before the reset');
    const atReset = decide(state, sliding, 0, last.decision.reset_at, true).decision;
    t.equal(atReset.remaining, 60, 'at reset_at the whole limit is back');
    t.equal(atReset.reset_at, last.decision.reset_at, 'with nothing left to reset');
    const before = decide(state, sliding, 0, last.decision.reset_at - 1000, true).decision;
    t.ok(before.remaining < 60, 'a second before, some is still counted');
    // In the next window, with nothing new counted, reset is that window's end.
    const next = decide(state, sliding, 0, windowStart + 70_000, true).decision;
    t.equal(next.reset_at, windowStart + 120_000);

    const fixed = { algorithm: 'fixed_window', max_requests: 60, window_seconds: 60 } as const;
    t.equal(
      decide(null, fixed, 1, now).decision.reset_at,
      windowStart + 60_000,
      'fixed: window end',
    );
    const bucket = { algorithm: 'token_bucket', max_requests: 60, window_seconds: 60 } as const;
    t.equal(decide(null, bucket, 6, now).decision.reset_at - now, 6_000, 'bucket: full again');
  },
);
