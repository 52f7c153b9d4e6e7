import t from 'tap';
import { closed, reset, script, sent } from './fixtures/script.js';
import { device } from './memory-port.js';
import { fixture, SETTINGS, setup } from './setup.js';

t.beforeEach(() => reset());

const sms = (name: string, extra: object = {}) => ({ name, plugin: fixture('sms'), ...extra });

t.test('a send that succeeds: sent with the provider’s id, an event, the metrics', async (t) => {
  const { port, worker, events, metrics, registry } = await setup({ sms: [sms('a')] });
  const id = port.add('sms');
  t.equal(await worker.runOnce(), 1);
  t.match(port.get(id), { status: 'sent', provider_message_id: `a-${id}`, attempts: 1 });
  t.equal(sent.get('a')?.[0].attempt, 1, 'the plugin sees the attempt');
  t.match(events, [
    {
      type: 'notification.sent',
      tenant: 't1',
      data: { delivery_id: id, provider: 'a', attempt: 1, provider_message_id: `a-${id}` },
    },
    {
      type: 'notification.delivered',
      tenant: 't1',
      data: { delivery_id: id, provider: 'a', attempt: 1 },
    },
  ]);
  t.equal(events.length, 2, 'sent, and delivered at once: this provider confirms nothing later');
  const text = await metrics.metrics();
  t.match(text, /notifyd_provider_sent_total\{provider="a",channel="sms"\} 1/);
  t.match(text, /notifyd_deliveries_total\{channel="sms",outcome="sent"\} 1/);
  t.match(registry.view(registry.get('a')!).health, {
    state: 'closed',
    sent: 1,
    failed: 0,
    p50_latency_ms: 0,
  });
  t.equal(await worker.runOnce(), 0, 'nothing left to claim');
});

t.test('confirms_later: delivered waits for a callback or for the status polls', async (t) => {
  const watched: Array<{ id: string; provider: string; messageId: string }> = [];
  const poller = {
    async watch(d: { id: string }, provider: string, messageId: string) {
      watched.push({ id: d.id, provider, messageId });
    },
  };
  const { port, worker, events, metrics } = await setup({ sms: [sms('a')] }, {}, poller);
  const ok = (confirms_later: true | 'poll') => ({
    ok: true as const,
    provider_message_id: 'SM1',
    confirms_later,
  });
  script('a', ok('poll'), ok(true), {
    ok: true,
    provider_message_id: null,
    confirms_later: 'poll',
  });
  const polled = port.add('sms');
  const called = port.add('sms');
  const noId = port.add('sms');
  t.equal(await worker.runOnce(), 3);
  t.same(watched, [{ id: polled, provider: 'a', messageId: 'SM1' }], 'polls asked for once');
  t.same(
    events.filter((e) => e.type === 'notification.delivered').map((e) => e.data.delivery_id),
    [noId],
    'only the send without a message id (nothing to ask about) is delivered at once',
  );
  t.equal(events.filter((e) => e.type === 'notification.sent').length, 3);
  t.match(port.get(called), { status: 'sent' });
  const text = await metrics.metrics();
  t.match(text, /notifyd_deliveries_total\{channel="sms",outcome="delivered"\} 1/);

  // Without a scheduler to poll on, a 'poll' send is as delivered as the provider can tell.
  const bare = await setup({ sms: [sms('b')] });
  script('b', { ok: true, provider_message_id: 'SM2', confirms_later: 'poll' });
  const id = bare.port.add('sms');
  await bare.worker.runOnce();
  t.match(bare.events.at(-1), { type: 'notification.delivered', data: { delivery_id: id } });
});

t.test(
  'retryable: back to the queue after a full-jitter backoff, then dead after the last try',
  async (t) => {
    const { port, worker, events, clock, setJitter } = await setup({ sms: [sms('a')] });
    const id = port.add('sms');
    const fail = {
      ok: false as const,
      kind: 'retryable' as const,
      message: 'HTTP 503',
      code: '503',
    };
    script('a', fail, fail, fail);
    const start = clock.now();
    await worker.runOnce();
    t.match(
      port.get(id),
      { status: 'pending', next_attempt_at: start + 500, last_error: 'a: HTTP 503 (503)' },
      'half of base·2^0',
    );
    t.match(events.at(-1), {
      type: 'delivery.retry_scheduled',
      data: { attempt: 1, provider: 'a', error: 'a: HTTP 503 (503)' },
    });
    t.equal(await worker.runOnce(), 0, 'not due yet');
    clock.advance(500);
    setJitter(0.25);
    await worker.runOnce();
    t.equal(port.get(id).next_attempt_at, clock.now() + 500, 'a quarter of base·2^1');
    clock.advance(500);
    await worker.runOnce();
    t.match(
      port.get(id),
      { status: 'failed', attempts: 3, last_error: 'a: HTTP 503 (503)' },
      'dead-lettered',
    );
    t.match(events.at(-1), {
      type: 'notification.failed',
      data: { status: 'failed', kind: 'retryable', attempt: 3 },
    });
  },
);

