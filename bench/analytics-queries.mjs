// The funnel and active-user query code in-process on a prepared store, in CPU time (issue 15):
// load-independent figures for what bench/analytics.mjs times over HTTP.
//
//   node bench/analytics-queries.mjs --prepare 1 --events 1000000 --path /tmp/a1m.db
//     writes --events bench-like events (bench/analytics.mjs' mix: --users users, 60%
//     auth.login, 5% auth.signup, 35% feature_used, timestamps spread over the 30 days before
//     --now) through the store's append in batches of 1,000, and prints the append's CPU µs
//     per event (the write cost).
//   node bench/analytics-queries.mjs --path /tmp/a1m.db --runs 3
//     runs the 3-step funnel over 30 days and DAU/MAU per day over 7 days (across tenants,
//     as the bench's admin key asks), each --runs times, and prints CPU ms per run and the
//     answers (compare them between builds).
//
// --dist picks the build (default: this checkout's dist/src; npm run build first), so two
// worktrees' builds can be run on one file. --store postgres --schema s reads and writes
// that schema of $POSTGRES_URL (default postgres://root@127.0.0.1:5432/test) instead; its
// CPU figures are this process' only (the server's are not in them): use its wall ms.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { machineInfo, parseArgs } from './lib/stats.mjs';

const DAY = 86_400_000;
const opts = parseArgs(process.argv.slice(2), {
  dist: new URL('../dist/src', import.meta.url).pathname,
  store: 'sqlite',
  path: '/tmp/notifyd-analytics-queries.db',
  schema: 'bench_analytics',
  prepare: 0,
  events: 1_000_000,
  users: 100_000,
  runs: 3,
  // 2026-12-07 00:00:00 UTC plus 5 h 17 min: query ranges end off the day edge, as "now" does.
  now: Date.UTC(2026, 11, 7, 5, 17, 0),
});
const dist = (p) => import(pathToFileURL(resolve(opts.dist, p)).href);
const { QueryEngine } = await dist('analytics/query.js');
const { Funnels } = await dist('analytics/funnels.js');
const { dimsOf } = await dist('analytics/ingest.js');
const { ANALYTICS_OPTIONS, retentionCutoffs } = await dist('analytics/options.js');
const { FakeClock } = await dist('core/clock.js');
const { createIdGenerator } = await dist('core/ids.js');

const store =
  opts.store === 'postgres'
    ? await (await dist('store/postgres/index.js')).openPostgresStore({
        url: process.env.POSTGRES_URL ?? 'postgres://root@127.0.0.1:5432/test',
        schema: opts.schema,
        poolSize: 4,
      })
    : (await dist('store/sqlite/index.js')).openSqliteStore({ path: opts.path });
const clock = new FakeClock(opts.now);
const option = (path) => ANALYTICS_OPTIONS.find((o) => o.path === path)?.default;
const retention = {
  raw_days: option('analytics.retention.raw_days'),
  minute_days: option('analytics.retention.minute_days'),
  hour_days: option('analytics.retention.hour_days'),
  day_days: option('analytics.retention.day_days'),
};
const rollupDimensions = option('analytics.rollup_dimensions');
const cpuMs = (t0) => {
  const d = process.cpuUsage(t0);
  return Math.round((d.user + d.system) / 1000);
};

if (opts.prepare) {
  const ids = createIdGenerator(clock);
  let s = 1;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const METHODS = ['password', 'sso', 'social'];
  const from = retentionCutoffs(retention, opts.now);
  let cpu = 0;
  const wall0 = performance.now();
  for (let done = 0; done < opts.events; done += 1000) {
    const batch = [];
    for (let i = 0; i < Math.min(1000, opts.events - done); i++) {
      const r = rand();
      const user_id = `u${Math.floor(rand() * opts.users)}`;
      const timestamp = opts.now - 60_000 - Math.floor(rand() * (30 * DAY - 120_000));
      const method = METHODS[Math.floor(rand() * METHODS.length)];
      const [event_type, properties] =
        r < 0.6
          ? ['auth.login', { status: rand() < 0.9 ? 'success' : 'failure', method }]
          : r < 0.65
            ? ['auth.signup', { method }]
            : ['feature_used', { feature: `f${Math.floor(rand() * 10)}` }];
      batch.push({
        id: ids('aev'),
        tenant_id: 'default',
        event_type,
        user_id,
        event_id: null,
        properties,
        timestamp,
        dims: dimsOf(properties, rollupDimensions),
      });
    }
    const t0 = process.cpuUsage();
    await store.analytics.append(batch, from);
    cpu += cpuMs(t0);
    // A turn of the event loop, as a daemon's has: the WAL checkpointer runs between batches.
    await new Promise(setImmediate);
    if ((done / 1000) % 100 === 99) {
      console.error(
        `${done + 1000} appended, ${Math.round((cpu * 1000) / (done + 1000))} µs CPU each`,
      );
    }
  }
  console.log(
    JSON.stringify({
      bench: 'analytics-queries',
      mode: 'prepare',
      store: opts.store,
      events: opts.events,
      append_cpu_us_per_event: Math.round(((cpu * 1000) / opts.events) * 10) / 10,
      wall_s: Math.round((performance.now() - wall0) / 100) / 10,
      machine: machineInfo(),
    }),
  );
} else {
  const engine = new QueryEngine(store.analytics, clock, {
    rollupDimensions,
    timeoutMs: 3_600_000,
    retention,
  });
  const funnels = new Funnels(store.objects, clock, createIdGenerator(clock), engine);
  const funnel = {
    id: 'fnl_bench',
    tenant_id: null,
    data: {
      name: 'signup-login-feature',
      description: '',
      steps: [
        { name: 'signup', event_type: 'auth.signup' },
        { name: 'login', event_type: 'auth.login' },
        { name: 'feature', event_type: 'feature_used' },
      ],
      conversion_window_seconds: 7 * 86_400,
    },
  };
  const timed = async (fn) => {
    const cpu = [];
    const wall = [];
    let answer;
    for (let i = 0; i < opts.runs; i++) {
      const t0 = process.cpuUsage();
      const w0 = performance.now();
      answer = await fn();
      cpu.push(cpuMs(t0));
      wall.push(Math.round(performance.now() - w0));
    }
    return { cpu_ms: cpu, wall_ms: wall, answer };
  };
  const funnel30 = await timed(async () => {
    const r = await funnels.results(funnel, null, opts.now - 30 * DAY, opts.now);
    const { rows_scanned: _, ...rest } = r;
    return rest;
  });
  const dauMau = await timed(async () => {
    const r = await engine.run(null, {
      metrics: ['dau', 'mau', 'dau_mau_ratio'],
      granularity: 'day',
      time_range: {
        start: new Date(opts.now - 7 * DAY).toISOString(),
        end: new Date(opts.now).toISOString(),
      },
    });
    return r.data.map((d) => [d.timestamp, d.values]);
  });
  console.log(
    JSON.stringify({
      bench: 'analytics-queries',
      mode: 'query',
      store: opts.store,
      funnel_3_steps_30d: funnel30,
      dau_mau_7d: dauMau,
      machine: machineInfo(),
    }),
  );
}
await store.close();
