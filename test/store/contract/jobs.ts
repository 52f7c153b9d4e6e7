import type { Test } from 'tap';
import type { NewJob } from '../../../src/scheduler/store.js';
import type { Store } from '../../../src/store/types.js';
import { type MakeStore, storeFor } from './fixtures.js';

const T0 = Date.UTC(2026, 0, 1);
let seq = 0;

/** A job of tenant `t1`, kind `k`, due at T0, made at T0 - 1000. */
function job(over: Partial<NewJob> = {}): NewJob {
  seq++;
  return {
    id: `job_${String(seq).padStart(8, '0')}`,
    tenant_id: 't1',
    kind: 'k',
    run_at: T0,
    payload: { n: seq, nested: { list: [1, 'two'] } },
    key: null,
    created_at: T0 - 1000,
    ...over,
  };
}

/** Durable jobs: dedup by key, claims with leases, settling with the token, cancel, stats. */
export function jobsContract(t: Test, make: MakeStore): void {
  t.test('schedule stores a job that get reads back', async (t) => {
    const store = await storeFor(t, make);
    const j = job({ key: 'a' });
    const { job: made, created } = await store.jobs.schedule(j);
    t.ok(created);
    const expected = {
      ...j,
      status: 'scheduled',
      attempts: 0,
      lease_token: null,
      lease_until: null,
      last_error: null,
      updated_at: j.created_at,
    };
    t.same(made, expected);
    t.same(await store.jobs.get('t1', j.id), expected);
    t.same(await store.jobs.getByKey('t1', 'a'), expected);
    t.equal(await store.jobs.get('t2', j.id), null, 'another tenant sees nothing');
    t.equal(await store.jobs.getByKey('t2', 'a'), null);
    t.equal(await store.jobs.get('t1', 'job_missing'), null);
    t.equal(await store.jobs.getByKey('t1', 'missing'), null);
  });

  t.test('a held key dedups; a settled job frees it', async (t) => {
    const store = await storeFor(t, make);
    const first = job({ key: 'k1' });
    await store.jobs.schedule(first);
    const again = await store.jobs.schedule(job({ key: 'k1', run_at: T0 + 5 }));
    t.equal(again.created, false);
    t.equal(again.job.id, first.id);
    t.ok((await store.jobs.schedule(job({ key: 'k1', tenant_id: 't2' }))).created, 'per tenant');
    await store.jobs.cancel('t1', first.id, T0);
    t.equal(await store.jobs.getByKey('t1', 'k1'), null);
    const third = await store.jobs.schedule(job({ key: 'k1' }));
    t.ok(third.created, 'free again once settled');
    const claimed = await store.jobs.claim(['k'], 10, T0, 1000, 'tok');
    t.equal(claimed.length, 2);
    t.equal((await store.jobs.schedule(job({ key: 'k1' }))).created, false, 'held while running');
    t.ok(await store.jobs.complete(third.job.id, 'tok', { status: 'done' }, T0 + 1));
    t.ok((await store.jobs.schedule(job({ key: 'k1' }))).created);
  });

  t.test('a taken id is refused', async (t) => {
    const store = await storeFor(t, make);
    const j = job();
    await store.jobs.schedule(j);
    await t.rejects(store.jobs.schedule({ ...j }));
  });

  t.test('claim leases due jobs of the kinds asked, earliest first, once', async (t) => {
    const store = await storeFor(t, make);
    const late = job({ run_at: T0 + 10 });
    const early = job({ run_at: T0 - 10 });
    const other = job({ kind: 'other', run_at: T0 - 20 });
    const future = job({ run_at: T0 + 1000 });
    for (const j of [late, early, other, future]) await store.jobs.schedule(j);
    t.same(await store.jobs.claim(['k'], 10, T0 - 11, 500, 'a'), [], 'nothing due yet');
    t.same(await store.jobs.claim([], 10, T0 + 10, 500, 'a'), [], 'no kinds, nothing');
    t.same(await store.jobs.claim(['k'], 0, T0 + 10, 500, 'a'), [], 'limit 0, nothing');
    const got = await store.jobs.claim(['k'], 1, T0 + 10, 500, 'a');
    t.same(
      got.map((j) => [j.id, j.status, j.attempts, j.lease_token, j.lease_until, j.updated_at]),
      [[early.id, 'running', 1, 'a', T0 + 510, T0 + 10]],
    );
    t.same(got[0]!.payload, early.payload);
    const rest = await store.jobs.claim(['k', 'other'], 10, T0 + 10, 500, 'b');
    t.same(
      rest.map((j) => j.id),
      [other.id, late.id],
      'merged across kinds by due time',
    );
    t.same(await store.jobs.claim(['k', 'other'], 10, T0 + 10, 500, 'c'), [], 'leased once');
  });

  t.test('a lease that ends lets another claim it; the first token is then refused', async (t) => {
    const store = await storeFor(t, make);
    const j = job();
    await store.jobs.schedule(j);
    await store.jobs.claim(['k'], 10, T0, 1000, 'dead-node');
    t.same(await store.jobs.claim(['k'], 10, T0 + 999, 1000, 'b'), [], 'lease still held');
    const again = await store.jobs.claim(['k'], 10, T0 + 1000, 1000, 'b');
    t.same(
      again.map((x) => [x.id, x.attempts, x.lease_token]),
      [[j.id, 2, 'b']],
    );
    t.notOk(await store.jobs.complete(j.id, 'dead-node', { status: 'done' }, T0 + 1001));
    t.ok(await store.jobs.complete(j.id, 'b', { status: 'done' }, T0 + 1002));
    t.match(await store.jobs.get('t1', j.id), {
      status: 'done',
      lease_token: null,
      lease_until: null,
      updated_at: T0 + 1002,
    });
    t.same(await store.jobs.claim(['k'], 10, T0 + 99_999, 1000, 'c'), [], 'done never again');
    t.notOk(await store.jobs.complete(j.id, 'b', { status: 'done' }, T0 + 1003), 'once');
    t.notOk(await store.jobs.complete('job_missing', 'b', { status: 'done' }, T0));
  });

  t.test('an ended lease nobody took can still be acked by its holder', async (t) => {
    const store = await storeFor(t, make);
    const j = job();
    await store.jobs.schedule(j);
    await store.jobs.claim(['k'], 10, T0, 1000, 'slow');
    t.ok(await store.jobs.complete(j.id, 'slow', { status: 'failed', error: 'boom' }, T0 + 5000));
    t.match(await store.jobs.get('t1', j.id), { status: 'failed', last_error: 'boom' });
  });

  t.test('a run may schedule the job again: a retry or a recurrence', async (t) => {
    const store = await storeFor(t, make);
    const j = job({ key: 'daily' });
    await store.jobs.schedule(j);
    await store.jobs.claim(['k'], 10, T0, 1000, 'a');
    const retry = { status: 'scheduled', run_at: T0 + 60_000, error: 'try later' } as const;
    t.ok(await store.jobs.complete(j.id, 'a', retry, T0 + 1));
    t.match(await store.jobs.get('t1', j.id), {
      status: 'scheduled',
      run_at: T0 + 60_000,
      attempts: 1,
      last_error: 'try later',
      lease_token: null,
      lease_until: null,
    });
    t.equal((await store.jobs.getByKey('t1', 'daily'))?.id, j.id, 'keeps its key');
    t.equal(await store.jobs.nextRunAt(['k']), T0 + 60_000);
    t.same(await store.jobs.claim(['k'], 10, T0 + 59_999, 1000, 'b'), []);
    const [second] = await store.jobs.claim(['k'], 10, T0 + 60_000, 1000, 'b');
    t.equal(second?.attempts, 2);
    const next = { status: 'scheduled', run_at: T0 + 86_400_000, reset_attempts: true } as const;
    t.ok(await store.jobs.complete(j.id, 'b', next, T0 + 60_001));
    t.match(await store.jobs.get('t1', j.id), { attempts: 0, run_at: T0 + 86_400_000 });
  });

  t.test('cancel stops a scheduled or running job, and says when it was too late', async (t) => {
    const store = await storeFor(t, make);
    const waiting = job({ key: 'w' });
    const running = job();
    const finished = job();
    for (const j of [waiting, running, finished]) await store.jobs.schedule(j);
    await store.jobs.claim(['k'], 10, T0, 1000, 'a');
    await store.jobs.complete(finished.id, 'a', { status: 'done' }, T0 + 1);
    t.equal(await store.jobs.cancel('t2', waiting.id, T0), null, 'not another tenant’s');
    t.equal(await store.jobs.cancel('t1', 'job_missing', T0), null);
    await store.jobs.complete(waiting.id, 'a', { status: 'scheduled', run_at: T0 + 100 }, T0 + 1);
    const c1 = await store.jobs.cancel('t1', waiting.id, T0 + 2);
    t.match(c1, { cancelled: true, job: { status: 'cancelled', updated_at: T0 + 2 } });
    const c2 = await store.jobs.cancel('t1', running.id, T0 + 3);
    t.match(c2, { cancelled: true, job: { status: 'cancelled', lease_token: null } });
    t.notOk(await store.jobs.complete(running.id, 'a', { status: 'done' }, T0 + 4), 'ack refused');
    t.match(await store.jobs.cancel('t1', finished.id, T0 + 5), {
      cancelled: false,
      job: { status: 'done', updated_at: T0 + 1 },
    });
    t.same(await store.jobs.claim(['k'], 10, T0 + 99_999, 1000, 'b'), [], 'cancelled never run');
    t.equal(await store.jobs.nextRunAt(['k']), null);
  });

  t.test('list pages a tenant’s jobs newest first, filtered', async (t) => {
    const store = await storeFor(t, make);
    const a = job();
    const b = job({ kind: 'other' });
    const c = job();
    const d = job({ tenant_id: 't2' });
    for (const j of [a, b, c, d]) await store.jobs.schedule(j);
    await store.jobs.cancel('t1', a.id, T0);
    const ids = async (f: Parameters<typeof store.jobs.list>[1], limit = 10) =>
      (await store.jobs.list('t1', f, limit)).map((j) => j.id);
    t.same(await ids({}), [c.id, b.id, a.id]);
    t.same(await ids({}, 2), [c.id, b.id]);
    t.same(await ids({ before: b.id }), [a.id]);
    t.same(await ids({ kind: 'k' }), [c.id, a.id]);
    t.same(await ids({ kind: 'k', status: 'scheduled' }), [c.id]);
    t.same(await ids({ status: 'cancelled' }), [a.id]);
    t.same(await ids({ kind: 'none' }), []);
    t.same(await ids({}, 0), []);
    t.match(await store.jobs.list('t1', {}, 1), [{ payload: c.payload, tenant_id: 't1' }]);
  });

  t.test('nextRunAt is the earliest scheduled job of the kinds', async (t) => {
    const store = await storeFor(t, make);
    t.equal(await store.jobs.nextRunAt(['k']), null);
    await store.jobs.schedule(job({ run_at: T0 + 50 }));
    await store.jobs.schedule(job({ run_at: T0 + 20, kind: 'other' }));
    const first = job({ run_at: T0 + 30 });
    await store.jobs.schedule(first);
    t.equal(await store.jobs.nextRunAt(['k']), T0 + 30);
    t.equal(await store.jobs.nextRunAt(['k', 'other']), T0 + 20);
    t.equal(await store.jobs.nextRunAt([]), null);
    await store.jobs.cancel('t1', first.id, T0);
    t.equal(await store.jobs.nextRunAt(['k']), T0 + 50);
  });

  t.test('nextRunAt after a time is the earliest scheduled job due after it', async (t) => {
    const store = await storeFor(t, make);
    await store.jobs.schedule(job({ run_at: T0 - 10 }));
    await store.jobs.schedule(job({ run_at: T0 }));
    await store.jobs.schedule(job({ run_at: T0 + 40, kind: 'other' }));
    t.equal(await store.jobs.nextRunAt(['k'], T0), null, 'none after it');
    t.equal(await store.jobs.nextRunAt(['k'], T0 - 11), T0 - 10);
    t.equal(await store.jobs.nextRunAt(['k'], T0 - 10), T0, 'due at the time is not after it');
    await store.jobs.schedule(job({ run_at: T0 + 70 }));
    t.equal(await store.jobs.nextRunAt(['k', 'other'], T0), T0 + 40);
    t.equal(await store.jobs.nextRunAt(['k'], T0), T0 + 70);
    t.equal(await store.jobs.nextRunAt([], T0), null);
  });

  t.test('stats count per kind: scheduled, due, running, failed', async (t) => {
    const store = await storeFor(t, make);
    t.same(await store.jobs.stats(T0), []);
    const failing = job({ run_at: T0 - 5 });
    await store.jobs.schedule(failing);
    await store.jobs.schedule(job({ run_at: T0 - 1 }));
    await store.jobs.claim(['k'], 2, T0, 1000, 'a');
    await store.jobs.complete(failing.id, 'a', { status: 'failed' }, T0);
    await store.jobs.schedule(job({ run_at: T0 }));
    await store.jobs.schedule(job({ run_at: T0 + 1 }));
    await store.jobs.schedule(job({ run_at: T0 + 1, kind: 'other', tenant_id: 't2' }));
    const done = job({ kind: 'quiet' });
    await store.jobs.schedule(done);
    await store.jobs.claim(['quiet'], 1, T0, 1000, 'a');
    await store.jobs.complete(done.id, 'a', { status: 'done' }, T0);
    const sorted = async (now: number) =>
      (await store.jobs.stats(now))
        .filter((s) => s.scheduled + s.due + s.running + s.failed > 0)
        .sort((x, y) => (x.kind < y.kind ? -1 : 1));
    t.same(await sorted(T0), [
      { kind: 'k', scheduled: 1, due: 1, running: 1, failed: 1 },
      { kind: 'other', scheduled: 1, due: 0, running: 0, failed: 0 },
    ]);
    t.same(
      await sorted(T0 + 1000),
      [
        { kind: 'k', scheduled: 0, due: 3, running: 0, failed: 1 },
        { kind: 'other', scheduled: 0, due: 1, running: 0, failed: 0 },
      ],
      'an ended lease counts as due',
    );
  });

  t.test('purge forgets settled jobs updated before the cutoff', async (t) => {
    const store = await storeFor(t, make);
    const old = job({ key: 'o' });
    const fresh = job();
    const waiting = job({ run_at: T0 - 1000 });
    for (const j of [old, fresh]) await store.jobs.schedule(j);
    await store.jobs.schedule(waiting);
    await store.jobs.cancel('t1', old.id, T0);
    await store.jobs.claim(['k'], 1, T0 + 5, 1000, 'a');
    await store.jobs.complete(waiting.id, 'a', { status: 'failed' }, T0 + 10);
    t.equal(await store.jobs.purge(T0), 0, 'strictly before');
    t.equal(await store.jobs.purge(T0 + 1), 1);
    t.equal(await store.jobs.get('t1', old.id), null);
    t.same(await store.jobs.list('t1', { status: 'cancelled' }, 10), []);
    t.equal(await store.jobs.purge(T0 + 100), 1);
    t.match(
      (await store.jobs.stats(T0)).find((s) => s.kind === 'k'),
      { failed: 0, due: 1 },
    );
    t.ok(await store.jobs.get('t1', fresh.id), 'unsettled jobs stay');
  });

  t.test('concurrent claims never lease a job twice', async (t) => {
    const store = await storeFor(t, make);
    for (let i = 0; i < 60; i++) await store.jobs.schedule(job({ run_at: T0 - i }));
    const batches = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.jobs.claim(['k'], 10, T0, 1000, `w${i}`)),
    );
    const ids = batches.flat().map((j) => j.id);
    t.equal(ids.length, 60);
    t.equal(new Set(ids).size, 60);
  });
}

