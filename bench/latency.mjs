// Send → WebSocket receive latency at a steady rate, over many connected users, against
// the built daemon. Usage: node bench/latency.mjs [--store sqlite|memory|postgres|redis]
// [--nodes 1] [--users 1000] [--rate 1000] [--duration 20] [--warmup 2] [--sockets 32]
// --nodes 2 (postgres or redis) starts two cluster nodes sharing the store: every socket
// connects to node B and every send goes to node A, so each delivery crosses nodes through
// Redis pub/sub. --analytics N also tracks N events a second through
// `POST /api/v1/analytics/events/batch` (1,000 a call) to the sending node while it sends, to
// see what analytics ingest does to the send path.
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { cpuMeter } from './lib/cpu.mjs';
import { ADMIN_KEY, JWT_SECRET, startNodes } from './lib/daemon.mjs';
import { daemonView, scrape } from './lib/metrics.mjs';
import { parseArgs, summarize } from './lib/stats.mjs';

const opts = parseArgs(process.argv.slice(2), {
  store: 'sqlite',
  nodes: 1,
  users: 1000,
  rate: 1000,
  duration: 20,
  warmup: 2,
  sockets: 32,
  analytics: 0,
});
const MAX_IN_FLIGHT = 256;
const CONNECT_BATCH = 100;
const CONNECT_TIMEOUT_MS = 30_000;
const DRAIN_TIMEOUT_MS = 10_000;

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const warmupCount = Math.round(opts.warmup * opts.rate);
const total = warmupCount + Math.round(opts.duration * opts.rate);
const received = new Uint8Array(total);
const wsLatencies = [];
const httpLatencies = [];
const statusCodes = {};
let receivedCount = 0;
let duplicates = 0;
let httpErrors = 0;
let tearingDown = false;
const closedEarly = [];

async function connectUser(port, userId) {
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(JWT_SECRET));
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/ws?token=${token}`, {
    perMessageDeflate: false,
  });
  let lastError = '';
  ws.on('error', (err) => {
    lastError = err.message;
  });
  ws.on('close', (code, reason) => {
    if (!tearingDown) closedEarly.push(`${userId}: ${code} ${reason} ${lastError}`.trim());
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${userId}: no "authenticated"`)),
      CONNECT_TIMEOUT_MS,
    );
    ws.on('error', reject);
    ws.on('message', (raw) => {
      const frame = JSON.parse(raw);
      if (frame.type === 'authenticated') {
        clearTimeout(timer);
        resolve();
      } else if (frame.type === 'notification') {
        onNotification(frame.data);
      }
    });
  });
  return ws;
}

function onNotification(notification) {
  const at = now();
  const { seq, sent_at } = notification.data;
  if (received[seq]) {
    duplicates++;
    return;
  }
  received[seq] = 1;
  receivedCount++;
  if (seq >= warmupCount) wsLatencies.push(at - sent_at);
}