t.test('Retry-After is waited for instead of the backoff, up to backoff_max_ms', async (t) => {
  const { port, worker, clock } = await setup({ sms: [sms('a')] }, { backoff_max_ms: 10000 });
  const id = port.add('sms');
  script('a', { ok: false, kind: 'retryable', message: '429', retry_after_ms: 7000 });
  await worker.runOnce();
  t.equal(port.get(id).next_attempt_at, clock.now() + 7000);
  clock.advance(7000);
  script('a', { ok: false, kind: 'retryable', message: '429', retry_after_ms: 3_600_000 });
  await worker.runOnce();
  t.equal(port.get(id).next_attempt_at, clock.now() + 10000, 'capped');
});

t.test('failover: a retryable or permanent failure moves on to the next provider', async (t) => {
  const { port, worker, events } = await setup({
    sms: [
      sms('second', { priority: 2 }),
      sms('first', { priority: 1 }),
      sms('third', { priority: 3 }),
    ],
  });
  const id = port.add('sms');
  script('first', { ok: false, kind: 'retryable', message: 'timeout' });
  script('second', { ok: false, kind: 'permanent', message: 'content refused' });
  await worker.runOnce();
  t.match(port.get(id), { status: 'sent', provider_message_id: `third-${id}` });
  t.same([...sent.keys()], ['first', 'second', 'third'], 'in priority order');
  t.match(events.at(-1), { data: { provider: 'third' } });
});

t.test('permanent on every provider: dead at once, without retries', async (t) => {
  const { port, worker, events } = await setup({ sms: [sms('a'), sms('b')] });
  const id = port.add('sms');
  script('a', { ok: false, kind: 'permanent', message: 'bad sender' });
  script('b', { ok: false, kind: 'permanent', message: 'bad content' });
  await worker.runOnce();
  t.match(port.get(id), { status: 'failed', attempts: 1, last_error: 'b: bad content' });
  t.match(events.at(-1), {
    type: 'notification.failed',
    data: { kind: 'permanent', provider: 'b' },
  });
});

t.test('a retryable failure among permanent ones keeps the delivery for a retry', async (t) => {
  const { port, worker } = await setup({ sms: [sms('a'), sms('b')] });
  const id = port.add('sms');
  script('a', { ok: false, kind: 'retryable', message: 'busy' });
  script('b', { ok: false, kind: 'permanent', message: 'refused' });
  await worker.runOnce();
  t.match(port.get(id), { status: 'pending', last_error: 'a: busy' });
});

t.test('invalid recipient: bounced, the device deactivated, no failover', async (t) => {
  const { port, worker, events } = await setup({
    push: [
      { name: 'p1', plugin: fixture('anypush') },
      { name: 'p2', plugin: fixture('anypush') },
    ],
  });
  const id = port.add('push', { device: device('webpush') });
  script('p1', { ok: false, kind: 'invalid_recipient', message: 'HTTP 410 Gone' });
  await worker.runOnce();
  t.match(port.get(id), { status: 'bounced', last_error: 'p1: HTTP 410 Gone' });
  t.same(port.deactivated, ['dev_webpush']);
  t.notOk(sent.has('p2'));
  t.match(events.at(-1), {
    type: 'notification.failed',
    data: { status: 'bounced', kind: 'invalid_recipient' },
  });
});

