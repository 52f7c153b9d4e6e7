import t, { type Test } from 'tap';
import type { MetricValue } from '../../src/client/index.js';
import { FakeClock } from '../../src/core/clock.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { clientOf, tappedWebSocket } from '../helpers/client.js';
import {
  connect,
  type Overrides,
  type Running,
  startServer,
  userToken,
} from '../helpers/server.js';

const MIN = 60_000;
/** 2026-03-10 12:00 UTC. */
const NOW = Date.UTC(2026, 2, 10, 12);
const iso = (ms: number) => new Date(ms).toISOString();

async function server(t: Test, overrides: Overrides = {}) {
  const clock = new FakeClock(NOW);
  const s = await startServer(t, overrides, createMemoryStore(), { clock });
  return { s, clock };
}

/** Signups with known times: two in the last 5 minutes (one by sso), one 10 minutes ago. */
async function seed(s: Running, at: number[], method = 'password') {
  const res = await s.api('POST', '/api/v1/analytics/events/batch', {
    events: at.map((ms, i) => ({
      event_type: 'auth.signup',
      user_id: `u${ms}-${i}`,
      timestamp: iso(ms),
      properties: { method },
    })),
  });
  if (res.body.accepted !== at.length) throw new Error(JSON.stringify(res.body));
}

/** A WebSocket session of `user`, with these token claims, authenticated. */
async function session(t: Test, s: Running, clock: FakeClock, claims: Record<string, unknown>) {
  const c = await connect(t, s.wsUrl);
  c.send({ type: 'authenticate', token: await userToken('ana', { claims, at: clock.now() }) });
  await c.next('authenticated');
  return c;
}

const READER = { scopes: ['analytics:read'] };

t.test('a metric stream sends its value now, then every interval by the clock', async (t) => {
  const { s, clock } = await server(t);
  await seed(s, [NOW - 10 * MIN, NOW - 2 * MIN]);
  await seed(s, [NOW - MIN], 'sso');
  const c = await session(t, s, clock, READER);
  c.send({ type: 'subscribe', channel: 'metrics:count:auth.signup', interval: 5, id: 'm1' });
  t.match(await c.next('subscribed'), { id: 'm1', data: { channel: 'metrics:count:auth.signup' } });
  const first = await c.next('metric');
  t.same(first.data, {
    channel: 'metrics:count:auth.signup',
    metric: 'count:auth.signup',
    value: 2,
    window: { start: iso(NOW - 5 * MIN), end: iso(NOW), seconds: 300 },
    interval: 5,
  });

  await seed(s, [NOW + 1000]);
  clock.advance(4000);
  await s.server.metricStreams.tick();
  t.equal(c.frames.filter((f) => f.type === 'metric').length, 1, 'not due before 5 s');
  clock.advance(1000);
  await s.server.metricStreams.tick();
  const second = await c.next('metric');
  t.equal(second.data.value, 3, 'the new signup counts');
  t.equal(second.data.window.end, iso(NOW + 5000));

  clock.advance(6 * MIN);
  await s.server.metricStreams.tick();
  t.equal((await c.next('metric')).data.value, 0, 'the window moved past every signup');
});

t.test('sessions asking the same share one stream; another interval is another', async (t) => {
  const { s, clock } = await server(t);
  await seed(s, [NOW - MIN]);
  const a = await session(t, s, clock, READER);
  const b = await session(t, s, clock, { scope: 'analytics:manage other:thing' });
  a.send({ type: 'subscribe', channel: 'metrics:signups', interval: 5 });
  await a.next('metric');
  b.send({ type: 'subscribe', channel: 'metrics:signups', interval: 5 });
  t.equal((await b.next('metric')).data.value, 1, 'analytics:manage includes analytics:read');
  t.equal(s.server.metricStreams.size, 1, 'one stream for both');
  b.send({ type: 'subscribe', channel: 'metrics:signups', interval: 60, id: 'slow' });
  await b.next('metric');
  t.equal(s.server.metricStreams.size, 2, 'b moved to a 60 s stream; a keeps the 5 s one');
  a.send({ type: 'subscribe', channel: 'metrics:notifications_sent' });
  t.equal((await a.next('metric')).data.interval, 10, 'the default interval');
  t.equal(s.server.metricStreams.size, 3);

  clock.advance(5000);
  await s.server.metricStreams.tick();
  t.equal((await a.next('metric')).data.metric, 'signups');
  t.equal(b.frames.filter((f) => f.type === 'metric').length, 2, 'b is not on the 5 s stream');
});

t.test('dimensions group the value', async (t) => {
  const { s, clock } = await server(t);
  await seed(s, [NOW - MIN, NOW - 2 * MIN]);
  await seed(s, [NOW - MIN], 'sso');
  const c = await session(t, s, clock, READER);
  c.send({ type: 'subscribe', channel: 'metrics:signups', dimensions: ['method'], window: 600 });
  const { data } = await c.next('metric');
  t.equal(data.value, undefined);
  const byMethod = Object.fromEntries(
    data.groups.map((g: { dimensions: { method: string }; value: number }) => [
      g.dimensions.method,
      g.value,
    ]),
  );
  t.same(byMethod, { password: 2, sso: 1 });
  t.equal(data.window.seconds, 600);
});