/**
 * The concurrent-claims case above at scale: several nodes, each its own client of one
 * database (`share` opens another on the data of a store that stays open), never run a job
 * twice. Called from its own file, since the backends' contract files are near tap's limit.
 */
export function jobsNodesContract<S extends Store>(
  t: Test,
  make: MakeStore<S>,
  share: (store: S) => Promise<S>,
): void {
  t.test('three nodes on one store run each of 10,000 jobs once', async (t) => {
    const JOBS = 10_000;
    const first = await storeFor(t, make);
    const nodes: S[] = [first];
    for (let i = 1; i < 3; i++) {
      const other = await share(first);
      t.teardown(() => other.close());
      nodes.push(other);
    }
    // Each node schedules a third, a few calls in flight at once (as a busy API would).
    const made = Array.from({ length: JOBS }, (_, i) => job({ kind: 'many', run_at: T0 - i }));
    await Promise.all(
      nodes.map(async (node, n) => {
        const mine = made.filter((_, i) => i % nodes.length === n);
        for (let i = 0; i < mine.length; i += 50) {
          await Promise.all(mine.slice(i, i + 50).map((j) => node.jobs.schedule(j)));
        }
      }),
    );
    // Every node claims and settles until none is due; a lease long past `now` means a job
    // comes back only if a claim hands it out twice, which is what this looks for.
    const runs = new Map<string, number>();
    let lostSettles = 0;
    await Promise.all(
      nodes.map(async (node, n) => {
        for (let pass = 0; ; pass++) {
          const claimed = await node.jobs.claim(['many'], 100, T0, 600_000, `node${n}-${pass}`);
          if (claimed.length === 0) return;
          for (const j of claimed) runs.set(j.id, (runs.get(j.id) ?? 0) + 1);
          const settled = await Promise.all(
            claimed.map((j) =>
              node.jobs.complete(j.id, j.lease_token as string, { status: 'done' }, T0 + 1),
            ),
          );
          lostSettles += settled.filter((ok) => !ok).length;
        }
      }),
    );
    t.equal(runs.size, JOBS, 'every job ran');
    t.same(
      [...runs].filter(([, n]) => n > 1),
      [],
      'no job ran twice',
    );
    t.equal(lostSettles, 0, 'every run settled with its own lease');
    t.equal(await first.jobs.nextRunAt(['many']), null, 'none is left due');
  });
}
