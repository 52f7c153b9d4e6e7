import t, { type Test } from 'tap';
import { systemClock } from '../../src/core/clock.js';
import { createIdGenerator } from '../../src/core/ids.js';
import { EventBus } from '../../src/events/bus.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import type { DeliveryCount, DispatchSettings } from '../../src/webhooks/dispatcher.js';
import { Webhooks } from '../../src/webhooks/webhooks.js';
import { uncatalogued } from '../helpers/events.js';
import { startReceiver } from '../helpers/webhook-receiver.js';

const caller = { key_id: 'admin', tenant_id: 'default', tenant_bound: false, admin: true };

async function setUp(
  t: Test,
  settings: Partial<
    DispatchSettings & { config_cache_ms: number; denied_networks: readonly string[] }
  >,
) {
  const store = createMemoryStore();
  t.teardown(() => store.close());
  const ids = createIdGenerator(systemClock);
  const bus = new EventBus(systemClock, ids);
  const counts: DeliveryCount[] = [];
  const webhooks = new Webhooks({
    store: store.objects,
    bus,
    clock: systemClock,
    ids,
    settings: {
      timeout_ms: 5000,
      max_attempts: 1,
      retry_base_ms: 5,
      retry_max_ms: 50,
      queue_size: 100,
      concurrency: 1,
      config_cache_ms: 1000,
      denied_networks: [],
      ...settings,
    },
    count: (r) => counts.push(r),
  });
  webhooks.dispatcher.start();
  t.teardown(() => webhooks.dispatcher.close(0));
  return { bus: uncatalogued(bus), webhooks, counts, store };
}

/** Lets emitted events be routed (the memory store answers without I/O). */
const routed = () => new Promise((r) => setImmediate(r));

t.test('a full queue drops the oldest waiting delivery and counts it', async (t) => {
  const receiver = await startReceiver(t);
  // The first hangs until the test drops it: a timeout could fire before the third is
  // queued on a loaded machine, and then there would be nothing to push out.
  const { bus, webhooks, counts } = await setUp(t, { queue_size: 1, timeout_ms: 60_000 });
  receiver.answer = (_path, n) => (n === 1 ? 'hang' : { status: 200 });
  const hook = await webhooks.service.create(caller, { url: `${receiver.url}/q`, events: ['*'] });

  const first = bus.emit('e.one', 'default', {});
  t.equal((await receiver.next('/q')).body.id, first?.id, 'the first is in flight');
  bus.emit('e.two', 'default', {});
  const third = bus.emit('e.three', 'default', {});
  await routed();
  t.same(counts, ['dropped'], 'the second waited in a queue of one; the third pushed it out');

  // The first's connection drops (it fails: one attempt); then the third goes.
  receiver.release();
  t.equal((await receiver.next('/q')).body.id, third?.id, 'the newest was kept');
  t.same(
    webhooks.log.recent(hook.id).map((a) => [a.event_type, a.result]),
    [['e.one', 'failed']],
  );
});

t.test('close waits for a delivery in flight; queued ones are dropped; then nothing', async (t) => {
  const receiver = await startReceiver(t);
  const { bus, webhooks, counts } = await setUp(t, {});
  receiver.answer = () => ({ status: 200, delayMs: 150 });
  const hook = await webhooks.service.create(caller, { url: `${receiver.url}/s`, events: ['*'] });
  bus.emit('e.one', 'default', {});
  await receiver.next('/s');
  bus.emit('e.two', 'default', {});
  await routed();
  await webhooks.dispatcher.close(5000);
  t.same(
    webhooks.log.recent(hook.id).map((a) => [a.event_type, a.result]),
    [['e.one', 'delivered']],
    'the delivery in flight finished before close resolved',
  );
  t.same(counts.sort(), ['delivered', 'dropped']);
  bus.emit('e.three', 'default', {});
  await routed();
  t.equal(receiver.at('/s').length, 1, 'nothing after close');
});

t.test('close does not wait longer than its grace for a receiver that never answers', async (t) => {
  const receiver = await startReceiver(t);
  const { bus, webhooks } = await setUp(t, {});
  receiver.answer = () => 'hang';
  await webhooks.service.create(caller, { url: `${receiver.url}/h`, events: ['*'] });
  bus.emit('e.one', 'default', {});
  await receiver.next('/h');
  await webhooks.dispatcher.close(50);
  t.pass('closed');
});

t.test('a change on another node applies once the cache is checked again', async (t) => {
  const receiver = await startReceiver(t);
  const { bus, webhooks, store } = await setUp(t, { config_cache_ms: 0 });
  await webhooks.service.create(caller, { url: `${receiver.url}/a`, events: ['*'] });
  bus.emit('e.one', 'default', {});
  await receiver.next('/a');
  // Another node's write: straight to the store, without this node's invalidation.
  await store.objects.create({
    kind: 'webhook',
    id: 'whk_other_node',
    tenant_id: 'default',
    key: null,
    data: {
      url: `${receiver.url}/b`,
      events: ['*'],
      secret: 'x'.repeat(16),
      description: '',
      active: true,
    },
    created_at: Date.now(),
  });
  bus.emit('e.two', 'default', {});
  t.equal((await receiver.next('/b')).body.type, 'e.two');
});

t.test('deliveries never connect to a denied network', async (t) => {
  const receiver = await startReceiver(t);
  const { bus, webhooks, counts } = await setUp(t, {
    denied_networks: ['127.0.0.0/8', '::1', '169.254.0.0/16'],
    max_attempts: 3,
  });
  const port = new URL(receiver.url).port;

  for (const url of [
    'http://169.254.169.254/latest',
    `http://127.0.0.1:${port}/x`,
    // IPv6 spellings of the metadata address: compatible, mapped, NAT64, 6to4.
    'http://[::169.254.169.254]/latest',
    'http://[::ffff:a9fe:a9fe]/latest',
    'http://[64:ff9b::a9fe:a9fe]/latest',
    'http://[2002:a9fe:a9fe::1]/latest',
  ]) {
    await t.rejects(
      webhooks.service.create(caller, { url, events: ['*'] }),
      {
        code: 'VALIDATION_ERROR',
        message: /^body\.url must not name [\d.a-f:]+, which is in webhooks\.denied_networks$/,
      },
      `${url} is refused when created`,
    );
  }

  // A name is checked on every connection, against each address it resolves to.
  const named = await webhooks.service.create(caller, {
    url: `http://localhost:${port}/named`,
    events: ['*'],
  });
  bus.emit('e.one', 'default', {});
  await routed();
  while (counts.length === 0) await new Promise((r) => setTimeout(r, 5));
  t.same(counts, ['failed'], 'failed at once, not retried');
  t.match(webhooks.log.recent(named.id), [
    { result: 'failed', error: /localhost resolves to .*, which is in webhooks\.denied_networks/ },
  ]);
  t.equal(receiver.received.length, 0, 'nothing reached the receiver');
  const tested = await webhooks.dispatcher.test(named);
  t.match(tested, { delivered: false, retryable: false, error: /denied_networks/ });
});

t.test('addresses outside the denied networks are reached', async (t) => {
  const receiver = await startReceiver(t);
  const { webhooks } = await setUp(t, { denied_networks: ['169.254.0.0/16'] });
  const hook = await webhooks.service.create(caller, {
    url: `${receiver.url.replace('127.0.0.1', 'localhost')}/ok`,
    events: ['*'],
  });
  t.match(await webhooks.dispatcher.test(hook), { delivered: true });
});