function send(agent, port, seq) {
  const sentAt = now();
  const body = JSON.stringify({
    recipient_id: `user-${seq % opts.users}`,
    content: { title: 'Hello', body: 'World' },
    data: { seq, sent_at: sentAt },
  });
  return new Promise((resolve) => {
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v1/notifications',
        headers: {
          authorization: `Bearer ${ADMIN_KEY}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          statusCodes[res.statusCode] = (statusCodes[res.statusCode] ?? 0) + 1;
          if (seq >= warmupCount) httpLatencies.push(now() - sentAt);
          resolve();
        });
      },
    );
    req.on('error', () => {
      httpErrors++;
      resolve();
    });
    req.end(body);
  });
}

/**
 * Open-loop sender: request i is due at start + i / rate, whatever the answers do. When
 * the in-flight cap is reached the schedule slips instead of piling up; maxLag says by how much.
 */
async function sendOnSchedule(agent, port) {
  const start = performance.now();
  let seq = 0;
  let inFlight = 0;
  let maxLag = 0;
  const pending = new Set();
  while (seq < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * opts.rate) / 1000) + 1);
    while (seq < due && inFlight < MAX_IN_FLIGHT) {
      maxLag = Math.max(maxLag, performance.now() - (start + (seq * 1000) / opts.rate));
      inFlight++;
      const p = send(agent, port, seq++).then(() => {
        inFlight--;
        pending.delete(p);
      });
      pending.add(p);
    }
    await sleep(1);
  }
  await Promise.all(pending);
  return { sendSeconds: (performance.now() - start) / 1000, maxLag };
}

/** Tracked events alongside the sends: a batch every 1000 / --analytics seconds. */
const ANALYTICS_BATCH = 1000;
const tracked = { sent: 0, accepted: 0, failed: 0 };
async function trackAlongside(agent, port, running) {
  const every = (ANALYTICS_BATCH * 1000) / opts.analytics;
  const start = performance.now();
  const inFlight = [];
  for (let i = 0; running(); i++) {
    const due = start + i * every;
    if (due > performance.now()) await sleep(due - performance.now());
    const events = Array.from({ length: ANALYTICS_BATCH }, (_, k) => ({
      event_type: 'feature_used',
      user_id: `user-${(i * ANALYTICS_BATCH + k) % opts.users}`,
      properties: { feature: `f${k % 10}` },
    }));
    tracked.sent += events.length;
    inFlight.push(
      new Promise((resolve) => {
        const req = http.request(
          {
            agent,
            port,
            method: 'POST',
            path: '/api/v1/analytics/events/batch',
            headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
          },
          (res) => {
            let body = '';
            res.on('data', (c) => (body += c));
            res.on('end', () => {
              if (res.statusCode === 202) tracked.accepted += JSON.parse(body).accepted;
              else tracked.failed += ANALYTICS_BATCH;
              resolve();
            });
          },
        );
        req.on('error', () => {
          tracked.failed += ANALYTICS_BATCH;
          resolve();
        });
        req.end(JSON.stringify({ events }));
      }),
    );
  }
  await Promise.all(inFlight);
}

const cluster = await startNodes({ store: opts.store, nodes: opts.nodes });
// Sends go to the first node, sockets to the last: the same one when there is one node.
const sender = cluster.daemons[0];
const receiver = cluster.daemons.at(-1);
const sockets = [];
const agent = new http.Agent({ keepAlive: true, maxSockets: opts.sockets });
// The generator's own stalls show up as latency too; this tells them apart.
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
let sendStats;
let cpu;
let inside;
try {
  for (let i = 0; i < opts.users; i += CONNECT_BATCH) {
    const batch = [];
    for (let u = i; u < Math.min(opts.users, i + CONNECT_BATCH); u++) {
      batch.push(connectUser(receiver.port, `user-${u}`));
    }
    sockets.push(...(await Promise.all(batch)));
  }
  const urls = cluster.daemons.map((d) => d.url);
  const scrapesBefore = await Promise.all(urls.map(scrape));
  const meter = cpuMeter(cluster.daemons.map((d) => d.pid));
  loopDelay.enable();
  let sending = true;
  const tracking =
    opts.analytics > 0
      ? trackAlongside(
          new http.Agent({ keepAlive: true, maxSockets: 4 }),
          sender.port,
          () => sending,
        )
      : Promise.resolve();
  sendStats = await sendOnSchedule(agent, sender.port).finally(() => {
    sending = false;
  });
  await tracking;
  cpu = meter();
  loopDelay.disable();
  const scrapesAfter = await Promise.all(urls.map(scrape));
  inside = urls.map((_, i) => daemonView(scrapesBefore[i], scrapesAfter[i]));
  const accepted = statusCodes[202] ?? 0;
  const deadline = performance.now() + DRAIN_TIMEOUT_MS;
  while (receivedCount < accepted && performance.now() < deadline) await sleep(10);
} finally {
  tearingDown = true;
  for (const ws of sockets) ws.terminate();
  agent.destroy();
  await cluster.stop();
}
const label = opts.nodes === 1 ? opts.store : `${opts.store} × ${opts.nodes} nodes`;

const accepted = statusCodes[202] ?? 0;
const lostSeqs = [];
for (let seq = 0; seq < total && lostSeqs.length < 20; seq++) {
  if (!received[seq]) lostSeqs.push(seq);
}
const ws = summarize(wsLatencies);
const httpStats = summarize(httpLatencies);
const summary = {
  bench: 'latency',
  store: opts.store,
  nodes: opts.nodes,
  users: opts.users,
  rate: opts.rate,
  duration_s: opts.duration,
  warmup_s: opts.warmup,
  ...(opts.analytics > 0 ? { analytics_tracked: tracked } : {}),
  sent: total,
  accepted,
  received: receivedCount,
  lost: accepted - receivedCount,
  duplicates,
  lost_examples: lostSeqs.map((seq) => `#${seq} to user-${seq % opts.users}`),
  sockets_closed_early: closedEarly.slice(0, 20),
  status_codes: statusCodes,
  http_errors: httpErrors,
  achieved_rate: Math.round(total / sendStats.sendSeconds),
  max_schedule_lag_ms: Math.round(sendStats.maxLag * 100) / 100,
  latency_ms: ws,
  http_202_ms: httpStats,
  generator_loop_delay_ms: {
    p99: Math.round(loopDelay.percentile(99) / 1e4) / 100,
    max: Math.round(loopDelay.max / 1e4) / 100,
  },
  ...cpu,
  // The sending node's view; with several nodes, daemon_nodes has each one's (the last
  // holds the sockets).
  daemon: inside[0],
  ...(opts.nodes > 1 ? { daemon_nodes: inside } : {}),
  server_problems: cluster.problems,
};
console.log(
  `latency ${label}: ${total} sent at ${summary.achieved_rate}/s to ${opts.users} users, ` +
    `${accepted} accepted, ${receivedCount} received, ${summary.lost} lost; ` +
    (opts.analytics > 0
      ? `${tracked.accepted} events tracked alongside (${tracked.failed} failed); `
      : '') +
    `send→receive p50 ${ws.p50} ms, p99 ${ws.p99} ms, p99.9 ${ws.p999} ms, max ${ws.max} ms ` +
    `(202 p50 ${httpStats.p50} ms, p99 ${httpStats.p99} ms); ` +
    `CPU daemon ${cpu.daemon_cores} / generator ${cpu.generator_cores} / ` +
    `redis ${cpu.redis_cores} / postgres ${cpu.postgres_cores} cores`,
);
console.log(JSON.stringify(summary));
