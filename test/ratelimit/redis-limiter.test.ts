import t from 'tap';
import type { Decision, LimitSpec } from '../../src/ratelimit/spec.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { createRedisClient } from '../../src/store/redis/connection.js';
import { openRedisStore } from '../../src/store/redis/index.js';
import { RATELIMIT } from '../../src/store/redis/lua/ratelimit.js';
import { deleteKeys } from '../helpers/redis.js';
import { REDIS_URL, requireRedis } from '../helpers/services.js';
import { sequence } from './sequences.js';

const T0 = Date.UTC(2026, 0, 1);

if (await requireRedis(t)) {
  const base = `notifyd-test:${process.pid}:rl:`;
  t.teardown(() => deleteKeys(REDIS_URL, base));

  // Redis 7 runs the library as functions; older servers, or an ACL without FUNCTION, as
  // scripts. The same Lua either way, and both must decide as the TypeScript does.
  for (const mode of ['functions', 'scripts'] as const) {
    t.test(`the Lua library (as ${mode}) decides exactly as the TypeScript`, async (t) => {
      const client = createRedisClient({ url: REDIS_URL });
      t.teardown(() => client.disconnect());
      const redis = await openRedisStore({ client, prefix: `${base}twin-${mode}:` });
      t.teardown(() => redis.close());
      t.equal(await RATELIMIT.mode(client, mode === 'scripts' ? 'scripts' : undefined), mode);
      const memory = createMemoryStore();
      // Seed 4: nodes whose clocks differ by up to 300 ms, reading state from the future.
      for (const seed of [1, 2, 3, 4]) {
        const skew = seed === 4 ? 300 : 0;
        for (const [i, step] of sequence(seed, 1500, T0 + seed * 1e9, skew).entries()) {
          const options = { dryRun: step.dryRun };
          const expected = await memory.ratelimit.consume(
            step.key,
            step.spec,
            step.cost,
            step.now,
            options,
          );
          const actual = await redis.ratelimit.consume(
            step.key,
            step.spec,
            step.cost,
            step.now,
            options,
          );
          if (!same(actual, expected)) {
            t.same(actual, expected, `seed ${seed}, step ${i}`, { step });
            return;
          }
        }
      }
      t.pass('every decision of 6,000 the same');
    });
  }

  t.test('two nodes on separate connections admit one limit between them', async (t) => {
    const prefix = `${base}shared:`;
    const a = await openRedisStore({ url: REDIS_URL, prefix });
    const b = await openRedisStore({ url: REDIS_URL, prefix });
    t.teardown(() => Promise.all([a.close(), b.close()]));
    const specs: LimitSpec[] = [
      { algorithm: 'sliding_window', max_requests: 100, window_seconds: 60 },
      { algorithm: 'token_bucket', max_requests: 100, window_seconds: 60 },
      { algorithm: 'fixed_window', max_requests: 100, window_seconds: 60 },
    ];
    for (const spec of specs) {
      // 2 × 400 requests in flight at once, interleaved on the two connections.
      const calls = Array.from({ length: 800 }, (_, i) =>
        (i % 2 ? a : b).ratelimit.consume(`hot-${spec.algorithm}`, spec, 1, T0 + (i % 50)),
      );
      const decisions = await Promise.all(calls);
      t.equal(decisions.filter((d) => d.allowed).length, 100, spec.algorithm);
    }
  });
}

function same(a: Decision, b: Decision): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
