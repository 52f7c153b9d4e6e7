import type { TemplatedApp } from 'uWebSockets.js';
import t from 'tap';
import {
  SHARDS,
  ShardedFanOut,
  shardTopic,
  TURN_BUDGET,
} from '../../src/server/realtime/fanout.js';

/** A stand-in for uWS's topics: how many subscribe to each, and what was published when. */
function fakeApp(sizes: Record<string, number>) {
  const published: Array<{ topic: string; frame: string; turn: number }> = [];
  let turn = 0;
  const app = {
    numSubscribers: (topic: string) => sizes[topic] ?? 0,
    publish: (topic: string, frame: string) => {
      published.push({ topic, frame, turn });
      return true;
    },
  } as unknown as TemplatedApp;
  // Counts loop turns: queued before any drain, it runs first in each turn's check phase.
  let ticking = true;
  const tick = () => {
    turn++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
  const stop = () => {
    ticking = false;
  };
  return { app, published, nextTurn, stop };
}

/** `total` sessions spread over the shards of `topic` as round-robin assignment does. */
function spread(topic: string, total: number): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (let s = 0; s < SHARDS; s++) {
    sizes[shardTopic(topic, s)] = Math.floor(total / SHARDS) + (s < total % SHARDS ? 1 : 0);
  }
  return sizes;
}

t.test('sessions are spread round-robin over the shards', async (t) => {
  const fan = new ShardedFanOut(() => null);
  const shards = Array.from({ length: SHARDS * 2 }, () => fan.nextShard());
  t.same(shards.slice(0, SHARDS), [...Array(SHARDS).keys()]);
  t.same(shards.slice(SHARDS), shards.slice(0, SHARDS));
  t.equal(fan.subscribers('t:x'), 0, 'no server yet');
});

t.test('a small topic goes out at once, in the same turn', async (t) => {
  const { app, published, stop } = fakeApp(spread('c:t:small', 40));
  t.teardown(stop);
  const fan = new ShardedFanOut(() => app);
  t.equal(fan.subscribers('c:t:small'), 40);
  let sent = 0;
  fan.publish('c:t:small', 'hello', () => sent++);
  t.equal(published.length, 32, 'every shard with sessions');
  t.equal(sent, 1, 'counted once');
  t.equal(fan.pending, 0);
});

t.test('a large topic is written a turn at a time, within the budget', async (t) => {
  const total = 10_000;
  const { app, published, nextTurn, stop } = fakeApp(spread('t:big', total));
  t.teardown(stop);
  const fan = new ShardedFanOut(() => app);
  let sent = 0;
  fan.publish('t:big', 'one', () => sent++);
  fan.publish('t:big', 'two', () => sent++);
  t.ok(fan.pending > 0, 'not all at once');
  for (let i = 0; i < 100 && fan.pending > 0; i++) await nextTurn();
  t.equal(fan.pending, 0, 'all of it, eventually');
  t.equal(sent, 2);
  const perTurn = new Map<number, number>();
  for (const p of published) {
    perTurn.set(p.turn, (perTurn.get(p.turn) ?? 0) + Math.ceil(total / SHARDS));
  }
  t.ok(perTurn.size >= (2 * total) / TURN_BUDGET / 2, `spread over ${perTurn.size} turns`);
  for (const [turn, n] of perTurn) {
    t.ok(n <= TURN_BUDGET + Math.ceil(total / SHARDS), `turn ${turn} wrote to about ${n}`);
  }
  t.same(
    published.map((p) => p.frame),
    [...Array(SHARDS).fill('one'), ...Array(SHARDS).fill('two')],
    'in publish order, each to every shard once',
  );
  const later = published.length;
  fan.publish('t:big', 'three', () => sent++);
  fan.clear();
  for (let i = 0; i < 3; i++) await nextTurn();
  t.ok(published.length - later < SHARDS, 'cleared frames are not written on');
});

t.test('a topic with nobody left is not counted as sent', async (t) => {
  const { app, stop } = fakeApp({});
  t.teardown(stop);
  const fan = new ShardedFanOut(() => app);
  let sent = 0;
  fan.publish('c:t:gone', 'x', () => sent++);
  t.equal(sent, 0);
});