t.test('a send that outlived its lease settles nothing: the new claim holds it', async (t) => {
  const outcomes = [
    ['sent', { ok: true, provider_message_id: 'late' }],
    ['retried', { ok: false, kind: 'retryable', message: 'HTTP 503' }],
    ['failed', { ok: false, kind: 'permanent', message: 'refused' }],
    ['bounced', { ok: false, kind: 'invalid_recipient', message: 'HTTP 410 Gone' }],
  ] as const;
  for (const [outcome, result] of outcomes) {
    await t.test(outcome, async (t) => {
      const { port, worker, events, metrics, clock } = await setup({
        push: [{ name: 'p1', plugin: fixture('anypush') }],
      });
      const id = port.add('push', { device: device('webpush') });
      let second: Awaited<ReturnType<typeof port.claim>> = [];
      script('p1', async () => {
        // The send takes longer than the lease; another worker claims the delivery meanwhile.
        clock.advance(SETTINGS.workers.lease_ms);
        second = await port.claim(['push'], 10, SETTINGS.workers.lease_ms);
        return result;
      });
      await worker.runOnce();
      t.equal(second.length, 1, 'claimed again once the lease ran out');
      t.match(port.get(id), {
        status: 'pending',
        attempts: 2,
        lease_token: second[0].delivery.lease_token,
        provider_message_id: null,
        last_error: null,
      });
      t.same(events, [], 'no event: the new claim settles it');
      t.same(port.deactivated, [], 'no device deactivated');
      t.match(
        await metrics.metrics(),
        /notifyd_deliveries_total\{channel="push",outcome="lease_lost"\} 1/,
      );
      t.ok(await port.complete(second[0].delivery, 'p-2'), 'the new claim settles it');
      t.match(port.get(id), { status: 'sent', provider_message_id: 'p-2' });
    });
  }
});

t.test('push goes only to the providers reaching the device’s kind', async (t) => {
  const { port, worker, events } = await setup({
    push: [
      { name: 'fcm', plugin: fixture('fcm') },
      { name: 'any', plugin: fixture('anypush') },
    ],
  });
  const a = port.add('push', { device: device('fcm') });
  const b = port.add('push', { device: device('apns') });
  await worker.runOnce();
  t.equal(port.get(a).provider_message_id, `fcm-${a}`);
  t.equal(port.get(b).provider_message_id, `any-${b}`);

  const only = await setup({ push: [{ name: 'fcm', plugin: fixture('fcm') }] });
  const c = only.port.add('push', { device: device('apns') });
  await only.worker.runOnce();
  t.match(only.port.get(c), {
    status: 'failed',
    last_error: 'no provider of the push channel reaches apns devices',
  });
  t.match(only.events.at(-1), { data: { provider: null, kind: 'permanent' } });
  t.ok(events.length >= 2);
});

t.test('a timeout, a throw or a malformed answer is retryable', async (t) => {
  const { port, worker, timers, clock } = await setup({ sms: [sms('a', { timeout_ms: 250 })] });
  const id = port.add('sms');
  script('a', 'hang', 'throw', 'garbage');
  const run = worker.runOnce();
  await new Promise((r) => setImmediate(r));
  t.equal(timers.fire(250), 1, 'the provider’s own timeout');
  await run;
  t.match(port.get(id), { status: 'pending', last_error: 'a: timed out after 250 ms' });
  clock.advance(60000);
  await worker.runOnce();
  t.match(port.get(id), { status: 'pending', last_error: 'a: threw: the plugin broke' });
  clock.advance(60000);
  await worker.runOnce();
  t.match(port.get(id), { status: 'failed', last_error: /not a send result/ });
  t.equal(timers.pending.size, 0, 'timeouts are cleared after each send');
});

t.test(
  'the circuit opens after failures in a row, fails over, and lets one trial through later',
  async (t) => {
    const { port, worker, clock, circuits, registry } = await setup(
      { sms: [sms('a'), sms('b')] },
      { circuit: { failure_threshold: 2, reset_ms: 10000 } },
    );
    const fail = { ok: false as const, kind: 'retryable' as const, message: 'down' };
    script('a', fail, fail);
    port.add('sms');
    port.add('sms');
    await worker.runOnce();
    t.same(circuits, ['a:open']);
    const c = port.add('sms');
    await worker.runOnce();
    t.equal(port.get(c).provider_message_id, `b-${c}`, 'skipped while open');
    t.equal(sent.get('a')?.length, 2);
    clock.advance(10000);
    script('a', fail);
    const d = port.add('sms');
    await worker.runOnce();
    t.same(circuits, ['a:open', 'a:half_open', 'a:open'], 'the trial failed: open again');
    t.equal(port.get(d).provider_message_id, `b-${d}`);
    clock.advance(10000);
    const e = port.add('sms');
    await worker.runOnce();
    t.equal(port.get(e).provider_message_id, `a-${e}`);
    t.same(circuits.at(-1), 'a:closed');
    t.match(registry.view(registry.get('a')!).health, {
      state: 'closed',
      failed: 3,
      last_error: 'down',
    });
  },
);

