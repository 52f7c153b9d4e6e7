import t, { type Test } from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { createIdGenerator } from '../../src/core/ids.js';
import { createLogger } from '../../src/core/logger.js';
import { type JobHandler, PermanentJobError } from '../../src/scheduler/jobs.js';
import { type RunResult, SchedulerRuntime } from '../../src/scheduler/runtime.js';
import type { JobStore } from '../../src/scheduler/store.js';
import { createMemoryStore } from '../../src/store/memory/index.js';

// The runtime's timers do not keep a process alive; this test's waits need it to stay.
const keepAlive = setInterval(() => {}, 1000);
t.teardown(() => clearInterval(keepAlive));

const SETTINGS = {
  poll_interval_ms: 1000,
  concurrency: 4,
  lease_ms: 30_000,
  max_attempts: 3,
  retry_backoff_ms: 1000,
};

/** A runtime on a memory store and a fake clock, recording what it observed. */
function setup(t: Test, over: Partial<typeof SETTINGS> = {}, jobs?: JobStore) {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const store = createMemoryStore();
  t.teardown(() => store.close());
  const runs: [string, RunResult, number][] = [];
  const make = () =>
    new SchedulerRuntime({
      store: jobs ?? store.jobs,
      clock,
      ids: createIdGenerator(clock),
      logger: createLogger({ level: 'silent' }),
      settings: { ...SETTINGS, ...over },
      observer: { ran: (kind, result, late) => runs.push([kind, result, late]) },
    });
  const runtime = make();
  t.teardown(() => runtime.stop());
  return { clock, store, runtime, runs, make };
}

/** A promise and the function that resolves it. */
function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

t.test('a scheduled job runs once, when due, not before', async (t) => {
  const { clock, runtime, runs } = setup(t);
  const seen: string[] = [];
  runtime.register('hello', (job) => {
    seen.push(`${job.id}@${clock.now() - job.run_at}`);
    return undefined;
  });
  const { job } = await runtime.schedule('t1', 'hello', clock.now() + 5000, { to: 'alice' });
  t.equal(await runtime.runDue(), 0, 'not due yet');
  clock.advance(4999);
  t.equal(await runtime.runDue(), 0);
  clock.advance(1);
  t.equal(await runtime.runDue(), 1);
  await runtime.idle();
  t.same(seen, [`${job.id}@0`]);
  t.match(await runtime.get('t1', job.id), { status: 'done', attempts: 1 });
  clock.advance(60_000);
  t.equal(await runtime.runDue(), 0, 'never again');
  t.same(runs, [['hello', 'done', 0]]);
});

t.test('one handler per kind; kinds without a handler are not claimed', async (t) => {
  const { clock, runtime } = setup(t);
  runtime.register('a', () => undefined);
  t.throws(() => runtime.register('a', () => undefined), /registered/);
  await runtime.schedule('t1', 'b', clock.now(), {});
  t.equal(await runtime.runDue(), 0);
  t.same(runtime.kinds, ['a']);
});

t.test('no handler at all claims nothing', async (t) => {
  const { clock, runtime } = setup(t);
  await runtime.schedule('t1', 'b', clock.now(), {});
  t.equal(await runtime.runDue(), 0);
});

t.test('a failing run is retried with a doubling backoff, then fails', async (t) => {
  const { clock, runtime, runs } = setup(t);
  let calls = 0;
  runtime.register('flaky', () => {
    calls++;
    throw new Error(`boom ${calls}`);
  });
  const { job } = await runtime.schedule('t1', 'flaky', clock.now(), {});
  await runtime.runDue();
  await runtime.idle();
  t.match(await runtime.get('t1', job.id), {
    status: 'scheduled',
    run_at: clock.now() + 1000,
    last_error: 'boom 1',
  });
  clock.advance(1000);
  await runtime.runDue();
  await runtime.idle();
  t.match(await runtime.get('t1', job.id), { status: 'scheduled', run_at: clock.now() + 2000 });
  clock.advance(2000);
  await runtime.runDue();
  await runtime.idle();
  t.match(await runtime.get('t1', job.id), { status: 'failed', attempts: 3, last_error: 'boom 3' });
  t.same(
    runs.map((r) => r[1]),
    ['retried', 'retried', 'failed'],
  );
});

