// Deliveries per second through notifyd's delivery worker and the real plugins, to local
// peers (bench/lib/push-peers.mjs, a child process on loopback):
// - web push through the `webpush` plugin (web-push: VAPID JWT, aes128gcm encryption) to a
//   push service that verifies the JWT and decrypts every message; with 1 provider, and with
//   2 (the first with `concurrency` half the worker's, so that the rest fail over to the
//   second: the per-provider limits at work);
// - email through the `smtp` plugin (nodemailer, pooled connections) to smtp-server.
// The worker claims from an in-memory delivery port (the store is not what is measured) on
// the real clock. CPU per delivery is this process's (process.cpuUsage: worker, plugins,
// encryption), the peers' apart.
// Runs on the built output: npm run build first.
// Usage: node bench/push.mjs [--pushes 4000] [--mails 2000] [--concurrency 64]
// [--subscriptions 200] [--warmup 2000] [--runs push1,push2,smtp]. Each run first sends
// `--warmup` deliveries (at most its own count) unmeasured: connections, TLS sessions and
// the JIT; 300 left the first run of a process ~40% more CPU per push than a later one.
// `--runs` picks the runs and their order (one may repeat: `push1,push2,push1`).
// Prints a JSON summary as its last line.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Registry } from 'prom-client';
import { systemClock } from '../dist/src/core/clock.js';
import { createLogger } from '../dist/src/core/logger.js';
import { loadProviders } from '../dist/src/providers/loader.js';
import { ProviderMetrics } from '../dist/src/providers/metrics.js';
import { ProviderRegistry } from '../dist/src/providers/registry.js';
import { DeliveryWorker } from '../dist/src/providers/worker.js';
import { createMemoryStore } from '../dist/src/store/memory/index.js';
import { parseArgs } from './lib/stats.mjs';

const opts = parseArgs(process.argv.slice(2), {
  pushes: 4000,
  mails: 2000,
  concurrency: 64,
  subscriptions: 200,
  warmup: 2000,
  runs: 'push1,push2,smtp',
});
const CA = readFileSync(new URL('../test/helpers/peers/tls/ca.pem', import.meta.url), 'utf8');
const webpush = (await import('web-push')).default;
const vapid = webpush.generateVAPIDKeys();

const peers = fork(new URL('./lib/push-peers.mjs', import.meta.url), [String(opts.subscriptions)]);
const hello = await new Promise((resolve) => peers.once('message', resolve));
const ask = () =>
  new Promise((resolve) => {
    peers.once('message', resolve);
    peers.send('counts');
  });

