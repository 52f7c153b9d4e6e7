import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import t, { type Test } from 'tap';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/core/logger.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import type { Store } from '../../src/store/types.js';
import { globToRegExp, isFirstMatch, planChannels } from '../../src/triggers/channels.js';
import { deleteKeys, PrivateRedis } from '../helpers/redis.js';
import { connect, type Running, startServer, userToken } from '../helpers/server.js';
import { REDIS_URL, requireRedis } from '../helpers/services.js';

// biome-ignore lint/suspicious/noExplicitAny: log lines are whatever JSON pino wrote
type LogLine = Record<string, any>;

/** A logger whose lines the test can read. */
function capturedLogger() {
  const lines: LogLine[] = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (s: string) => void lines.push(JSON.parse(s)) },
  });
  return { logger, lines };
}

/** Waits until `check` holds; the tests assert on what follows, never on how long it took. */
async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

t.test(
  'REDIS_CHANNELS and REDIS_TRIGGERS_ENABLED set the listener from the environment',
  async (t) => {
    const config = loadConfig({
      env: { REDIS_TRIGGERS_ENABLED: 'true', REDIS_CHANNELS: 'alerts, jobs:* ,team:[ab]' },
    });
    t.same(config.triggers.redis, {
      enabled: true,
      channels: ['alerts', 'jobs:*', 'team:[ab]'],
      url: '',
      lease_ttl_ms: 10000,
    });
    t.same(loadConfig({ env: {} }).triggers.redis.channels, [
      'notification:user:*',
      'notification:broadcast',
      'notification:channel:*',
    ]);
    t.throws(
      () => loadConfig({ env: { REDIS_TRIGGERS_ENABLED: 'true', REDIS_CHANNELS: ' , ' } }),
      /triggers\.redis\.channels/,
    );
  },
);

t.test(
  'channel entries: names, Redis globs, and which subscription a message counts for',
  async (t) => {
    const plan = planChannels([
      'a:b',
      'a:*',
      ' a:? ',
      'team:[a-c]',
      'x:[^0-9]',
      'lit:\\*',
      'open:[',
      'a:b',
    ]);
    t.same(plan.names, ['a:b']);
    t.same(plan.patterns, ['a:*', 'a:?', 'team:[a-c]', 'x:[^0-9]', 'lit:\\*', 'open:[']);
    const matches = (glob: string, channel: string) => globToRegExp(glob).test(channel);
    t.ok(matches('team:[a-c]', 'team:b'));
    t.notOk(matches('team:[a-c]', 'team:d'));
    t.ok(matches('x:[^0-9]', 'x:z'));
    t.notOk(matches('x:[^0-9]', 'x:5'));
    t.ok(matches('lit:\\*', 'lit:*'));
    t.notOk(matches('lit:\\*', 'lit:x'), 'an escaped * is literal');
    t.ok(matches('open:[', 'open:['), 'an unclosed [ is literal');
    t.notOk(matches('a:?', 'a:bc'));
    t.ok(isFirstMatch(plan, 'a:b', null), 'the exact subscription counts');
    t.notOk(isFirstMatch(plan, 'a:b', 'a:*'), 'not a pattern that also matches it');
    t.ok(isFirstMatch(plan, 'a:c', 'a:*'), 'the first matching pattern counts');
    t.notOk(isFirstMatch(plan, 'a:c', 'a:?'), 'not a later one');
  },
);

