import t from 'tap';
import { decide, decideInPlace } from '../../src/ratelimit/algorithms/decide.js';
import type { LimiterState } from '../../src/ratelimit/algorithms/state.js';
import type { LimitSpec } from '../../src/ratelimit/spec.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { random, SPECS } from '../ratelimit/sequences.js';

/**
 * The memory store keeps keys counted by plain fixed windows (per-user caps) as five numbers
 * in a slab instead of a LimiterState object (store/memory/fixed-windows.ts). It must decide
 * exactly as the generic decideInPlace() on objects, which this replays: keys shared by every
 * spec (a key moves between the slab and an object as its limit changes algorithm), dry runs,
 * fractional costs, costs above the limit, resets and purges.
 */

const T0 = Date.UTC(2026, 0, 1);
const PLAIN: readonly LimitSpec[] = [
  { algorithm: 'fixed_window', max_requests: 5, window_seconds: 1 },
  { algorithm: 'fixed_window', max_requests: 3, window_seconds: 2 },
  { algorithm: 'fixed_window', max_requests: 2.5, window_seconds: 0.5 },
];

/** The store as it was: every key an object, decided by decide()/decideInPlace(). */
class Reference {
  states = new Map<string, LimiterState>();
  consume(key: string, spec: LimitSpec, cost: number, now: number, dryRun: boolean) {
    const stored = this.states.get(key);
    if (dryRun) return decide(stored ?? null, spec, cost, now, true).decision;
    if (stored) {
      const decision = decideInPlace(stored, false, spec, cost, now);
      if (stored.expires_at <= now) this.states.delete(key);
      return decision;
    }
    const { decision, state } = decide(null, spec, cost, now);
    if (state && state.expires_at > now) this.states.set(key, state);
    return decision;
  }
  purge(now: number) {
    let n = 0;
    for (const [key, s] of this.states) {
      if (s.expires_at <= now) {
        this.states.delete(key);
        n++;
      }
    }
    return n;
  }
}

t.test('plain fixed windows decide as decideInPlace() on objects', async (t) => {
  for (const seed of [1, 2, 3, 4]) {
    const next = random(seed);
    const store = createMemoryStore();
    const ref = new Reference();
    // Mostly plain fixed windows, as caps count; the other specs now and then on the same keys.
    const specs = [...PLAIN, ...PLAIN, ...PLAIN, ...SPECS];
    let now = T0 + seed * 1e9;
    for (let i = 0; i < 4000; i++) {
      now += Math.floor(next() ** 3 * 900);
      const key = `k${Math.floor(next() * 6)}`;
      const roll = next();
      if (roll < 0.01) {
        await store.ratelimit.reset(key);
        ref.states.delete(key);
        continue;
      }
      if (roll < 0.03) {
        const purged = await store.ratelimit.purgeExpired(now);
        if (purged !== ref.purge(now)) {
          t.fail(`seed ${seed}, step ${i}: purged ${purged}`);
          return;
        }
        continue;
      }
      const spec = specs[Math.floor(next() * specs.length)] as LimitSpec;
      const r = next();
      const cost = r < 0.7 ? 1 : r < 0.8 ? 0.5 + next() : r < 0.9 ? 8 : 1 + Math.floor(next() * 3);
      const dryRun = next() < 0.1;
      const actual = await store.ratelimit.consume(key, spec, cost, now, { dryRun });
      const expected = ref.consume(key, spec, cost, now, dryRun);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        t.same(actual, expected, `seed ${seed}, step ${i}`, { key, spec, cost, now, dryRun });
        return;
      }
    }
    await store.close();
  }
  t.pass('every decision of 4 × 4,000 steps the same, fields in the same order');
});

t.test('a cap key of each hour is freed once its window ends', async (t) => {
  const store = createMemoryStore();
  const spec: LimitSpec = { algorithm: 'fixed_window', max_requests: 10, window_seconds: 3600 };
  const hour = Date.UTC(2026, 4, 12, 10);
  for (let u = 0; u < 1000; u++)
    await store.ratelimit.consume(`cap:t:u${u}:push:*:${hour}`, spec, 1, hour + u);
  const again = await store.ratelimit.consume(`cap:t:u7:push:*:${hour}`, spec, 1, hour + 5000);
  t.match(again, { allowed: true, used: 2, remaining: 8, reset_at: hour + 3_600_000 });
  t.equal(await store.ratelimit.purgeExpired(hour + 3_599_999), 0, 'none before the hour ends');
  t.equal(await store.ratelimit.purgeExpired(hour + 3_600_000), 1000, 'all at its end');
  const fresh = await store.ratelimit.consume(`cap:t:u7:push:*:${hour}`, spec, 1, hour + 3_600_000);
  t.match(fresh, { allowed: true, used: 1 });
  await store.close();
});