t.test('an interval or window out of bounds is refused naming the bounds', async (t) => {
  const { s, clock } = await server(t);
  const c = await session(t, s, clock, READER);
  c.send({ type: 'subscribe', channel: 'metrics:signups', interval: 4, id: 'fast' });
  const fast = await c.next('error');
  t.match(fast, {
    id: 'fast',
    data: { code: 'VALIDATION_ERROR', details: { field: 'interval', minimum: 5, maximum: 3600 } },
  });
  t.match(fast.data.message, /interval must be .* from 5 to 3600/);
  c.send({ type: 'subscribe', channel: 'metrics:signups', interval: 3601, id: 'slow' });
  t.match(await c.next('error'), { id: 'slow', data: { code: 'VALIDATION_ERROR' } });
  c.send({ type: 'subscribe', channel: 'metrics:signups', window: 10, id: 'w' });
  t.match(await c.next('error'), { id: 'w', data: { details: { field: 'window', minimum: 60 } } });
  t.equal(s.server.metricStreams.size, 0);
  t.notOk(s.server.metricStreams.polling);
});

t.test('an unknown metric is INVALID_METRIC', async (t) => {
  const { s, clock } = await server(t);
  const c = await session(t, s, clock, READER);
  c.send({ type: 'subscribe', channel: 'metrics:no_such_metric', id: 'x' });
  t.match(await c.next('error'), {
    id: 'x',
    data: { code: 'INVALID_METRIC', details: { metric: 'no_such_metric' } },
  });
  t.equal(s.server.metricStreams.size, 0);
});

t.test('a token without analytics:read is refused; its session stays open', async (t) => {
  const { s, clock } = await server(t);
  const c = await session(t, s, clock, { channels: ['*'], scopes: ['analytics:write'] });
  c.send({ type: 'subscribe', channel: 'metrics:signups', id: 'no' });
  t.match(await c.next('error'), {
    id: 'no',
    data: { code: 'FORBIDDEN', details: { scope: 'analytics:read' } },
  });
  t.equal(s.server.metricStreams.size, 0);
  c.send({ type: 'ping', id: 'p' });
  t.match(await c.next('pong'), { id: 'p' });
});

t.test('analytics disabled: ANALYTICS_DISABLED', async (t) => {
  const { s, clock } = await server(t, { analytics: { enabled: false } });
  const c = await session(t, s, clock, READER);
  c.send({ type: 'subscribe', channel: 'metrics:signups' });
  t.match(await c.next('error'), { data: { code: 'ANALYTICS_DISABLED' } });
});

t.test('unsubscribing or disconnecting stops the stream and its timer', async (t) => {
  const { s, clock } = await server(t);
  const a = await session(t, s, clock, READER);
  const b = await session(t, s, clock, READER);
  a.send({ type: 'subscribe', channel: 'metrics:signups', interval: 5 });
  await a.next('metric');
  b.send({ type: 'subscribe', channel: 'metrics:signups', interval: 5 });
  await b.next('metric');
  t.ok(s.server.metricStreams.polling);

  a.send({ type: 'unsubscribe', channel: 'metrics:signups', id: 'u' });
  t.match(await a.next('unsubscribed'), { id: 'u', data: { channel: 'metrics:signups' } });
  t.equal(s.server.metricStreams.size, 1, 'b still gets it');
  clock.advance(5000);
  await s.server.metricStreams.tick();
  await b.next('metric');
  t.equal(a.frames.filter((f) => f.type === 'metric').length, 1, 'a got nothing more');

  b.ws.close();
  await b.closed;
  // The server sees the close after the client does: wait for its own word, not for time.
  await t.resolves(until(() => s.server.metricStreams.size === 0));
  t.notOk(s.server.metricStreams.polling, 'no timer left');
});

t.test(
  'the client: subscribeMetric calls back with each value, again after a reconnection',
  async (t) => {
    const { s, clock } = await server(t);
    await seed(s, [NOW - MIN]);
    const { WebSocket, tap } = tappedWebSocket();
    const token = await userToken('ana', { claims: READER, at: clock.now() });
    const client = await clientOf(t, s, 'ana', { WebSocket, token });
    await client.connect();
    const values: MetricValue[] = [];
    const stop = await client.subscribeMetric('signups', { interval: 5 }, (v) => values.push(v));
    await until(() => values.length === 1);
    t.match(values[0], { metric: 'signups', value: 1, interval: 5 });
    t.match(
      tap.last().sent.find((f) => f.type === 'subscribe'),
      {
        channel: 'metrics:signups',
        interval: 5,
      },
    );

    tap.last().inner.terminate();
    await until(() => values.length === 2);
    t.match(
      tap.last().sent.find((f) => f.type === 'subscribe'),
      { channel: 'metrics:signups', interval: 5 },
      'the new session asks again, with the same interval',
    );
    await until(() => s.server.metricStreams.size === 1);
    clock.advance(5000);
    await s.server.metricStreams.tick();
    await until(() => values.length === 3);

    await stop();
    t.equal(s.server.metricStreams.size, 0, 'stopped on the server');
    await t.rejects(
      client.subscribeMetric('nope', {}, () => {}),
      { code: 'INVALID_METRIC' },
    );
    await t.rejects(
      client.subscribeMetric('signups', { interval: 1 }, () => {}),
      {
        code: 'VALIDATION_ERROR',
      },
    );
  },
);

/** Resolves once `check` holds, looking again on each turn of the event loop. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setImmediate(r));
}
