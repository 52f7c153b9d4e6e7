/**
 * A mixed load like Ara's own load test, with Ara's requests and frames only: 1,000 WebSocket
 * clients on `/ws`, each subscribed to one of ten channels, and a mix of sends (send 50%,
 * send-to-users 20%, broadcast 10%, channel 20%) several at a time. Every request succeeds,
 * and every delivery a reply counts reaches a client as a `notification` frame, no more.
 * Figures (requests/s, deliveries/s) come from bench/ara-load.mjs, not from here. Run by
 * load-sqlite.test.ts and load-redis.test.ts.
 */
import type { Test } from 'tap';
import type { WsClient } from '../../helpers/server.js';
import { type AraServer, araWs, type Backend, startAra } from './harness.js';

const CLIENTS = 1000;
const CHANNELS = 10;
const REQUESTS = 200;
const IN_FLIGHT = 16;

/** The i-th request of the mix: a fixed pattern of ten, 5 send, 2 send-to-users, 1 broadcast, 2 channel. */
function request(i: number): { path: string; body: Record<string, unknown> } {
  const event = { event_type: `load.${i % 10}`, payload: { i } };
  const user = (k: number) => `user-${(i * 37 + k * 101) % CLIENTS}`;
  switch (i % 10) {
    case 0:
    case 2:
    case 4:
    case 6:
    case 8:
      return { path: 'send', body: { target_user_id: user(0), ...event } };
    case 1:
    case 5:
      return {
        path: 'send-to-users',
        body: { target_user_ids: [0, 1, 2, 3, 4].map(user), ...event },
      };
    case 3:
      return { path: 'broadcast', body: event };
    default:
      return { path: 'channel', body: { channel: `ch-${i % CHANNELS}`, ...event } };
  }
}

/** What a reply says it delivered. */
function deliveredBy(path: string, body: Record<string, unknown>): number {
  if (path !== 'send-to-users') return body.delivered_to as number;
  const results = Object.values(body.results as Record<string, { connections?: number }>);
  return results.reduce((sum, r) => sum + (r.connections ?? 0), 0);
}

async function run(s: AraServer, next: () => number | null, replies: Array<number | string>) {
  for (let i = next(); i !== null; i = next()) {
    const { path, body } = request(i);
    const res = await s.ara('POST', `/api/v1/notifications/${path}`, body);
    replies[i] = res.status === 200 ? deliveredBy(path, res.body) : `${path}: ${res.status}`;
  }
}

/** The load on one backend; one file per backend, each well inside tap's per-file limit. */
export async function mixedLoad(t: Test, backend: Backend) {
  const s = await startAra(t, backend, { realtime: { connect_rate_per_ip: 0 } });
  const clients: WsClient[] = [];
  for (let from = 0; from < CLIENTS; from += 100) {
    const batch = await Promise.all(
      Array.from({ length: 100 }, (_, k) => araWs(t, s, `user-${from + k}`)),
    );
    clients.push(...batch);
  }
  for (const [i, c] of clients.entries()) {
    c.send({ type: 'Subscribe', payload: { channels: [`ch-${i % CHANNELS}`] } });
  }
  await Promise.all(clients.map((c) => c.next('subscribed')));
  const stats = await s.ara('GET', '/api/v1/stats');
  t.match(stats.body, {
    connections: { total: CLIENTS, websocket: CLIENTS },
    channels: { active: CHANNELS, total_subscriptions: CLIENTS },
  });

  const replies: Array<number | string> = [];
  let cursor = 0;
  const next = () => (cursor < REQUESTS ? cursor++ : null);
  await Promise.all(Array.from({ length: IN_FLIGHT }, () => run(s, next, replies)));
  const failed = replies.filter((r) => typeof r === 'string');
  t.same(failed, [], '0 failed requests');
  const counted = (replies as number[]).reduce((a, b) => a + b, 0);
  // Every user has one session: a send reaches 1, send-to-users 5, broadcast all, channel a tenth.
  const expected = (REQUESTS * (5 * 1 + 2 * 5 + 1 * CLIENTS + 2 * (CLIENTS / CHANNELS))) / 10;
  t.equal(counted, expected, 'the replies count every session reached');

  const received = () =>
    clients.reduce((sum, c) => sum + c.frames.filter((f) => f.type === 'notification').length, 0);
  // Frames are in flight after the replies: wait for them to arrive, boundedly.
  for (let waited = 0; received() < counted && waited < 30_000; waited += 50) {
    await new Promise((r) => setTimeout(r, 50));
  }
  t.equal(received(), counted, 'each counted delivery arrived as one notification frame');
  const broadcasts = REQUESTS / 10;
  t.ok(
    clients.every(
      (c) =>
        c.frames.filter((f) => f.type === 'notification' && f.event_type === 'load.3').length ===
        broadcasts,
    ),
    'every client got every broadcast',
  );
  // Today's messages: one per send, broadcast and channel request, one per user of send-to-users.
  const today = await s.ara('GET', '/api/v1/stats');
  t.match(today.body.messages, {
    sent_today: (REQUESTS * (5 + 2 * 5 + 1 + 2)) / 10,
    delivered_today: counted,
    failed_today: 0,
  });
}