/** A delivery port in memory: a FIFO of pending deliveries, settled into counts. */
class BenchPort {
  constructor() {
    this.queue = [];
    this.listeners = new Set();
    this.sent = 0;
    this.claims = 0;
    this.failed = [];
    this.onSettled = () => {};
  }
  add(channel, make, n) {
    for (let i = 0; i < n; i++) {
      const id = `dlv_${channel}_${i}`;
      this.queue.push({ id, channel, message: make(i, id) });
    }
    for (const l of this.listeners) l([channel]);
  }
  async claim(_channels, limit) {
    this.claims++;
    const out = [];
    while (out.length < limit && this.queue.length > 0) {
      const d = this.queue.shift();
      const record = {
        id: d.id,
        tenant_id: 'bench',
        notification_id: `ntf_${d.id}`,
        recipient_id: 'u',
        channel: d.channel,
        attempts: 1,
        lease_token: 'x',
      };
      out.push({ delivery: record, message: { ...d.message, attempt: 1 } });
      d.record = record;
    }
    return out;
  }
  settle() {
    this.onSettled();
    return true;
  }
  async complete() {
    this.sent++;
    return this.settle();
  }
  async retry(_lease, _at, error) {
    this.failed.push(error);
    return this.settle();
  }
  async defer(lease) {
    this.failed.push(`deferred ${lease.id}`);
    return this.settle();
  }
  async dead(_lease, error) {
    this.failed.push(error);
    return this.settle();
  }
  async bounced(_lease, error) {
    this.failed.push(error);
    return this.settle();
  }
  onQueued(l) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

const logger = createLogger({ level: 'error' });
const SETTINGS = {
  workers: {
    enabled: true,
    concurrency: opts.concurrency,
    batch_size: opts.concurrency,
    lease_ms: 60_000,
    poll_interval_ms: 50,
  },
  console_fallback: false,
  providers_reload_ms: 5000,
  max_attempts: 1,
  backoff_base_ms: 1000,
  backoff_max_ms: 60_000,
  timeout_ms: 15_000,
  circuit: { failure_threshold: 1000, reset_ms: 30_000 },
  status_poll: { first_ms: 10_000, max_ms: 600_000, max_polls: 8 },
};

const recipient = {
  id: 'u',
  tenant_id: 'bench',
  email: 'user@example.com',
  phone: null,
  locale: null,
  timezone: null,
  name: 'User',
  avatar_url: null,
  data: null,
  created_at: 0,
  updated_at: 0,
};
const base = (channel, id, content, device = null) => ({
  delivery_id: id,
  notification_id: `ntf_${id}`,
  tenant_id: 'bench',
  channel,
  recipient,
  device,
  content,
  attempt: 1,
  priority: 'normal',
  ttl_seconds: null,
  group_key: null,
});
const pushMessage = (i, id) => {
  const sub = hello.subscriptions[i % hello.subscriptions.length];
  const device = {
    id: `dev_${i}`,
    tenant_id: 'bench',
    subscriber_id: 'u',
    kind: 'webpush',
    endpoint: sub.endpoint,
    keys: sub.keys,
    token: null,
    active: true,
    last_used_at: null,
    failure_count: 0,
    created_at: 0,
    updated_at: 0,
  };
  const content = { title: 'Order shipped', body: `Your order #${i} is on its way`, url: '/o' };
  return base('push', id, content, device);
};
const mailMessage = (i, id) =>
  base('email', id, {
    subject: `Order #${i} shipped`,
    html: `<p>Your order <b>#${i}</b> is on its way.</p>`,
    text: `Your order #${i} is on its way.`,
  });

/** Runs `n` deliveries of `channel` through a worker over `entries`; rate, CPU per delivery. */
async function run(label, section, entries, channel, make, n) {
  const all = { push: [], sms: [], email: [], webhook: [], custom: [], [section]: entries };
  const loaded = await loadProviders(all, {
    logger,
    clock: systemClock,
    signal: new AbortController().signal,
  });
  const registry = new ProviderRegistry(
    loaded,
    {
      ...SETTINGS.circuit,
      timeout_ms: SETTINGS.timeout_ms,
      limiter: createMemoryStore().ratelimit,
    },
    systemClock,
  );
  const port = new BenchPort();
  const worker = new DeliveryWorker({
    port,
    registry,
    settings: SETTINGS,
    clock: systemClock,
    logger,
    emit: () => {},
    metrics: new ProviderMetrics(new Registry()),
  });
  const drain = (count) =>
    new Promise((resolve) => {
      let left = count;
      port.onSettled = () => {
        if (--left === 0) resolve();
      };
      port.add(channel, make, count);
    });
  worker.start();
  // Warm-up: connections, TLS sessions, JIT; not measured.
  await drain(Math.min(opts.warmup, n));
  const peerBefore = await ask();
  const sentBefore = port.sent;
  const claimsBefore = port.claims;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await drain(n);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const peerAfter = await ask();
  await worker.stop();
  await registry.close();
  const perProvider = Object.fromEntries(
    registry.all().map((p) => [p.name, registry.view(p).health.sent]),
  );
  const sent = port.sent - sentBefore;
  const claims = port.claims - claimsBefore;
  return {
    label,
    deliveries: n,
    sent,
    failed: port.failed.length,
    first_failures: port.failed.slice(0, 3),
    per_second: Math.round(sent / seconds),
    seconds: Number(seconds.toFixed(2)),
    cpu_us_per_delivery: Math.round((cpu.user + cpu.system) / n),
    sender_cores: Number(((cpu.user + cpu.system) / 1e6 / seconds).toFixed(2)),
    // How many deliveries one claim of the queue took (a store transaction in the daemon).
    deliveries_per_claim: Number((n / Math.max(1, claims)).toFixed(1)),
    peer_accepted:
      (peerAfter.received ?? 0) - (peerBefore.received ?? 0) || peerAfter.mails - peerBefore.mails,
    peer_rejected: peerAfter.rejected,
    push_connections: (peerAfter.connections ?? 0) - (peerBefore.connections ?? 0),
    sent_per_provider: perProvider,
  };
}

const vapidOpts = {
  vapid_public_key: vapid.publicKey,
  vapid_private_key: vapid.privateKey,
  subject: 'mailto:ops@example.com',
  ca: CA,
  max_sockets: opts.concurrency,
};
/** The runs `--runs` may name. */
const RUNS = {
  push1: () =>
    run(
      'webpush, 1 provider',
      'push',
      [{ name: 'wp', plugin: 'webpush', options: vapidOpts }],
      'push',
      pushMessage,
      opts.pushes,
    ),
  push2: () =>
    run(
      'webpush, 2 providers (first at concurrency/2, overflow fails over)',
      'push',
      [
        {
          name: 'wp1',
          plugin: 'webpush',
          priority: 0,
          concurrency: Math.max(1, opts.concurrency / 2),
          options: vapidOpts,
        },
        { name: 'wp2', plugin: 'webpush', priority: 1, options: vapidOpts },
      ],
      'push',
      pushMessage,
      opts.pushes,
    ),
  smtp: () =>
    run(
      'smtp, pool of 5',
      'email',
      [
        {
          name: 'mail',
          plugin: 'smtp',
          options: {
            host: '127.0.0.1',
            port: hello.smtp_port,
            require_tls: false,
            from: 'notify@example.com',
            pool: true,
            max_connections: 5,
          },
        },
      ],
      'email',
      mailMessage,
      opts.mails,
    ),
};
const results = [];
for (const name of String(opts.runs).split(',')) {
  const runIt = RUNS[name.trim()];
  if (!runIt) throw new Error(`--runs: no run ${name} (${Object.keys(RUNS).join(', ')})`);
  results.push(await runIt());
}
peers.send('stop');

for (const r of results) {
  console.log(
    `${r.label}: ${r.per_second}/s (${r.sent}/${r.deliveries} in ${r.seconds} s), ${r.cpu_us_per_delivery} µs CPU per delivery, sender ${r.sender_cores} cores, ${r.deliveries_per_claim} deliveries per claim, per provider ${JSON.stringify(r.sent_per_provider)}${r.failed ? `, FAILED ${r.failed}: ${r.first_failures.join(' | ')}` : ''}`,
  );
}
console.log(
  JSON.stringify({
    cores: cpus().length,
    loadavg: loadavg().map((x) => Number(x.toFixed(2))),
    opts,
    results,
  }),
);
