import t from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { connect, type Running, startServer, userToken } from '../helpers/server.js';
import { openSse } from '../helpers/sse.js';

const QUEUE = { realtime: { queue: { enabled: true } } };
const ACKS = { realtime: { ack: { enabled: true } } };

async function notify(s: Running, user: string, title: string): Promise<string> {
  const res = await s.api('POST', '/api/v1/notifications', {
    recipient_id: user,
    content: { title, body: 'x' },
  });
  if (res.status !== 202) throw new Error(`send failed: ${res.status}`);
  return res.body.notification_id;
}

const idsOf = (frames: Array<{ type: string; data?: { id?: string } }>) =>
  frames.filter((f) => f.type === 'notification').map((f) => f.data!.id);

/** Resolves once `check` holds, polling; for effects that land right after an answer. */
async function eventually(check: () => Promise<boolean>, what: string) {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never: ${what}`);
}

t.test('offline queue: what came while away is sent first, once', async (t) => {
  const s = await startServer(t, QUEUE);
  const sent = [await notify(s, 'olive', 'a'), await notify(s, 'olive', 'b')];
  const first = await connect(t, `${s.wsUrl}?token=${await userToken('olive')}`);
  await first.next('authenticated');
  t.same((await first.next('resumed')).data, {
    count: 2,
    has_more: false,
    unread_count: 2,
    unread_by_category: { general: 2 },
    unread_by_priority: { normal: 2 },
  });
  t.same(idsOf(first.frames), sent, 'oldest first');
  first.ws.close();
  await first.closed;
  await eventually(
    async () => (await s.store.queues.count('offline', Date.now())) === 0,
    'queue drained',
  );
  const second = await connect(t, `${s.wsUrl}?token=${await userToken('olive')}`);
  await second.next('authenticated');
  second.send({ type: 'ping', id: 'p' });
  await second.next('pong');
  t.same(idsOf(second.frames), [], 'the queue was drained by the first session');
  t.notOk(
    second.frames.some((f) => f.type === 'resumed'),
    'nothing to resume, nothing said',
  );
});

t.test('offline queue: a resume and the queue are merged without duplicates', async (t) => {
  const s = await startServer(t, QUEUE);
  const a = await notify(s, 'mel', 'a');
  const b = await notify(s, 'mel', 'b');
  const c = await connect(t, `${s.wsUrl}?token=${await userToken('mel')}&last_id=${a}`);
  t.same((await c.next('resumed')).data, {
    count: 2,
    has_more: false,
    unread_count: 2,
    unread_by_category: { general: 2 },
    unread_by_priority: { normal: 2 },
  });
  t.same(idsOf(c.frames), [a, b], 'a from the queue, b from both: each once');
});

t.test('offline queue: only the newest max_size_per_user wait', async (t) => {
  const s = await startServer(t, { realtime: { queue: { enabled: true, max_size_per_user: 2 } } });
  const sent = [];
  for (const title of ['1', '2', '3']) sent.push(await notify(s, 'cap', title));
  const c = await connect(t, `${s.wsUrl}?token=${await userToken('cap')}`);
  t.same((await c.next('resumed')).data, {
    count: 2,
    has_more: false,
    unread_count: 3,
    unread_by_category: { general: 3 },
    unread_by_priority: { normal: 3 },
  });
  t.same(idsOf(c.frames), sent.slice(1));
  const feed = await s.asUser('cap', 'GET', '/api/v1/me/notifications');
  t.equal(feed.body.data.length, 3, 'the feed keeps the dropped one');
});

t.test('offline queue: entries past their TTL are swept and not replayed', async (t) => {
  const clock = new FakeClock(Date.now());
  const s = await startServer(
    t,
    { realtime: { queue: { enabled: true, ttl_s: 60 } } },
    createMemoryStore(),
    { clock },
  );
  await notify(s, 'late', 'old');
  clock.advance(61_000);
  t.same(await s.server.tracker.sweep(), { expired: 0, dropped: 1 });
  const c = await connect(t, `${s.wsUrl}?token=${await userToken('late')}`);
  await c.next('authenticated');
  c.send({ type: 'ping', id: 'p' });
  await c.next('pong');
  t.same(idsOf(c.frames), []);
});

t.test('queue and acks off (the default): nothing is queued or tracked', async (t) => {
  const s = await startServer(t);
  await notify(s, 'plain', 'x');
  t.equal(await s.store.queues.count('offline', Date.now()), 0);
  const stats = await s.api('GET', '/api/v1/stats/acks');
  t.same(stats.body, {
    pending: 0,
    acknowledged: 0,
    expired: 0,
    average_ack_time_ms: null,
    window_days: 1,
  });
});

t.test('ack tracking: pending until acked, with the time it took', async (t) => {
  const clock = new FakeClock(Date.now());
  const s = await startServer(t, ACKS, createMemoryStore(), { clock });
  const c = await connect(t, `${s.wsUrl}?token=${await userToken('ann')}`);
  await c.next('authenticated');
  const id = await notify(s, 'ann', 'hello');
  await c.next('notification');
  t.match((await s.api('GET', '/api/v1/stats/acks')).body, { pending: 1, acknowledged: 0 });
  clock.advance(250);
  c.send({ type: 'ack', notification_id: id, id: 'a1' });
  t.same(await c.next('done'), { type: 'done', id: 'a1' });
  t.same((await s.api('GET', '/api/v1/stats/acks?days=7')).body, {
    pending: 0,
    acknowledged: 1,
    expired: 0,
    average_ack_time_ms: 250,
    window_days: 7,
  });
  const rows = await s.api('GET', `/api/v1/notifications/${id}/deliveries`);
  t.match(rows.body.data, [{ channel: 'in_app', status: 'acknowledged' }]);
});

t.test(
  'ack tracking: an unacked notification expires, is redelivered, and falls back',
  async (t) => {
    const clock = new FakeClock(Date.now());
    const s = await startServer(
      t,
      {
        realtime: {
          ack: {
            enabled: true,
            timeout_s: 30,
            fallback_channel: 'push',
            fallback_skip_when_online: false,
          },
        },
      },
      createMemoryStore(),
      { clock },
    );
    const c = await connect(t, `${s.wsUrl}?token=${await userToken('bob')}`);
    await c.next('authenticated');
    const id = await notify(s, 'bob', 'hello');
    await c.next('notification');
    c.ws.close();
    await c.closed;
    clock.advance(31_000);
    t.same(await s.server.tracker.sweep(), { expired: 1, dropped: 0 });
    t.match((await s.api('GET', '/api/v1/stats/acks')).body, { pending: 0, expired: 1 });
    const rows = await s.api('GET', `/api/v1/notifications/${id}/deliveries`);
    t.match(
      rows.body.data.map((d: { channel: string; status: string }) => [d.channel, d.status]),
      [
        ['in_app', 'expired'],
        ['push', 'pending'],
      ],
    );
    const next = await connect(t, `${s.wsUrl}?token=${await userToken('bob')}`);
    t.same((await next.next('resumed')).data, {
      count: 1,
      has_more: false,
      unread_count: 1,
      unread_by_category: { general: 1 },
      unread_by_priority: { normal: 1 },
    });
    t.same(idsOf(next.frames), [id], 'the next session gets it again');
  },
);

t.test('ack tracking: the fallback is skipped while the user is online', async (t) => {
  const clock = new FakeClock(Date.now());
  const s = await startServer(
    t,
    { realtime: { ack: { enabled: true, timeout_s: 5, fallback_channel: 'push' } } },
    createMemoryStore(),
    { clock },
  );
  const c = await connect(t, `${s.wsUrl}?token=${await userToken('cy')}`);
  await c.next('authenticated');
  const id = await notify(s, 'cy', 'hello');
  await c.next('notification');
  clock.advance(6_000);
  await s.server.tracker.sweep();
  const rows = await s.api('GET', `/api/v1/notifications/${id}/deliveries`);
  t.same(
    rows.body.data.map((d: { channel: string }) => d.channel),
    ['in_app'],
    'online: no push',
  );
});

t.test('ack tracking: a second session gets what the first has not acked', async (t) => {
  const s = await startServer(t, ACKS);
  const a = await connect(t, `${s.wsUrl}?token=${await userToken('dee')}`);
  await a.next('authenticated');
  const id = await notify(s, 'dee', 'hello');
  await a.next('notification');
  const b = await connect(t, `${s.wsUrl}?token=${await userToken('dee')}`);
  t.same((await b.next('resumed')).data, {
    count: 1,
    has_more: false,
    unread_count: 1,
    unread_by_category: { general: 1 },
    unread_by_priority: { normal: 1 },
  });
  t.same(idsOf(b.frames), [id]);
  b.send({ type: 'ack', notification_ids: [id], id: 'k' });
  await b.next('done');
  const c = await connect(t, `${s.wsUrl}?token=${await userToken('dee')}`);
  await c.next('authenticated');
  c.send({ type: 'ping', id: 'p' });
  await c.next('pong');
  t.same(idsOf(c.frames), [], 'acked by one session: no longer replayed');
});

t.test('SSE: the queue is replayed, and acks go over HTTP', async (t) => {
  const s = await startServer(t, {
    realtime: { queue: { enabled: true }, ack: { enabled: true } },
  });
  const id = await notify(s, 'eve', 'hello');
  const sse = await openSse(`${s.url}/api/v1/sse?token=${await userToken('eve')}`);
  t.teardown(() => sse.close());
  t.equal((await sse.next('notification')).id, id);
  t.same((await sse.next('resumed')).data, {
    count: 1,
    has_more: false,
    unread_count: 1,
    unread_by_category: { general: 1 },
    unread_by_priority: { normal: 1 },
  });
  t.match((await s.api('GET', '/api/v1/stats/acks')).body, { pending: 1 });
  const ack = await s.asUser('eve', 'POST', '/api/v1/me/notifications/bulk/ack', {
    notification_ids: [id],
  });
  t.same(ack.body, { acknowledged: 1 });
  t.match((await s.api('GET', '/api/v1/stats/acks')).body, { pending: 0, acknowledged: 1 });
  const other = await s.asUser('mallory', 'POST', '/api/v1/me/notifications/bulk/ack', {
    notification_ids: [id],
  });
  t.equal(other.status, 404, "someone else's notification");
  const bad = await s.asUser('eve', 'POST', '/api/v1/me/notifications/bulk/ack', {
    notification_ids: [],
  });
  t.equal(bad.status, 400);
});

t.test('stats: a bad window is a 400; the scope is notifications:manage', async (t) => {
  const s = await startServer(t);
  for (const q of ['days=0', 'days=31', 'days=x', 'other=1']) {
    const res = await s.api('GET', `/api/v1/stats/acks?${q}`);
    t.equal(res.status, 400, q);
    t.equal(res.body.error.code, 'VALIDATION_ERROR');
  }
  const key = await s.api('POST', '/api/v1/keys', {
    name: 'sender',
    scopes: ['notifications:send'],
  });
  const res = await s.api('GET', '/api/v1/stats/acks', undefined, key.body.key);
  t.equal(res.status, 403);
});

t.test('presence: sessions that ask are told when another opens or closes', async (t) => {
  const s = await startServer(t);
  const before = await s.api('GET', '/api/v1/presence/pat');
  t.same(before.body, { user_id: 'pat', online: false, connections: 0, last_seen: null });
  const watcher = await connect(t, `${s.wsUrl}?token=${await userToken('pat')}&presence=true`);
  await watcher.next('authenticated');
  t.match((await watcher.next('presence')).data, { online: true, connections: 1 });
  const quiet = await connect(t, s.wsUrl);
  quiet.send({ type: 'authenticate', token: await userToken('pat') });
  await quiet.next('authenticated');
  t.match((await watcher.next('presence')).data, { user_id: 'pat', connections: 2 });
  const sse = await openSse(`${s.url}/api/v1/sse?token=${await userToken('pat')}`);
  t.teardown(() => sse.close());
  await sse.next('authenticated');
  t.match((await watcher.next('presence')).data, { connections: 3 });
  quiet.ws.close();
  t.match((await watcher.next('presence')).data, { online: true, connections: 2 });
  const now = await s.api('GET', '/api/v1/presence/pat');
  t.match(now.body, { online: true, connections: 2, last_seen: String });
  t.notOk(
    quiet.frames.some((f) => f.type === 'presence'),
    'a session that did not ask gets none',
  );
});

t.test('presence: the authenticate frame can ask for it', async (t) => {
  const s = await startServer(t);
  const c = await connect(t, s.wsUrl);
  c.send({ type: 'authenticate', token: await userToken('quinn'), presence: true });
  t.match((await c.next('presence')).data, { connections: 1 });
});

t.test('SSE counts against the per-user limit and the connection rate', async (t) => {
  const s = await startServer(t, { realtime: { max_connections_per_user: 1 } });
  const token = await userToken('sam');
  const ws = await connect(t, `${s.wsUrl}?token=${token}`);
  await ws.next('authenticated');
  const res = await fetch(`${s.url}/api/v1/sse?token=${token}`);
  t.equal(res.status, 429);
  t.equal((await res.json()).error.code, 'TOO_MANY_CONNECTIONS');

  const limited = await startServer(t, { realtime: { connect_rate_per_ip: 1 } });
  const codes = [];
  for (let i = 0; i < 4; i++) {
    const r = await fetch(`${limited.url}/api/v1/sse?token=not-checked-first`);
    codes.push(r.status);
    await r.body?.cancel();
  }
  t.same(codes, [401, 401, 429, 429], 'a burst of twice the rate, then 429');
});

t.test('a slow consumer is closed with 4008 before memory grows without bound', async (t) => {
  const s = await startServer(t, { realtime: { max_backpressure_bytes: 1024 * 1024 } });
  const slow = await connect(t, `${s.wsUrl}?token=${await userToken('sloth')}`);
  await slow.next('authenticated');
  const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  socket.pause();
  const open = async () =>
    (await s.api('GET', '/api/v1/cluster/status')).body.total_connections as number;
  const blob = 'x'.repeat(200_000);
  // At most 2 MB/s: the every-second check sees it past the bound (1 MB) well before the
  // backstop (4 MB), once the kernel's buffers are full.
  for (let i = 0; i < 300 && (await open()) > 0; i++) {
    await s.api('POST', '/api/v1/notifications', {
      recipient_id: 'sloth',
      content: { title: `n${i}`, body: 'x' },
      data: { blob },
    });
    await new Promise((r) => setTimeout(r, 100));
  }
  t.equal(await open(), 0, 'the server let go of the session');
  // The close frame waits behind what the client has not read.
  socket.resume();
  t.same(await slow.closed, { code: 4008, reason: 'slow consumer' });
});
