/**
 * Per-provider concurrency and rate limits in the worker: a provider at its limit is passed
 * over like an unavailable one; with none left the delivery waits, its attempt not counted,
 * never dead-lettered for it.
 */
import t from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { ProviderLimits } from '../../src/providers/limits.js';
import type { SendResult } from '../../src/providers/plugin.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { reset, script, sent } from './fixtures/script.js';
import { fixture, SETTINGS, setup } from './setup.js';

t.beforeEach(() => reset());

const sms = (name: string, extra: object = {}) => ({ name, plugin: fixture('sms'), ...extra });
const MINUTE = 60_000;

t.test('concurrency 1: never two sends in flight at the provider', async (t) => {
  const { port, worker } = await setup({ sms: [sms('a', { concurrency: 1 })] });
  let inFlight = 0;
  let most = 0;
  const waiting: Array<() => void> = [];
  const held = (): Promise<SendResult> => {
    inFlight++;
    most = Math.max(most, inFlight);
    return new Promise((resolve) => {
      waiting.push(() => {
        inFlight--;
        resolve({ ok: true, provider_message_id: 'x' });
      });
    });
  };
  const ids = Array.from({ length: 5 }, () => port.add('sms'));
  script('a', ...ids.map(() => held));
  worker.start();
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  for (let i = 0; i < ids.length; i++) {
    await settle();
    t.equal(waiting.length, 1, `send ${i + 1}: one in flight, the others wait`);
    waiting.shift()?.();
  }
  await settle();
  await worker.stop();
  t.equal(most, 1, 'at most one in flight');
  for (const id of ids) t.match(port.get(id), { status: 'sent', attempts: 1 });
});

t.test('the limits themselves: a slot per send, a refusal counts nothing', async (t) => {
  const clock = new FakeClock();
  const store = createMemoryStore();
  const limits = new ProviderLimits(
    'a',
    1,
    { max_requests: 2, window_seconds: 60 },
    store.ratelimit,
    clock,
  );
  const first = await limits.admit();
  t.ok(first.ok);
  t.match(await limits.admit(), { ok: false, reason: 'concurrency', retryAt: null });
  t.match(limits.view(), { concurrency: 1, in_flight: 1, rate_limited_until: null });
  if (first.ok) first.release();
  const second = await limits.admit();
  t.ok(second.ok);
  if (second.ok) second.release();
  const windowEnd = clock.now() + MINUTE;
  t.match(await limits.admit(), { ok: false, reason: 'rate_limit', retryAt: windowEnd });
  t.match(limits.view(), {
    in_flight: 0,
    rate_limit: { max_requests: 2, window_seconds: 60, algorithm: 'fixed_window' },
    rate_limited_until: new Date(windowEnd).toISOString(),
  });
  t.notOk(limits.free(clock.now()));
  clock.advance(MINUTE);
  t.ok(limits.free(clock.now()));
  t.ok((await limits.admit()).ok, 'the next window lets sends through');
});

t.test(
  'a rate limit of N per window sends N, defers the rest to the next window, counts no attempt',
  async (t) => {
    const { port, worker, clock, events, metrics } = await setup(
      { sms: [sms('a', { rate_limit: { max_requests: 2, window_seconds: 60 } })] },
      { max_attempts: 2, workers: { ...SETTINGS.workers, concurrency: 10 } },
    );
    const start = clock.now();
    const ids = Array.from({ length: 7 }, () => port.add('sms'));
    t.equal(await worker.runOnce(), 7);
    const statuses = () => ids.map((id) => port.get(id).status);
    t.same(statuses().filter((s) => s === 'sent').length, 2, 'N sent');
    for (const id of ids.filter((id) => port.get(id).status === 'pending')) {
      t.match(port.get(id), { attempts: 0, next_attempt_at: start + MINUTE, last_error: null });
    }
    t.notOk(
      events.some((e) => e.type !== 'notification.sent' && e.type !== 'notification.delivered'),
      'no retry scheduled, nothing failed',
    );
    t.match(
      await metrics.metrics(),
      /notifyd_deliveries_total\{channel="sms",outcome="deferred"\} 5/,
    );
    t.equal(await worker.runOnce(), 0, 'nothing claimed before the window ends');
    for (let window = 1; window <= 3; window++) {
      clock.advance(MINUTE);
      await worker.runOnce();
      const sentNow = statuses().filter((s) => s === 'sent').length;
      t.equal(sentNow, Math.min(7, 2 * (window + 1)), `window ${window}: N more sent`);
    }
    t.same(
      ids.map((id) => port.get(id).attempts),
      [1, 1, 1, 1, 1, 1, 1],
      'each sent on its first counted attempt, past max_attempts of waiting',
    );
    t.equal(sent.get('a')?.length, 7, 'the provider saw each once');
  },
);

t.test('a limited provider fails over to the next one', async (t) => {
  const { port, worker, registry } = await setup({
    sms: [
      sms('a', { priority: 0, rate_limit: { max_requests: 1, window_seconds: 60 } }),
      sms('b', { priority: 1 }),
    ],
  });
  const ids = [port.add('sms'), port.add('sms'), port.add('sms')];
  t.equal(await worker.runOnce(), 3);
  t.equal(sent.get('a')?.length, 1, 'a took what its limit allows');
  t.equal(sent.get('b')?.length, 2, 'b took the rest');
  for (const id of ids) t.match(port.get(id), { status: 'sent', attempts: 1 });
  t.match(registry.view(registry.get('a')!).limits, {
    rate_limit: { max_requests: 1, window_seconds: 60 },
    in_flight: 0,
  });
  t.equal(registry.view(registry.get('a')!).health.failed, 0, 'a limit is not a failure');
});

t.test('a provider at its limit and another failing: a retry, never a dead letter', async (t) => {
  const { port, worker, clock } = await setup(
    {
      sms: [
        sms('a', { priority: 0, rate_limit: { max_requests: 1, window_seconds: 60 } }),
        sms('b', { priority: 1 }),
      ],
    },
    { max_attempts: 1 },
  );
  const first = port.add('sms');
  const second = port.add('sms');
  script('b', { ok: false, kind: 'permanent', message: 'rejected' });
  await worker.runOnce();
  t.match(port.get(first), { status: 'sent' });
  t.match(port.get(second), {
    status: 'pending',
    attempts: 1,
    next_attempt_at: clock.now() + MINUTE,
    last_error: 'b: rejected',
  });
  clock.advance(MINUTE);
  await worker.runOnce();
  t.match(port.get(second), { status: 'sent', attempts: 2 });
});
