// Topic send fan-out: `POST /api/v1/topics/{key}/notifications` with a template of in_app +
// push + email to a topic of --subscribers members, on a real `notifyd serve` (a child
// process, lib/daemon.mjs) with no provider configured, so the built-in console serves push
// and email and their deliveries are written `pending`. The delivery workers are off
// (--workers off, the default): the figure is routing and writing, not the console logging
// each message afterwards.
// Runs on the built output: npm run build first.
// Usage: node bench/topic-fanout.mjs [--store sqlite|postgres] [--subscribers 100000]
// [--workers off|on] [--poll-ms 50]
// The members are seeded before the daemon starts, through the store's own calls on the
// same SQLite file or Postgres schema (lib/topic-seed.mjs): every one has an email, every
// other one an FCM device; preferences are mixed (1 in 10 has email off, 1 in 10 mutes the
// template's category, 1 in 10 has quiet hours all day, the rest nothing set). The category,
// template and topic are made through the API, and the members added to the topic 1,000 per
// call. Then one send; measured: routed deliveries (rows not `skipped`) per second from the
// POST to the request's completion, time to the last in-app delivery (the request's
// completed_at: the last page's in-app rows are written as delivered), the daemon's RSS
// before, at peak and its growth (sampled from /proc every --poll-ms), and its CPU.
// The routed rows are counted in the database and checked against what the seed implies.
// Prints one readable line, then a JSON summary as its last line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openPostgresStore } from '../dist/src/store/postgres/index.js';
import { openSqliteStore } from '../dist/src/store/sqlite/index.js';
import { cpuMeter } from './lib/cpu.mjs';
import { adminApi as api, createNamespace, POSTGRES_URL, startDaemon } from './lib/daemon.mjs';
import { mib, rssOf } from './lib/memory.mjs';
import { machineInfo, parseArgs } from './lib/stats.mjs';
import { CATEGORY, expectedRouted, memberIds, seedMembers, TEMPLATE } from './lib/topic-seed.mjs';

const opts = parseArgs(process.argv.slice(2), {
  store: 'sqlite',
  subscribers: 100_000,
  workers: 'off',
  'poll-ms': 50,
});
if (!['sqlite', 'postgres'].includes(opts.store)) {
  throw new Error('--store must be sqlite or postgres');
}
const TOPIC = 'bench-topic';
const MEMBERS_PER_CALL = 1000;
const RUN_LIMIT_MS = 30 * 60_000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The database the daemon will use, seeded through the store's calls; `count` reads it. */
async function prepareDatabase() {
  if (opts.store === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'notifyd-bench-topic-'));
    const path = join(dir, 'notifyd.db');
    const store = openSqliteStore({ path });
    return {
      store,
      env: { NOTIFYD_STORE__SQLITE__PATH: path },
      count: async () => {
        const db = new Database(path, { readonly: true });
        try {
          return db
            .prepare(
              `SELECT count(*) AS n, count(DISTINCT notification_id) AS notifications
               FROM deliveries WHERE status <> 'skipped'`,
            )
            .get();
        } finally {
          db.close();
        }
      },
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const ns = createNamespace();
  const store = await openPostgresStore({ url: POSTGRES_URL, schema: ns.schema, poolSize: 8 });
  return {
    store,
    env: ns.env,
    count: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        const { rows } = await client.query(
          `SELECT count(*)::int AS n, count(DISTINCT notification_id)::int AS notifications
           FROM "${ns.schema}".deliveries WHERE status <> 'skipped'`,
        );
        return rows[0];
      } finally {
        await client.end();
      }
    },
    cleanup: () => ns.drop(),
  };
}

const db = await prepareDatabase();
const ids = memberIds(opts.subscribers);
const seedStart = performance.now();
await seedMembers(db.store, ids);
await db.store.close();
const seedS = (performance.now() - seedStart) / 1000;

const env =
  opts.workers === 'on' ? db.env : { ...db.env, NOTIFYD_DELIVERY__WORKERS__ENABLED: 'false' };
const daemon = await startDaemon({ store: opts.store, env });
let summary;
try {
  await api(daemon, 'POST', '/api/v1/categories', CATEGORY);
  await api(daemon, 'POST', '/api/v1/templates', TEMPLATE);
  await api(daemon, 'POST', '/api/v1/topics', { key: TOPIC, name: 'Bench topic' });
  const addStart = performance.now();
  for (let i = 0; i < ids.length; i += MEMBERS_PER_CALL) {
    await api(daemon, 'POST', `/api/v1/topics/${TOPIC}/subscribers`, {
      subscribers: ids.slice(i, i + MEMBERS_PER_CALL),
    });
  }
  const addS = (performance.now() - addStart) / 1000;
  await sleep(2000); // let the seeding's garbage go before the baseline
  const before = rssOf(daemon.pid);
  let peak = before.rss;
  const cpu = cpuMeter(daemon.pid);
  const sentAt = Date.now();
  const accepted = await api(daemon, 'POST', `/api/v1/topics/${TOPIC}/notifications`, {
    template: TEMPLATE.key,
    payload: { name: 'Member', order: 'B-1' },
  });
  const acceptMs = Date.now() - sentAt;
  let request;
  for (;;) {
    peak = Math.max(peak, rssOf(daemon.pid).rss);
    request = await api(daemon, 'GET', `/api/v1/requests/${accepted.request_id}`);
    if (request.status !== 'running' || Date.now() - sentAt > RUN_LIMIT_MS) break;
    await sleep(opts['poll-ms']);
  }
  const cores = cpu();
  const after = rssOf(daemon.pid);
  const doneMs = request.completed_at ? Date.parse(request.completed_at) - sentAt : Number.NaN;
  const counted = await db.count();
  const expected = expectedRouted(ids);
  summary = {
    bench: 'topic-fanout',
    store: opts.store,
    subscribers: ids.length,
    workers: opts.workers,
    status: request.status,
    accepted: request.accepted,
    skipped: request.skipped,
    rejected: request.rejected,
    routed_deliveries: Number(counted.n),
    expected_routed: expected.deliveries,
    notifications_routed: Number(counted.notifications),
    expected_notifications: expected.notifications,
    routed_per_s: Math.round(Number(counted.n) / (doneMs / 1000)),
    accept_ms: acceptMs,
    last_in_app_ms: doneMs,
    rss_before_mib: mib(before.rss),
    rss_peak_mib: mib(peak),
    rss_growth_mib: mib(peak - before.rss),
    rss_after_mib: mib(after.rss),
    ...cores,
    seed_s: Math.round(seedS * 10) / 10,
    topic_add_s: Math.round(addS * 10) / 10,
    server_problems: daemon.problems,
    machine: machineInfo(),
  };
} finally {
  await daemon.stop();
  await db.cleanup();
}
const ok =
  summary.status === 'completed' &&
  summary.routed_deliveries === summary.expected_routed &&
  summary.notifications_routed === summary.expected_notifications;
console.log(
  `topic-fanout ${summary.store} ${summary.subscribers} subscribers: ` +
    `${summary.routed_per_s} routed deliveries/s (${summary.routed_deliveries} of ${summary.expected_routed} expected), ` +
    `last in-app after ${summary.last_in_app_ms} ms, 202 in ${summary.accept_ms} ms, ` +
    `RSS ${summary.rss_before_mib} → peak ${summary.rss_peak_mib} MiB (+${summary.rss_growth_mib}), ` +
    `daemon ${summary.daemon_cores} cores, ${summary.status}${ok ? '' : ' — MISMATCH'}`,
);
console.log(JSON.stringify(summary));
process.exit(ok ? 0 : 1);
