import type { Test } from 'tap';
import type { ConsumeRequest, LimitSpec } from '../../../src/ratelimit/spec.js';
import { type MakeStore, storeFor } from './fixtures.js';

/** A multiple of every window below, so windows start at T0. */
const T0 = Date.UTC(2026, 0, 1);
const S = 1000;

const fixed: LimitSpec = { algorithm: 'fixed_window', max_requests: 3, window_seconds: 10 };
const sliding: LimitSpec = { algorithm: 'sliding_window', max_requests: 10, window_seconds: 10 };
const bucket: LimitSpec = {
  algorithm: 'token_bucket',
  max_requests: 5,
  window_seconds: 10,
  token_bucket: { refill_per_second: 1, bucket_size: 5, initial_tokens: 2 },
};

/**
 * Rate-limit state: each algorithm's decisions, burst, penalty box, reset and purging. A
 * store whose state `expiresByItself` forgets nothing in purgeExpired (it resolves to 0);
 * every decision must still be the same.
 */
export function ratelimitContract(t: Test, make: MakeStore, expiresByItself: boolean): void {
  /** What purgeExpired forgets: `n` entries, or none where the store forgets them itself. */
  const purged = (n: number) => (expiresByItself ? 0 : n);

  t.test('fixed window: the limit per window, then refusals until the next one', async (t) => {
    const { ratelimit } = await storeFor(t, make);
    t.same(await ratelimit.consume('k', fixed, 1, T0), {
      allowed: true,
      limit: 3,
      remaining: 2,
      used: 1,
      reset_at: T0 + 10 * S,
      retry_after_ms: 0,
    });
    await ratelimit.consume('k', fixed, 1, T0 + 1);
    t.match(await ratelimit.consume('k', fixed, 1, T0 + 2), { allowed: true, remaining: 0 });
    t.same(await ratelimit.consume('k', fixed, 1, T0 + 2500), {
      allowed: false,
      limit: 3,
      remaining: 0,
      used: 3,
      reset_at: T0 + 10 * S,
      retry_after_ms: 7500,
    });
    t.match(await ratelimit.consume('other', fixed, 1, T0 + 2500), { allowed: true, used: 1 });
    t.match(
      await ratelimit.consume('k', fixed, 1, T0 + 10 * S),
      { allowed: true, remaining: 2, reset_at: T0 + 20 * S },
      'a new window starts at 0',
    );
  });

  t.test('sliding window: the previous window weighs as much as still overlaps', async (t) => {
    const { ratelimit } = await storeFor(t, make);
    t.match(await ratelimit.consume('k', sliding, 10, T0), {
      allowed: true,
      remaining: 0,
      used: 10,
      reset_at: T0 + 20 * S,
    });
    t.match(
      await ratelimit.consume('k', sliding, 1, T0 + S),
      { allowed: false, retry_after_ms: 9 * S + 1 },
      'the next window starts with all 10 weighing; they weigh 9 (rounded down) 1 ms later',
    );
    t.match(await ratelimit.consume('k', sliding, 1, T0 + 10 * S), {
      allowed: false,
      used: 10,
      retry_after_ms: 1,
    });
    t.match(await ratelimit.consume('k', sliding, 1, T0 + 11 * S), {
      allowed: true,
      remaining: 0,
      used: 10,
      reset_at: T0 + 30 * S,
    });
    t.match(
      await ratelimit.consume('k', sliding, 1, T0 + 15 * S),
      { allowed: true, used: 7, remaining: 3 },
      'half of the previous 10, plus 2 in this window',
    );
    t.match(
      await ratelimit.consume('k', sliding, 5, T0 + 15 * S),
      { allowed: false, remaining: 3, retry_after_ms: S + 1 },
      'once the previous window weighs 3',
    );
    t.match(await ratelimit.consume('k', sliding, 5, T0 + 16 * S + 1), { allowed: true });
    t.match(
      await ratelimit.consume('k', sliding, 1, T0 + 30 * S),
      { allowed: true, used: 1 },
      'two windows later nothing weighs',
    );
  });

  t.test('token bucket: starts with its initial tokens and refills at its rate', async (t) => {
    const { ratelimit } = await storeFor(t, make);
    t.same(await ratelimit.consume('k', bucket, 1, T0), {
      allowed: true,
      limit: 5,
      remaining: 1,
      used: 4,
      reset_at: T0 + 4 * S,
      retry_after_ms: 0,
    });
    t.match(await ratelimit.consume('k', bucket, 1, T0), { allowed: true, remaining: 0 });
    t.match(await ratelimit.consume('k', bucket, 1, T0 + 400), {
      allowed: false,
      remaining: 0,
      retry_after_ms: 600,
      reset_at: T0 + 5 * S,
    });
    t.match(await ratelimit.consume('k', bucket, 1, T0 + S), { allowed: true, remaining: 0 });
    t.match(await ratelimit.consume('k', bucket, 1, T0 + 4 * S), {
      allowed: true,
      remaining: 2,
      reset_at: T0 + 7 * S,
    });
    t.match(
      await ratelimit.consume('k', bucket, 1, T0 + 60 * S),
      { allowed: true, remaining: 1 },
      'a bucket forgotten once full starts again with its initial tokens',
    );
    const plain: LimitSpec = { algorithm: 'token_bucket', max_requests: 10, window_seconds: 10 };
    t.match(
      await ratelimit.consume('p', plain, 10, T0),
      { allowed: true, limit: 10, remaining: 0 },
      'without bucket settings it holds the limit',
    );
    t.match(
      await ratelimit.consume('p', plain, 2, T0 + S),
      { allowed: false, retry_after_ms: S },
      'and refills the limit per window',
    );
  });

  t.test('a cost counts that many units, and a refused one counts none', async (t) => {
    const { ratelimit } = await storeFor(t, make);
    const spec: LimitSpec = { ...fixed, max_requests: 10 };
    t.match(await ratelimit.consume('k', spec, 4, T0), { allowed: true, remaining: 6, used: 4 });
    t.match(await ratelimit.consume('k', spec, 7, T0), {
      allowed: false,
      remaining: 6,
      used: 4,
      retry_after_ms: 10 * S,
    });
    t.match(await ratelimit.consume('k', spec, 6, T0), { allowed: true, remaining: 0 });
    for (const s of [fixed, sliding, bucket]) {
      t.match(
        await ratelimit.consume(`big-${s.algorithm}`, s, 100, T0),
        { allowed: false, retry_after_ms: 10 * S },
        `${s.algorithm}: a cost above the limit never fits; retry after a window`,
      );
    }
  });

  t.test('a dry run decides but counts nothing', async (t) => {
    const { ratelimit } = await storeFor(t, make);
    for (const s of [fixed, sliding, bucket]) {
      const key = `k-${s.algorithm}`;
      const first = await ratelimit.consume(key, s, 1, T0, { dryRun: true });
      t.match(first, { allowed: true }, s.algorithm);
      t.same(await ratelimit.consume(key, s, 1, T0, { dryRun: true }), first, 'twice the same');
      t.same(await ratelimit.consume(key, s, 1, T0), first, 'as the real decision after it');
    }
    const penalised: LimitSpec = { ...fixed, penalty: { max_requests: 1, duration_seconds: 60 } };
    await ratelimit.consume('p', penalised, 3, T0);
    t.match(
      await ratelimit.consume('p', penalised, 1, T0, { dryRun: true }),
      { allowed: false, limit: 3, penalty: { until: null, entered: false } },
      'a refused dry run does not enter the penalty box',
    );
    t.match(await ratelimit.consume('p', penalised, 1, T0 + 10 * S), { allowed: true, limit: 3 });
  });

  t.test('burst: units beyond the limit, then a cooldown', async (t) => {
    const { ratelimit } = await storeFor(t, make);
    const spec: LimitSpec = {
      ...fixed,
      max_requests: 2,
      burst: { max_burst: 2, burst_window_seconds: 5, cooldown_seconds: 30 },
    };
    t.match(await ratelimit.consume('k', spec, 2, T0), {
      allowed: true,
      burst: { remaining: 2, total: 2, used_now: false, cooldown_until: null },
    });
    t.match(await ratelimit.consume('k', spec, 1, T0 + 1), {
      allowed: true,
      remaining: 0,
      limit: 2,
      burst: { remaining: 1, used_now: true, cooldown_until: null },
    });
    t.match(await ratelimit.consume('k', spec, 1, T0 + 2), {
      allowed: true,
      burst: { remaining: 0, used_now: true, cooldown_until: T0 + 2 + 30 * S },
    });
    t.match(await ratelimit.consume('k', spec, 1, T0 + 3), {
      allowed: false,
      burst: { remaining: 0, used_now: false, cooldown_until: T0 + 2 + 30 * S },
    });
    await ratelimit.consume('k', spec, 2, T0 + 10 * S);
    t.match(
      await ratelimit.consume('k', spec, 1, T0 + 10 * S),
      { allowed: false, burst: { remaining: 0 } },
      'no burst during the cooldown, even in a new window',
    );
    await ratelimit.consume('k', spec, 2, T0 + 40 * S);
    t.match(
      await ratelimit.consume('k', spec, 1, T0 + 40 * S),
      { allowed: true, burst: { remaining: 1, used_now: true, cooldown_until: null } },
      'the whole allowance is back after the cooldown',
    );
    t.match(
      await ratelimit.consume('k', spec, 2, T0 + 50 * S),
      { allowed: true, burst: { used_now: false, remaining: 2 } },
      'the burst window ended without using it all: it is whole again',
    );
    t.match(
      await ratelimit.consume('k', spec, 3, T0 + 50 * S),
      { allowed: false, burst: { remaining: 2 } },
      'a cost above what is left of the burst is refused',
    );
  });

  t.test('penalty box: a key over the limit is held to the lower limit for a while', async (t) => {
    const { ratelimit } = await storeFor(t, make);
    const spec: LimitSpec = { ...fixed, penalty: { max_requests: 1, duration_seconds: 60 } };
    t.match(await ratelimit.consume('k', spec, 3, T0), {
      allowed: true,
      limit: 3,
      penalty: { until: null, entered: false },
    });
    t.same(await ratelimit.consume('k', spec, 1, T0 + S), {
      allowed: false,
      limit: 1,
      remaining: 0,
      used: 3,
      reset_at: T0 + 10 * S,
      retry_after_ms: 9 * S,
      penalty: { until: T0 + 61 * S, entered: true },
    });
    t.match(await ratelimit.consume('k', spec, 1, T0 + 10 * S), {
      allowed: true,
      limit: 1,
      remaining: 0,
      penalty: { until: T0 + 61 * S, entered: false },
    });
    t.match(
      await ratelimit.consume('k', spec, 1, T0 + 11 * S),
      { allowed: false, penalty: { until: T0 + 61 * S, entered: false } },
      'refusals in the box do not extend it',
    );
    t.match(
      await ratelimit.consume('k', spec, 2, T0 + 55 * S),
      { allowed: false, retry_after_ms: 6 * S },
      'a cost above the penalty limit fits once the penalty ends',
    );
    t.match(
      await ratelimit.consume('k', spec, 2, T0 + 61 * S),
      { allowed: true, limit: 3, remaining: 1, penalty: { until: null, entered: false } },
      'after the penalty the normal limit applies',
    );
  });

  t.test('reset_at: at most a fixed window, two sliding ones, ahead of now', async (t) => {
    const { ratelimit } = await storeFor(t, make);
    // A node whose clock is 2 ms ahead counts in the next window; one behind reads it back.
    const edge = T0 + 10 * S;
    await ratelimit.consume('f', fixed, 1, edge + 1);
    await ratelimit.consume('s', sliding, 1, edge + 1);
    t.match(
      await ratelimit.consume('f', fixed, 1, edge - 1),
      { allowed: true, used: 2, reset_at: edge - 1 + 10 * S },
      'fixed: counted in the window ahead, reset one window from now',
    );
    t.match(
      await ratelimit.consume('s', sliding, 1, edge - 1),
      { allowed: true, used: 2, reset_at: edge - 1 + 20 * S },
      'sliding: two windows from now',
    );
    t.match(
      await ratelimit.consume('s', sliding, 1, edge + 1),
      { used: 3, reset_at: edge + 20 * S },
      'on time again: the end of the next window',
    );
  });

  t.test('reset forgets a key', async (t) => {
    const { ratelimit } = await storeFor(t, make);
    await ratelimit.consume('k', fixed, 3, T0);
    await ratelimit.consume('j', fixed, 3, T0);
    await ratelimit.reset('k');
    await ratelimit.reset('absent');
    t.match(await ratelimit.consume('k', fixed, 1, T0), { allowed: true, remaining: 2 });
    t.match(await ratelimit.consume('j', fixed, 1, T0), { allowed: false }, 'others keep theirs');
  });

  t.test('purgeExpired keeps state that a later decision kept alive', async (t) => {
    const { ratelimit } = await storeFor(t, make);
    await ratelimit.consume('busy', fixed, 1, T0); // until T0 + 10 s
    await ratelimit.consume('busy', fixed, 1, T0 + 15 * S); // the next window: until T0 + 20 s
    t.equal(await ratelimit.purgeExpired(T0 + 12 * S), 0);
    t.match(
      await ratelimit.consume('busy', fixed, 1, T0 + 16 * S),
      { remaining: 1 },
      'its count survived',
    );
    t.equal(await ratelimit.purgeExpired(T0 + 20 * S), purged(1));
  });

  t.test('purgeExpired forgets state that expired at or before now', async (t) => {
    const { ratelimit } = await storeFor(t, make);
    await ratelimit.consume('fixed', fixed, 1, T0); // until the window ends
    await ratelimit.consume('sliding', sliding, 1, T0); // until it no longer weighs
    const penalty = { ...fixed, penalty: { max_requests: 1, duration_seconds: 60 } };
    await ratelimit.consume('penalised', penalty, 4, T0);
    await ratelimit.consume('dry', fixed, 1, T0, { dryRun: true });
    t.equal(await ratelimit.purgeExpired(T0 + 10 * S - 1), 0);
    t.equal(await ratelimit.purgeExpired(T0 + 10 * S), purged(1));
    t.equal(await ratelimit.purgeExpired(T0 + 20 * S), purged(1));
    t.equal(await ratelimit.purgeExpired(T0 + 20 * S), 0);
    t.match(
      await ratelimit.consume('penalised', penalty, 1, T0 + 20 * S),
      { limit: 1, penalty: { until: T0 + 60 * S } },
      'state not yet expired is kept',
    );
    t.equal(await ratelimit.purgeExpired(T0 + 60 * S), purged(1));
    t.match(
      await ratelimit.consume('penalised', penalty, 1, T0 + 60 * S),
      { limit: 3, remaining: 2, penalty: { until: null } },
      'expired state counts as none, purged or not',
    );
  });

  t.test('concurrent decisions on a key admit exactly the limit', async (t) => {
    const { ratelimit } = await storeFor(t, make);
    for (const spec of [
      { ...fixed, max_requests: 50 },
      { ...sliding, max_requests: 50 },
    ]) {
      const decisions = await Promise.all(
        Array.from({ length: 120 }, () => ratelimit.consume(`hot-${spec.algorithm}`, spec, 1, T0)),
      );
      t.equal(decisions.filter((d) => d.allowed).length, 50, spec.algorithm);
    }
  });

  t.test('consumeMany answers what consume gives one request after another', async (t) => {
    const batched = (await storeFor(t, make)).ratelimit;
    const single = (await storeFor(t, make)).ratelimit;
    const burst: LimitSpec = {
      ...fixed,
      max_requests: 2,
      burst: { max_burst: 1, burst_window_seconds: 5, cooldown_seconds: 30 },
    };
    const penalty: LimitSpec = { ...fixed, penalty: { max_requests: 1, duration_seconds: 60 } };
    // Keys named several times (each sees the count before it), dry runs among real ones,
    // refusals, a penalty entered, burst used, and several moments.
    const rounds: ConsumeRequest[][] = [
      [
        { key: 'f', spec: fixed, cost: 1, now: T0 },
        { key: 's', spec: sliding, cost: 4, now: T0 },
        { key: 'f', spec: fixed, cost: 2, now: T0 + 1 },
        { key: 'f', spec: fixed, cost: 1, now: T0 + 2, dryRun: true },
        { key: 'f', spec: fixed, cost: 1, now: T0 + 2 },
        { key: 'b', spec: bucket, cost: 2, now: T0 },
        { key: 'b', spec: bucket, cost: 1, now: T0 + 400 },
        { key: 'x', spec: burst, cost: 3, now: T0 },
        { key: 'p', spec: penalty, cost: 3, now: T0 },
        { key: 'p', spec: penalty, cost: 1, now: T0 + S },
        { key: 'new', spec: fixed, cost: 1, now: T0, dryRun: true },
      ],
      [
        { key: 's', spec: sliding, cost: 7, now: T0 + 12 * S },
        { key: 'f', spec: fixed, cost: 3, now: T0 + 10 * S },
        { key: 'p', spec: penalty, cost: 1, now: T0 + 11 * S },
        { key: 'x', spec: burst, cost: 1, now: T0 + 2 * S },
        { key: 'x', spec: burst, cost: 1, now: T0 + 3 * S },
        { key: 'b', spec: bucket, cost: 5, now: T0 + 20 * S },
        { key: 's', spec: sliding, cost: 1, now: T0 + 12 * S, dryRun: true },
      ],
    ];
    for (const [i, requests] of rounds.entries()) {
      const one: unknown[] = [];
      for (const r of requests) {
        one.push(await single.consume(r.key, r.spec, r.cost, r.now, { dryRun: r.dryRun === true }));
      }
      t.same(await batched.consumeMany(requests), one, `round ${i + 1}`);
    }
    t.same(await batched.consumeMany([]), [], 'an empty batch decides nothing');
    // What each left behind: the same answers to the same questions afterwards.
    for (const r of rounds[0] as ConsumeRequest[]) {
      t.same(
        await batched.consume(r.key, r.spec, 1, T0 + 13 * S),
        await single.consume(r.key, r.spec, 1, T0 + 13 * S),
        `${r.key} afterwards`,
      );
    }
    t.equal(
      await batched.purgeExpired(T0 + 100 * S),
      await single.purgeExpired(T0 + 100 * S),
      'a dry run on a new key left nothing to purge',
    );
  });

  t.test('consumeMany and consume racing for one key admit exactly the limit', async (t) => {
    const { ratelimit } = await storeFor(t, make);
    const cap: LimitSpec = { ...fixed, max_requests: 25, window_seconds: 3600 };
    // Batches naming the shared key among others, in both orders (locks taken in any order
    // would deadlock two of them), and single decisions, all at once.
    const batches = Array.from({ length: 20 }, (_, i) => {
      const own: ConsumeRequest = { key: `own-${i}`, spec: cap, cost: 1, now: T0 };
      const hot: ConsumeRequest = { key: 'hot', spec: cap, cost: 1, now: T0 };
      const other: ConsumeRequest = { key: `own-${(i + 1) % 20}`, spec: cap, cost: 1, now: T0 };
      return i % 2 === 0 ? [own, hot, other, hot] : [hot, other, hot, own];
    });
    const [many, singles] = await Promise.all([
      Promise.all(batches.map((b) => ratelimit.consumeMany(b))),
      Promise.all(Array.from({ length: 10 }, () => ratelimit.consume('hot', cap, 1, T0))),
    ]);
    const hot = [
      ...many.flatMap((decisions, i) =>
        decisions.filter((_, j) => (batches[i] as ConsumeRequest[])[j]?.key === 'hot'),
      ),
      ...singles,
    ];
    t.equal(hot.length, 50);
    t.equal(hot.filter((d) => d.allowed).length, 25, 'the shared key: its limit and no more');
    const after = await ratelimit.consume('hot', cap, 1, T0, { dryRun: true });
    t.match(after, { allowed: false, used: 25 }, 'and that is what was counted');
    for (let i = 0; i < 20; i++) {
      t.match(
        await ratelimit.consume(`own-${i}`, cap, 0, T0, { dryRun: true }),
        { used: 2, remaining: 23 },
        `own-${i}: counted once by its batch and once by its neighbour's`,
      );
    }
  });
}
