import { Writable } from 'node:stream';
import t from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { NotifydError } from '../../src/core/errors.js';
import { createLogger } from '../../src/core/logger.js';
import { type GuardOptions, guardRateLimitStore } from '../../src/ratelimit/guard.js';
import type { LimitSpec, RateLimitStore } from '../../src/ratelimit/spec.js';
import { openRedisStore } from '../../src/store/redis/index.js';
import { deleteKeys } from '../helpers/redis.js';
import { REDIS_URL, requireRedis } from '../helpers/services.js';
import { startProxy } from '../helpers/tcp-proxy.js';

const spec: LimitSpec = { algorithm: 'sliding_window', max_requests: 2, window_seconds: 60 };

/** A logger whose lines the test reads, a fake clock and a counter of store errors. */
function harness(onStoreError: GuardOptions['onStoreError'], timeoutMs = 200) {
  const lines: Array<{ level: string; msg: string; failed?: number }> = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const counted: string[] = [];
  const clock = new FakeClock();
  const options: GuardOptions = {
    onStoreError,
    timeoutMs,
    clock,
    logger: createLogger({ level: 'warn', destination }),
    errors: { inc: ({ on_store_error }) => counted.push(on_store_error) },
  };
  return { lines, counted, clock, options };
}

/** A store whose every call fails as `fail` says. */
function brokenStore(fail: () => Promise<never>): RateLimitStore {
  return { consume: fail, consumeMany: fail, reset: fail, purgeExpired: fail };
}

const unavailable = () => Promise.reject(new NotifydError('STORE_UNAVAILABLE'));

t.test('fail open: allowed unchecked, counted, warned at most every few seconds', async (t) => {
  const { lines, counted, clock, options } = harness('open');
  const guarded = guardRateLimitStore(brokenStore(unavailable), options);
  for (let i = 0; i < 3; i++) {
    t.same(await guarded.consume('k', spec, 1, clock.now()), {
      allowed: true,
      limit: 2,
      remaining: 2,
      used: 0,
      reset_at: clock.now(),
      retry_after_ms: 0,
    });
  }
  t.same(counted, ['open', 'open', 'open']);
  t.equal(lines.length, 1, 'one warning for three failures');
  t.match(lines[0], { level: 'warn', msg: /allowed without a limit/, failed: 1 });
  clock.advance(10_000);
  await guarded.consume('k', spec, 1, clock.now());
  t.equal(lines.length, 2);
  t.match(lines[1], { failed: 3 }, 'the next warning says how many failed since the last');
  await t.rejects(guarded.reset('k'), { code: 'STORE_UNAVAILABLE' }, 'admin calls still fail');
  const batch = await guarded.consumeMany([
    { key: 'a', spec, cost: 1, now: clock.now() },
    { key: 'b', spec, cost: 2, now: clock.now() },
  ]);
  t.same(
    batch.map((d) => [d.allowed, d.used]),
    [
      [true, 0],
      [true, 0],
    ],
    'a batch is let through unchecked too, each request of it',
  );
  t.same(counted, ['open', 'open', 'open', 'open', 'open'], 'counted once per failed call');
});

t.test('fail closed: refused with 503 STORE_UNAVAILABLE', async (t) => {
  const { counted, clock, options, lines } = harness('closed');
  const guarded = guardRateLimitStore(brokenStore(unavailable), options);
  await t.rejects(guarded.consume('k', spec, 1, clock.now()), {
    code: 'STORE_UNAVAILABLE',
    status: 503,
  });
  t.same(counted, ['closed']);
  t.match(lines, [{ msg: /refused with 503/ }]);
  await t.rejects(guarded.consumeMany([{ key: 'k', spec, cost: 1, now: clock.now() }]), {
    code: 'STORE_UNAVAILABLE',
  });
});

t.test('a store that does not answer in time is a store error', async (t) => {
  const { counted, clock, options } = harness('open', 20);
  const guarded = guardRateLimitStore(
    brokenStore(() => new Promise<never>(() => {})),
    options,
  );
  t.match(await guarded.consume('k', spec, 1, clock.now()), { allowed: true });
  t.same(counted, ['open']);
});

t.test('other errors are bugs and pass through', async (t) => {
  const { counted, clock, options } = harness('open');
  const guarded = guardRateLimitStore(
    brokenStore(() => Promise.reject(new TypeError('bug'))),
    options,
  );
  await t.rejects(guarded.consume('k', spec, 1, clock.now()), TypeError);
  t.same(counted, []);
});

if (await requireRedis(t)) {
  const prefix = `notifyd-test:${process.pid}:rl-guard:`;
  t.teardown(() => deleteKeys(REDIS_URL, prefix));
  const { port: redisPort, hostname } = new URL(REDIS_URL);

  for (const cut of ['drop', 'silence'] as const) {
    t.test(`Redis cut off (${cut}): open allows, closed refuses`, async (t) => {
      const proxy = await startProxy(hostname, Number(redisPort || 6379));
      const store = await openRedisStore({
        url: `redis://127.0.0.1:${proxy.port}`,
        prefix,
        connectTimeoutMs: 200,
        commandTimeoutMs: 300,
      });
      t.teardown(async () => {
        await store.close();
        await proxy.drop().catch(() => {});
      });
      const open = harness('open', 200);
      const closed = harness('closed', 200);
      const failOpen = guardRateLimitStore(store.ratelimit, open.options);
      const failClosed = guardRateLimitStore(store.ratelimit, closed.options);
      const now = open.clock.now();
      t.match(await failOpen.consume(`k-${cut}`, spec, 2, now), { allowed: true, remaining: 0 });
      t.match(
        await failClosed.consume(`k-${cut}`, spec, 1, now),
        { allowed: false },
        'while Redis answers, both decide',
      );
      if (cut === 'drop') await proxy.drop();
      else proxy.silence();
      t.match(await failOpen.consume(`k-${cut}`, spec, 1, now), { allowed: true, remaining: 2 });
      await t.rejects(failClosed.consume(`k-${cut}`, spec, 1, now), {
        code: 'STORE_UNAVAILABLE',
      });
      t.same(open.counted, ['open']);
      t.same(closed.counted, ['closed']);
    });
  }
}