t.test('a permanent error fails the job at once', async (t) => {
  const { clock, runtime } = setup(t);
  runtime.register('bad', () => {
    throw new PermanentJobError('no such template');
  });
  const { job } = await runtime.schedule('t1', 'bad', clock.now(), {});
  await runtime.runDue();
  await runtime.idle();
  t.match(await runtime.get('t1', job.id), { status: 'failed', last_error: 'no such template' });
});

t.test('a non-Error throw is recorded too', async (t) => {
  const { clock, runtime } = setup(t, { max_attempts: 1 });
  runtime.register('odd', () => {
    throw 'a string';
  });
  const { job } = await runtime.schedule('t1', 'odd', clock.now(), {});
  await runtime.runDue();
  await runtime.idle();
  t.match(await runtime.get('t1', job.id), { status: 'failed', last_error: 'a string' });
});

t.test('a handler may ask to run again later', async (t) => {
  const { clock, runtime, runs } = setup(t);
  runtime.register('again', async () => ({ runAt: clock.now() + 10 }));
  const { job } = await runtime.schedule('t1', 'again', clock.now(), {});
  await runtime.runDue();
  await runtime.idle();
  t.match(await runtime.get('t1', job.id), { status: 'scheduled', attempts: 0 });
  t.same(runs[0]?.[1], 'rescheduled');
});

t.test('a node that dies mid-run leaves the job to another after the lease', async (t) => {
  const { clock, store, make, runs } = setup(t);
  const crashed = make();
  const hang = deferred();
  t.teardown(() => hang.resolve());
  crashed.register('send', () => hang.promise.then(() => undefined));
  const survivor = make();
  let ran = 0;
  survivor.register('send', () => {
    ran++;
    return undefined;
  });
  const { job } = await crashed.schedule('t1', 'send', clock.now(), {});
  t.equal(await crashed.runDue(), 1, 'the first node claims it, then dies (never settles)');
  t.equal(await survivor.runDue(), 0, 'leased');
  clock.advance(30_000);
  t.equal(await survivor.runDue(), 1, 'the lease ended');
  await survivor.idle();
  t.equal(ran, 1);
  t.match(await store.jobs.get('t1', job.id), { status: 'done', attempts: 2 });
  // The first node wakes up and finishes: its ack is refused, nothing runs a third time.
  hang.resolve();
  await crashed.idle();
  t.same(
    runs.map((r) => r[1]),
    ['done', 'lost'],
  );
});

t.test('a job whose nodes keep dying is failed instead of run again', async (t) => {
  const { clock, store, runtime } = setup(t, { max_attempts: 1 });
  let ran = 0;
  runtime.register('poison', () => {
    ran++;
    return undefined;
  });
  const { job } = await runtime.schedule('t1', 'poison', clock.now(), {});
  await store.jobs.claim(['poison'], 1, clock.now(), 1000, 'dead');
  clock.advance(1000);
  await runtime.runDue();
  await runtime.idle();
  t.equal(ran, 0);
  t.match(await store.jobs.get('t1', job.id), { status: 'failed', last_error: /gave up after 1/ });
});

t.test('at most `concurrency` runs at once', async (t) => {
  const { clock, runtime } = setup(t, { concurrency: 2 });
  const gate = deferred();
  let running = 0;
  let peak = 0;
  runtime.register('slow', async () => {
    running++;
    peak = Math.max(peak, running);
    await gate.promise;
    running--;
    return undefined;
  });
  for (let i = 0; i < 5; i++) await runtime.schedule('t1', 'slow', clock.now(), {});
  t.equal(await runtime.runDue(), 2);
  t.equal(await runtime.runDue(), 0, 'no free slot');
  gate.resolve();
  await runtime.idle();
  t.equal(peak, 2);
});