if (await requireRedis(t)) {
  // Channels and keys of this file only: the Redis is shared with other suites.
  const P = `notifyd-triggers-test:${process.pid}:`;
  const CHANNELS = [
    `${P}notification:user:*`,
    `${P}notification:broadcast`,
    `${P}notification:channel:*`,
  ];
  const publisher = new Redis(REDIS_URL);
  t.teardown(async () => {
    publisher.disconnect();
    await deleteKeys(REDIS_URL, P);
  });
  const publish = (channel: string, message: unknown) =>
    publisher.publish(
      `${P}${channel}`,
      typeof message === 'string' ? message : JSON.stringify(message),
    );

  const serve = async (
    t: Test,
    opts: { channels?: string[]; cluster?: string; store?: Store; url?: string } = {},
  ) => {
    const { logger, lines } = capturedLogger();
    const s = await startServer(
      t,
      {
        store: { backend: 'redis', redis: { url: REDIS_URL, prefix: P } },
        triggers: {
          redis: {
            enabled: true,
            channels: opts.channels ?? CHANNELS,
            url: opts.url ?? '',
            lease_ttl_ms: 600,
          },
        },
        ...(opts.cluster
          ? {
              cluster: {
                enabled: true,
                node_id: opts.cluster,
                heartbeat_interval_ms: 100,
                node_ttl_ms: 400,
              },
            }
          : {}),
      },
      opts.store ?? createMemoryStore(),
      { logger },
    );
    if (!opts.url) await s.server.triggers!.whenSubscribed();
    return { ...s, lines };
  };
  const session = async (
    t: Test,
    s: Running,
    user: string,
    opts: Parameters<typeof userToken>[1] = {},
  ) => {
    const c = await connect(t, `${s.wsUrl}?token=${await userToken(user, opts)}`);
    await c.next('authenticated');
    return c;
  };
  const event = (extra: Record<string, unknown> = {}) => ({
    event_type: 'order.shipped',
    payload: { title: 'Shipped', message: 'Your order is on its way', order: 42 },
    ...extra,
  });

  t.test(
    'a user trigger becomes a notification in the feed and reaches the user live',
    async (t) => {
      const s = await serve(t);
      const ann = await session(t, s, 'ann');
      const other = await session(t, s, 'ben');
      await publish('notification:user:ann', {
        type: 'user',
        target: 'ann',
        event: event({ priority: 'High', ttl: 3600, correlation_id: 'corr-1' }),
      });
      const live = (await ann.next('notification')).data;
      t.match(live, {
        recipient_id: 'ann',
        category: 'order.shipped',
        priority: 'high',
        content: { title: 'Shipped', body: 'Your order is on its way' },
        data: {
          event_type: 'order.shipped',
          payload: { order: 42 },
          correlation_id: 'corr-1',
          ttl: 3600,
        },
      });
      const feed = await s.asUser('ann', 'GET', '/api/v1/me/notifications');
      t.equal(feed.body.data.length, 1);
      t.equal(feed.body.data[0].id, live.id, 'the live one is the stored one');
      t.notOk(
        other.frames.some((f) => f.type === 'notification'),
        'nobody else',
      );

      // The channel name only decides that it is heard: the payload names the user.
      await publish('notification:user:someone-else', {
        type: 'user',
        target: 'ann',
        tenant_id: 'default',
        event: { event_type: 'plain', payload: { body: 'b' }, priority: 'low' },
      });
      t.match((await ann.next('notification')).data, {
        category: 'plain',
        priority: 'low',
        content: { title: 'plain', body: 'b' },
        data: { event_type: 'plain', payload: { body: 'b' } },
      });
      const counts = await s.server.metrics.registry
        .getSingleMetric('notifyd_redis_triggers_total')!
        .get();
      t.same(
        counts.values.map((v) => [v.labels.result, v.value]),
        [['accepted', 2]],
      );
    },
  );

  t.test('a users trigger reaches each user once; priority defaults to normal', async (t) => {
    const s = await serve(t);
    const [a, b] = [await session(t, s, 'amy'), await session(t, s, 'bob')];
    await publish('notification:user:batch', {
      type: 'users',
      target: ['amy', 'bob', 'amy'],
      event: { event_type: 'digest', payload: {}, priority: null, ttl: null, correlation_id: null },
    });
    for (const c of [a, b]) t.match((await c.next('notification')).data, { priority: 'normal' });
    await publish('notification:user:x', {
      type: 'user',
      target: 'amy',
      event: event({ priority: 'Critical' }),
    });
    t.match((await a.next('notification')).data, { priority: 'urgent' }, 'critical is urgent');
    const amy = await s.asUser('amy', 'GET', '/api/v1/me/notifications');
    t.equal(amy.body.data.length, 2, 'the repeated id got one notification');
  });

  t.test('broadcast and channel triggers reach the tenant and channel sessions live', async (t) => {
    const s = await serve(t);
    const claims = { channels: ['orders', 'team-*'] };
    const sub = await session(t, s, 'cat', { tenant: 'acme', claims });
    const plain = await session(t, s, 'dan', { tenant: 'acme' });
    const outsider = await session(t, s, 'eve', { claims });
    for (const [c, channel] of [
      [sub, 'orders'],
      [sub, 'team-red'],
      [outsider, 'orders'],
    ] as const) {
      c.send({ type: 'subscribe', channel });
      await c.next('subscribed');
    }
    await publish('notification:broadcast', {
      type: 'broadcast',
      tenant_id: 'acme',
      event: { event_type: 'maintenance', payload: { at: '22:00' }, priority: 'Normal' },
    });
    for (const c of [sub, plain]) {
      t.match((await c.next('broadcast')).data, { event: 'maintenance', data: { at: '22:00' } });
    }
    await publish('notification:channel:orders', {
      type: 'channel',
      target: 'orders',
      tenant_id: 'acme',
      event: { event_type: 'order.updated', payload: { n: 1 } },
    });
    t.match((await sub.next('channel_message')).data, {
      channel: 'orders',
      event: 'order.updated',
      data: { n: 1 },
    });
    await publish('notification:channel:many', {
      type: 'channels',
      target: ['team-red', 'team-blue'],
      tenant_id: 'acme',
      event: { event_type: 'team.ping', payload: { n: 2 } },
    });
    t.match((await sub.next('channel_message')).data, { channel: 'team-red', data: { n: 2 } });
    await sleep(100);
    t.notOk(
      outsider.frames.some((f) => f.type === 'broadcast' || f.type === 'channel_message'),
      'other tenant: nothing',
    );
    t.notOk(
      plain.frames.some((f) => f.type === 'channel_message'),
      'not subscribed: nothing',
    );
    t.equal(
      sub.frames.filter((f) => f.type === 'channel_message').length,
      2,
      'team-blue has no subscriber here',
    );
    t.notOk(
      sub.frames.some((f) => f.type === 'notification'),
      'live only: nothing stored',
    );
  });

  t.test('bad triggers are logged and dropped; the listener keeps working', async (t) => {
    const s = await serve(t);
    const fay = await session(t, s, 'fay');
    const bad: Array<[string, unknown, RegExp]> = [
      ['not json', '{"type": "user", oops', /not JSON/],
      ['not an object', '[1,2]', /not a JSON object/],
      ['unknown type', { type: 'team', target: 'x', event: event() }, /type must be one of/],
      [
        'no event_type',
        { type: 'user', target: 'fay', event: { payload: {} } },
        /event_type is required/,
      ],
      [
        'no payload',
        { type: 'user', target: 'fay', event: { event_type: 'x' } },
        /payload is required/,
      ],
      ['target not a list', { type: 'users', target: 'fay', event: event() }, /target/],
      ['list for one user', { type: 'user', target: ['fay'], event: event() }, /target/],
      ['bad channel name', { type: 'channel', target: 'no spaces', event: event() }, /target/],
      [
        'bad priority',
        { type: 'user', target: 'fay', event: event({ priority: 'Extreme' }) },
        /priority/,
      ],
      [
        'bad tenant',
        { type: 'user', target: 'fay', tenant_id: 'a b/c', event: event() },
        /tenant_id/,
      ],
      [
        'title too long',
        { type: 'user', target: 'fay', event: event({ payload: { title: 'x'.repeat(600) } }) },
        /content\.title/,
      ],
      [
        'category the API refuses',
        { type: 'user', target: 'fay', event: { event_type: 'has spaces', payload: {} } },
        /category/,
      ],
    ];
    for (const [, message] of bad) await publish('notification:user:fay', message);
    await publish('notification:user:fay', { type: 'user', target: 'fay', event: event() });
    t.match((await fay.next('notification')).data, { category: 'order.shipped' });

    const dropped = s.lines.filter((l) => l.msg?.startsWith('Redis trigger dropped'));
    t.equal(dropped.length, bad.length, 'one warning per bad trigger');
    bad.forEach(([what, , reason], i) => {
      t.match(
        dropped[i],
        { level: 'warn', channel: `${P}notification:user:fay`, msg: reason },
        what,
      );
    });
    t.ok(
      dropped.every((l) => l.payload.length <= 257),
      'the payload is cut short',
    );
    t.equal(dropped[10].payload.slice(-1), '…');
    const feed = await s.asUser('fay', 'GET', '/api/v1/me/notifications');
    t.equal(feed.body.data.length, 1, 'nothing bad was stored');
    const counts = Object.fromEntries(
      (
        await s.server.metrics.registry.getSingleMetric('notifyd_redis_triggers_total')!.get()
      ).values.map((v) => [v.labels.result, v.value]),
    );
    t.same(counts, { invalid: bad.length, accepted: 1 });
  });

  t.test(
    'a custom channel list: exact names and patterns, each message acted on once',
    async (t) => {
      const s = await serve(t, {
        channels: [`${P}alerts`, `${P}jobs:*`, `${P}jobs:done`, `${P}j?bs:*`],
      });
      const gus = await session(t, s, 'gus');
      const trigger = (title: string) => ({
        type: 'user',
        target: 'gus',
        event: { event_type: 'job', payload: { title } },
      });
      await publish('notification:user:gus', trigger('not heard'));
      await publish('alerts', trigger('exact'));
      await publish('jobs:done', trigger('exact and two patterns'));
      await publish('jobs:7', trigger('two patterns'));
      await publish('jabs:1', trigger('one pattern'));
      const titles: string[] = [];
      for (let i = 0; i < 4; i++) titles.push((await gus.next('notification')).data.content.title);
      t.same(titles, ['exact', 'exact and two patterns', 'two patterns', 'one pattern']);
      await sleep(100);
      t.equal(gus.frames.filter((f) => f.type === 'notification').length, 4, 'each once');
    },
  );

  t.test('a Redis that is away at start does not stop notifyd from serving', async (t) => {
    const s = await serve(t, { url: 'redis://127.0.0.1:6391' });
    t.equal((await s.api('GET', '/healthz')).status, 200);
    const res = await s.api('POST', '/api/v1/notifications', {
      recipient_id: 'hal',
      content: { title: 'HTTP still works', body: '' },
    });
    t.equal(res.status, 202);
    await until(() => s.lines.some((l) => /cannot reach Redis/.test(l.msg)), 'a warning');

    // Once Redis is there, the listener connects and subscribes by itself.
    const late = new PrivateRedis(t.testdir(), 6391, []);
    t.teardown(() => late.kill());
    await late.start();
    await s.server.triggers!.whenSubscribed();
    const hal = await session(t, s, 'hal');
    const client = new Redis(late.url);
    t.teardown(() => client.disconnect());
    await client.publish(
      `${P}notification:user:hal`,
      JSON.stringify({ type: 'user', target: 'hal', event: event() }),
    );
    t.match((await hal.next('notification')).data, { category: 'order.shipped' });
    t.ok(
      s.lines.some((l) => l.msg === 'Redis triggers: listening'),
      'logged',
    );
  });

  t.test(
    'in a cluster, one node acts on each trigger; another takes over when it stops',
    async (t) => {
      const shared = createMemoryStore();
      const a = await serve(t, { cluster: 'ta', store: shared });
      const b = await serve(t, { cluster: 'tb', store: shared });
      const nodes = [a, b];
      await until(() => nodes.some((n) => n.server.triggers!.acting), 'a lease holder');
      t.equal(nodes.filter((n) => n.server.triggers!.acting).length, 1, 'one holder');

      const onA = await session(t, a, 'ida');
      const onB = await session(t, b, 'ida');
      const other = await session(t, b, 'jon');
      await publish('notification:user:ida', { type: 'user', target: 'ida', event: event() });
      const [fromA, fromB] = [await onA.next('notification'), await onB.next('notification')];
      t.equal(fromA.data.id, fromB.data.id);
      await publish('notification:broadcast', { type: 'broadcast', event: event() });
      for (const c of [onA, onB, other]) await c.next('broadcast');
      await sleep(200);
      const feed = await a.asUser('ida', 'GET', '/api/v1/me/notifications');
      t.equal(feed.body.data.length, 1, 'one notification for one trigger');
      for (const c of [onA, onB, other]) {
        t.equal(c.frames.filter((f) => f.type === 'broadcast').length, 1, 'each session once');
      }
      t.equal(onA.frames.filter((f) => f.type === 'notification').length, 1);

      const holder = nodes.find((n) => n.server.triggers!.acting)!;
      const standby = nodes.find((n) => n !== holder)!;
      const lines = standby.lines;
      await holder.server.close();
      await until(() => standby.server.triggers!.acting, 'the standby to take over');
      t.ok(
        lines.some((l) => l.msg === 'this node now acts on Redis triggers'),
        'logged',
      );
      const survivor = standby === a ? onA : onB;
      await publish('notification:user:ida', {
        type: 'user',
        target: 'ida',
        event: event({ payload: { title: 'after' } }),
      });
      t.match((await survivor.next('notification')).data, { content: { title: 'after' } });
    },
  );
}