t.test('every circuit open: retried when the first one lets a trial through', async (t) => {
  const { port, worker, clock } = await setup(
    { sms: [sms('a')] },
    { circuit: { failure_threshold: 1, reset_ms: 20000 } },
  );
  script('a', { ok: false, kind: 'retryable', message: 'down' });
  port.add('sms');
  await worker.runOnce();
  const opened = clock.now();
  const id = port.add('sms');
  await worker.runOnce();
  t.match(port.get(id), {
    status: 'pending',
    next_attempt_at: opened + 20000,
    last_error: 'every provider’s circuit is open',
  });
});

t.test('a permanent failure during a half-open trial closes the circuit', async (t) => {
  const { port, worker, clock, circuits } = await setup(
    { sms: [sms('a')] },
    { circuit: { failure_threshold: 1, reset_ms: 1000 } },
  );
  script(
    'a',
    { ok: false, kind: 'retryable', message: 'down' },
    { ok: false, kind: 'permanent', message: 'no' },
  );
  port.add('sms');
  await worker.runOnce();
  clock.advance(1000);
  port.add('sms');
  await worker.runOnce();
  t.same(circuits, ['a:open', 'a:half_open', 'a:closed']);
});

t.test(
  'a store failing while settling is logged; the lease brings the delivery back',
  async (t) => {
    const { port, worker, clock } = await setup({ sms: [sms('a')] });
    const id = port.add('sms');
    port.failSettle = true;
    await worker.runOnce();
    t.match(port.get(id), { status: 'pending', attempts: 1 });
    port.failSettle = false;
    t.equal(await worker.runOnce(), 0, 'leased');
    clock.advance(60000);
    await worker.runOnce();
    t.match(port.get(id), { status: 'sent', attempts: 2 });
  },
);

t.test('started: polls when idle, wakes when deliveries are queued, stops cleanly', async (t) => {
  const { port, worker, timers } = await setup({ sms: [sms('a')] }, {});
  worker.start();
  worker.start();
  await new Promise((r) => setImmediate(r));
  t.equal(timers.pending.size, 1, 'an idle wait');
  const id = port.add('sms');
  t.equal(port.get(id).status, 'pending');
  timers.fire(500);
  for (let i = 0; i < 5 && port.get(id).status !== 'sent'; i++)
    await new Promise((r) => setImmediate(r));
  t.equal(port.get(id).status, 'sent', 'claimed on the next poll');
  worker.nudge();
  await worker.stop();
  t.equal(worker.busy, 0);
});

t.test(
  'started: a full worker waits for a slot; a failing claim is logged and retried',
  async (t) => {
    const { port, worker, timers } = await setup(
      { sms: [sms('a')] },
      {
        workers: {
          enabled: true,
          concurrency: 1,
          batch_size: 5,
          lease_ms: 60000,
          poll_interval_ms: 100,
        },
      },
    );
    let release: () => void = () => {};
    script(
      'a',
      () =>
        new Promise((r) => {
          release = () => r({ ok: true, provider_message_id: 'x' });
        }),
    );
    const a = port.add('sms');
    const b = port.add('sms');
    worker.start();
    await new Promise((r) => setImmediate(r));
    t.equal(worker.busy, 1, 'one at a time');
    release();
    for (let i = 0; i < 10 && port.get(b).status !== 'sent'; i++)
      await new Promise((r) => setImmediate(r));
    t.same([port.get(a).status, port.get(b).status], ['sent', 'sent']);
    port.failClaim = true;
    timers.fire(100);
    await new Promise((r) => setImmediate(r));
    t.ok(timers.pending.size >= 1, 'waits again after a failed claim');
    port.failClaim = false;
    await worker.stop();
  },
);

t.test('a worker with no provider does not start', async (t) => {
  const { worker, timers } = await setup({});
  worker.start();
  t.equal(timers.pending.size, 0);
  t.equal(await worker.runOnce(), 0);
  await worker.stop();
  t.same(closed, []);
});
