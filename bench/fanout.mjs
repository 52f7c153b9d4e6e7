// Fan-out of live channel messages: `POST /api/v1/channels/{name}/messages` to a channel
// that many authenticated WebSocket sessions subscribed to, measured as deliveries per
// second = frames received by all subscribers / (last receipt − first send).
// Usage: node bench/fanout.mjs [--store sqlite] [--sessions 10000] [--messages 100]
// [--warmup 5] [--in-flight 1] [--processes 2] [--concurrency 100]
// The subscribers are held by --processes client processes (lib/session-client.mjs) that
// count frames from their headers without decoding them; the sends come from this process,
// at most --in-flight at a time (1: each POST waits for the previous 202).
import http from 'node:http';
import { startFleet } from './lib/client-fleet.mjs';
import { cpuMeter } from './lib/cpu.mjs';
import { ADMIN_KEY, startDaemon } from './lib/daemon.mjs';
import { parseArgs, summarize } from './lib/stats.mjs';

const opts = parseArgs(process.argv.slice(2), {
  store: 'sqlite',
  sessions: 10_000,
  messages: 100,
  warmup: 5,
  'in-flight': 1,
  processes: 2,
  concurrency: 100,
});
const CHANNEL = 'bench-fanout';
const RECEIVE_TIMEOUT_MS = 60_000;

const agent = new http.Agent({ keepAlive: true, maxSockets: opts['in-flight'] });
const statusCodes = {};
const acceptMs = [];

function post(seq) {
  const body = JSON.stringify({ event: 'tick', data: { seq } });
  const sentAt = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port: daemon.port,
        method: 'POST',
        path: `/api/v1/channels/${CHANNEL}/messages`,
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
          acceptMs.push(performance.now() - sentAt);
          resolve();
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends `count` messages from `first`, at most `inFlight` at a time. */
async function sendSeries(first, count, inFlight) {
  let next = first;
  const end = first + count;
  const lane = async () => {
    while (next < end) await post(next++);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
}

/** Resolves once every client process has counted its share of `perSession` frames each. */
async function everyoneGot(fleet, perSession) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error('not every frame arrived in time')),
      RECEIVE_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([
      fleet.each('expect', (i) => ({
        frames: (fleet.ranges[i][1] - fleet.ranges[i][0]) * perSession,
      })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Asks /healthz one request at a time while the fan-out runs: how long another request
 * waits behind it (a publish holding the loop shows here).
 */
function probeHealth(url) {
  const samples = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const start = performance.now();
      await fetch(`${url}/healthz`).then((r) => r.arrayBuffer());
      samples.push(performance.now() - start);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}

const daemon = await startDaemon({ store: opts.store });
let fleet;
let result;
try {
  fleet = await startFleet({ processes: opts.processes, users: opts.sessions, channel: CHANNEL });
  const connected = await fleet.all('connect', {
    port: daemon.port,
    concurrency: opts.concurrency,
  });
  const open = connected.reduce((n, c) => n + c.open, 0);
  if (open !== opts.sessions) {
    throw new Error(`only ${open} sessions subscribed: ${connected.flatMap((c) => c.failures)}`);
  }
  await sendSeries(0, opts.warmup, opts['in-flight']);
  await everyoneGot(fleet, opts.warmup);
  acceptMs.length = 0;

  const meter = cpuMeter([daemon.pid, ...fleet.pids]);
  const probe = probeHealth(daemon.url);
  const firstSend = process.hrtime.bigint();
  await sendSeries(opts.warmup, opts.messages, opts['in-flight']);
  const lastAccepted = process.hrtime.bigint();
  let done;
  let timedOut = false;
  try {
    done = await everyoneGot(fleet, opts.warmup + opts.messages);
  } catch {
    timedOut = true;
  }
  const healthMs = await probe.stop();
  const cpu = meter();
  const status = await fleet.all('status');
  const lastAt = (done ?? status).reduce(
    (max, s) => (BigInt(s.lastAt) > max ? BigInt(s.lastAt) : max),
    0n,
  );
  const received = status.reduce((n, s) => n + s.frames, 0) - opts.warmup * open;
  const seconds = Number(lastAt - firstSend) / 1e9;
  const sendSeconds = Number(lastAccepted - firstSend) / 1e9;
  const accept = summarize(acceptMs);
  result = {
    bench: 'fanout',
    store: opts.store,
    sessions: open,
    processes: opts.processes,
    messages: opts.messages,
    warmup: opts.warmup,
    in_flight: opts['in-flight'],
    expected: opts.messages * open,
    received,
    timed_out: timedOut,
    closed: status.reduce((n, s) => n + s.closed, 0),
    close_reasons: [...new Set(status.flatMap((s) => s.closeReasons))],
    status_codes: statusCodes,
    seconds: Math.round(seconds * 1000) / 1000,
    deliveries_per_s: Math.round(received / seconds),
    messages_per_s: Math.round(opts.messages / seconds),
    send_seconds: Math.round(sendSeconds * 1000) / 1000,
    accept_ms: accept,
    healthz_ms: summarize(healthMs),
    daemon_cores: cpu.daemon_cores_each[0],
    clients_cores:
      Math.round(cpu.daemon_cores_each.slice(1).reduce((a, b) => a + b, 0) * 100) / 100,
    clients_cores_each: cpu.daemon_cores_each.slice(1),
    generator_cores: cpu.generator_cores,
    other_cores: cpu.other_cores,
    server_problems: daemon.problems,
  };
} finally {
  agent.destroy();
  await fleet?.stop();
  await daemon.stop();
}

console.log(
  `fanout ${opts.store}: ${result.messages} messages × ${result.sessions} subscribers, ` +
    `${result.received} of ${result.expected} received in ${result.seconds} s = ` +
    `${result.deliveries_per_s} deliveries/s (${result.messages_per_s} messages/s; sends took ` +
    `${result.send_seconds} s, 202 p50 ${result.accept_ms.p50} ms; /healthz meanwhile p99 ` +
    `${result.healthz_ms.p99} ms, max ${result.healthz_ms.max} ms); CPU daemon ` +
    `${result.daemon_cores} / clients ${result.clients_cores} / sender ${result.generator_cores} / ` +
    `other ${result.other_cores} cores`,
);
console.log(JSON.stringify(result));