t.test(
  'a slot is free once the handler returns; idle waits for the end to be written',
  async (t) => {
    const memory = createMemoryStore();
    t.teardown(() => memory.close());
    const gate = deferred();
    let completing = 0;
    const jobs = new Proxy(memory.jobs, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (prop === 'complete') {
          return async (...args: Parameters<JobStore['complete']>) => {
            completing++;
            await gate.promise;
            return target.complete(...args);
          };
        }
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const { clock, runtime } = setup(t, { concurrency: 1 }, jobs);
    let ran = 0;
    runtime.register('quick', () => {
      ran++;
      return undefined;
    });
    const a = await runtime.schedule('t1', 'quick', clock.now(), {});
    const b = await runtime.schedule('t1', 'quick', clock.now(), {});
    const c = await runtime.schedule('t1', 'quick', clock.now(), {});
    t.equal(await runtime.runDue(), 1);
    await new Promise((r) => setImmediate(r));
    t.equal(completing, 1, 'the first end is being written');
    t.equal(await runtime.runDue(), 1, 'its slot is free meanwhile');
    await new Promise((r) => setImmediate(r));
    t.equal(
      await runtime.runDue(),
      0,
      'twice concurrency claimed: no more until an end is written',
    );
    let idle = false;
    const waiting = runtime.idle().then(() => {
      idle = true;
    });
    await new Promise((r) => setImmediate(r));
    t.equal(idle, false, 'idle waits for the ends');
    gate.resolve();
    await waiting;
    t.equal(ran, 2);
    t.match(await memory.jobs.get('t1', a.job.id), { status: 'done' });
    t.match(await memory.jobs.get('t1', b.job.id), { status: 'done' });
    t.match(await memory.jobs.get('t1', c.job.id), { status: 'scheduled' });
    t.equal(await runtime.runDue(), 1);
    await runtime.idle();
    t.equal(ran, 3);
  },
);

t.test('cancel by id or key; a key dedups scheduling', async (t) => {
  const { clock, runtime } = setup(t);
  let ran = 0;
  runtime.register('k', () => {
    ran++;
    return undefined;
  });
  const a = await runtime.schedule('t1', 'k', clock.now(), {}, { key: 'order-1' });
  const again = await runtime.schedule('t1', 'k', clock.now(), {}, { key: 'order-1' });
  t.equal(again.created, false);
  t.equal(again.job.id, a.job.id);
  t.match(await runtime.getByKey('t1', 'order-1'), { id: a.job.id });
  t.match(await runtime.cancelByKey('t1', 'order-1'), { cancelled: true });
  t.equal(await runtime.cancelByKey('t1', 'order-1'), null, 'the key is free');
  const b = await runtime.schedule('t1', 'k', clock.now(), {});
  t.match(await runtime.cancel('t1', b.job.id), { cancelled: true });
  t.same(
    (await runtime.list('t1', { status: 'cancelled' }, 10)).map((j) => j.id),
    [b.job.id, a.job.id],
  );
  await runtime.runDue();
  await runtime.idle();
  t.equal(ran, 0);
});

t.test('recurring jobs run on their cron schedule in their time zone, across DST', async (t) => {
  const { clock, runtime, store } = setup(t);
  // 2026-03-28 12:00 UTC: Berlin moves to summer time on the night of the 29th.
  clock.set(Date.UTC(2026, 2, 28, 12));
  const ran: string[] = [];
  runtime.every({
    kind: 'daily',
    cron: '0 9 * * *',
    timezone: 'Europe/Berlin',
    run: (job) => {
      ran.push(new Date(job.run_at).toISOString());
    },
  });
  await runtime.ensureRecurring();
  await runtime.ensureRecurring();
  const all = await store.jobs.list('default', { kind: 'daily' }, 10);
  t.equal(all.length, 1, 'made once');
  t.equal(all[0]?.run_at, Date.UTC(2026, 2, 29, 7), '09:00 in Berlin (summer time)');
  clock.set(Date.UTC(2026, 2, 29, 7));
  await runtime.runDue();
  await runtime.idle();
  t.same(ran, ['2026-03-29T07:00:00.000Z']);
  t.match(await store.jobs.get('default', all[0]!.id), {
    status: 'scheduled',
    run_at: Date.UTC(2026, 2, 30, 7),
  });
  // Down for three days: the missed occurrences are not replayed, the next one is planned.
  clock.set(Date.UTC(2026, 3, 2, 12));
  await runtime.runDue();
  await runtime.idle();
  t.equal(ran.length, 2);
  t.match(await store.jobs.get('default', all[0]!.id), { run_at: Date.UTC(2026, 3, 3, 7) });
});

t.test('a bad cron schedule is refused when the recurring jobs are made', async (t) => {
  const { runtime } = setup(t);
  runtime.every({ kind: 'bad', cron: 'every day', run: () => {} });
  await t.rejects(runtime.start(), /Invalid cron schedule "every day" in UTC/);
});

t.test('the loop runs due jobs by itself and sleeps until the next', async (t) => {
  const { clock, runtime } = setup(t, { poll_interval_ms: 20 });
  const done = deferred<string>();
  runtime.register('tick', (job) => {
    done.resolve(job.id);
    return undefined;
  });
  await runtime.start();
  await runtime.start();
  const { job } = await runtime.schedule('t1', 'tick', clock.now() + 60_000, {});
  // The timer is armed for the poll interval; moving the clock makes the job due by then.
  clock.advance(60_000);
  t.equal(await done.promise, job.id);
  await runtime.stop();
  await runtime.stop();
});

t.test('the loop wakes at once for a job scheduled due now, and again for the rest', async (t) => {
  const { clock, runtime } = setup(t, { poll_interval_ms: 600_000, concurrency: 1 });
  let n = 0;
  const all = deferred();
  runtime.register('now', () => {
    if (++n === 3) all.resolve();
    return undefined;
  });
  await runtime.start();
  for (let i = 0; i < 3; i++) await runtime.schedule('t1', 'now', clock.now(), {});
  await all.promise;
  t.equal(n, 3);
});

t.test(
  'a job scheduled due now while a pass is under way runs without waiting for the poll',
  async (t) => {
    const memory = createMemoryStore();
    t.teardown(() => memory.close());
    const claimed = deferred();
    const gate = deferred();
    let claims = 0;
    const jobs = new Proxy(memory.jobs, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (prop === 'claim') {
          return async (...args: Parameters<JobStore['claim']>) => {
            const rows = await target.claim(...args);
            if (++claims === 1) {
              claimed.resolve();
              await gate.promise;
            }
            return rows;
          };
        }
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const { clock, runtime } = setup(t, { poll_interval_ms: 600_000 }, jobs);
    const ran = deferred<string>();
    runtime.register('now', (job) => {
      ran.resolve(job.id);
      return undefined;
    });
    await runtime.start();
    await claimed.promise;
    // The first pass has read the store and not returned yet: this job missed it.
    const { job } = await runtime.schedule('t1', 'now', clock.now(), {});
    gate.resolve();
    t.equal(await ran.promise, job.id);
    await runtime.stop();
  },
);

t.test('a failing pass is logged and the loop goes on', async (t) => {
  const clock = new FakeClock();
  const store = createMemoryStore();
  let fail = true;
  const jobs = new Proxy(store.jobs, {
    get(target, prop, receiver) {
      if (prop === 'claim' && fail) {
        return async () => {
          fail = false;
          throw new Error('store down');
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const { runtime } = setup(t, { poll_interval_ms: 10 }, jobs);
  const ran = deferred();
  const handler: JobHandler = () => {
    ran.resolve();
    return undefined;
  };
  runtime.register('x', handler);
  await runtime.schedule('t1', 'x', clock.now() - 1, {});
  await runtime.start();
  await ran.promise;
  t.equal(fail, false);
  await store.close();
});
