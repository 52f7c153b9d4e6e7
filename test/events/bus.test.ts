import t from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { createIdGenerator } from '../../src/core/ids.js';
import { EventBus } from '../../src/events/bus.js';
import type { EventEnvelope } from '../../src/events/types.js';
import { uncatalogued } from '../helpers/events.js';

t.test('emit answers the envelope; listeners hear it after emit returns', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 2, 1, 12));
  const bus = new EventBus(clock, createIdGenerator(clock));
  const heard: EventEnvelope[] = [];
  const stop = bus.subscribe((e) => {
    heard.push(e);
  });
  const event = uncatalogued(bus).emit('ratelimit.limit_exceeded', 'acme', { key: 'k' });
  t.same(heard, [], 'not during emit');
  t.match(event, {
    id: /^evt_/,
    type: 'ratelimit.limit_exceeded',
    tenant_id: 'acme',
    created_at: '2026-03-01T12:00:00.000Z',
    data: { key: 'k' },
  });
  await Promise.resolve();
  t.same(heard, [event]);
  stop();
  uncatalogued(bus).emit('x.y', null, {});
  await Promise.resolve();
  t.equal(heard.length, 1, 'an unsubscribed listener hears nothing more');
});

t.test('a failing listener neither throws from emit nor stops the others', async (t) => {
  const clock = new FakeClock();
  const warnings: unknown[] = [];
  const logger = { warn: (o: unknown) => warnings.push(o) } as never;
  const bus = new EventBus(clock, createIdGenerator(clock), logger);
  const heard: string[] = [];
  bus.subscribe(() => {
    throw new Error('sync');
  });
  bus.subscribe(async () => {
    throw new Error('async');
  });
  bus.subscribe((e) => {
    heard.push(e.type);
  });
  t.doesNotThrow(() => uncatalogued(bus).emit('a.b', null, {}));
  await new Promise((r) => setImmediate(r));
  t.same(heard, ['a.b']);
  t.equal(warnings.length, 2, 'both failures logged');
});
