// The funnel and active-user query code in-process on a prepared store, in CPU time (issue 15):
// load-independent figures for what bench/analytics.mjs times over HTTP.
//
//   node bench/analytics-queries.mjs --prepare 1 --events 1000000 --path /tmp/a1m.db
//     writes --events bench-like events (bench/analytics.mjs' mix: --users users, 60%
//     auth.login, 5% auth.signup, 35% feature_used, timestamps spread over the 30 days before
//     --now) through the store's append in batches of 1,000, and prints the append's CPU µs
//     per event (the write cost).
//   node bench/analytics-queries.mjs --prepare 1 --bulk 1 --events 10000000 --path /tmp/a10m.db
//     the same events written in bulk, not through the append (minutes for 10 million; see
//     bench/lib/analytics-seed.mjs for how the store's layout then differs).
//   node bench/analytics-queries.mjs --path /tmp/a1m.db --runs 3 [--warmup 1] [--check 1]
//     runs the 3-step funnel over 30 days, DAU/MAU per day over 7 days (across tenants, as
//     the bench's admin key asks) and the 30-day daily series of logins by method, each
//     --runs times after --warmup unmeasured runs, and prints p50/p95 wall ms, CPU ms per run
//     and the answers (compare them between builds). --check 1 also answers the funnel and
//     DAU/MAU from a scan of the events (a filter that keeps every event) and says whether
//     the answers are the same.
//
// --dist picks the build (default: this checkout's dist/src; npm run build first), so two
// worktrees' builds can be run on one file. --store postgres --schema s reads and writes
// that schema of $POSTGRES_URL (default postgres://root@127.0.0.1:5432/test) instead; its
// CPU figures are this process' only (the server's are not in them): use its wall ms.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchEvents } from './lib/analytics-seed.mjs';
import { machineInfo, parseArgs, percentile } from './lib/stats.mjs';

const DAY = 86_400_000;
const opts = parseArgs(process.argv.slice(2), {
  dist: new URL('../dist/src', import.meta.url).pathname,
  store: 'sqlite',
  path: '/tmp/notifyd-analytics-queries.db',
  schema: 'bench_analytics',
  prepare: 0,
  bulk: 0,
  check: 0,
  events: 1_000_000,
  users: 100_000,
  runs: 3,
  // Unmeasured runs of each query first (caches warm, as a dashboard's second look).
  warmup: 0,
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

if (opts.prepare && opts.bulk) {
  await store.close();
  const { bulkSeed } = await import('./lib/analytics-seed.mjs');
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  await bulkSeed({ ...opts, dist, retention, rollupDimensions });
  console.log(
    JSON.stringify({
      bench: 'analytics-queries',
      mode: 'prepare-bulk',
      store: opts.store,
      events: opts.events,
      cpu_s: Math.round(cpuMs(cpu0) / 100) / 10,
      wall_s: Math.round((performance.now() - wall0) / 100) / 10,
      machine: machineInfo(),
    }),
  );
  process.exit(0);
} else if (opts.prepare) {
  const ids = createIdGenerator(clock);
  const next = benchEvents(opts);
  const from = retentionCutoffs(retention, opts.now);
  let cpu = 0;
  const wall0 = performance.now();
  for (let done = 0; done < opts.events; done += 1000) {
    const batch = [];
    for (let i = 0; i < Math.min(1000, opts.events - done); i++) {
      const e = next();
      batch.push({
        id: ids('aev'),
        event_id: null,
        ...e,
        dims: dimsOf(e.properties, rollupDimensions),
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
    for (let i = 0; i < opts.warmup; i++) await fn();
    for (let i = 0; i < opts.runs; i++) {
      const t0 = process.cpuUsage();
      const w0 = performance.now();
      answer = await fn();
      cpu.push(cpuMs(t0));
      wall.push(Math.round(performance.now() - w0));
    }
    const sorted = [...wall].sort((a, b) => a - b);
    return {
      p50_ms: percentile(sorted, 50),
      p95_ms: percentile(sorted, 95),
      cpu_ms: cpu,
      wall_ms: wall,
      answer,
    };
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
  const series = await timed(async () => {
    const r = await engine.run(null, {
      metrics: ['count:auth.login'],
      dimensions: ['method'],
      granularity: 'day',
      time_range: { preset: 'last_30d' },
      limit: 1000,
    });
    return r.data.reduce((n, d) => n + d.values['count:auth.login'], 0);
  });
  // --check 1: the same funnel and DAU/MAU the slow way (a filter that lets every event
  // through sends both to a scan of the events in range), to compare the answers.
  const PASS = [{ field: 'tenant_id', operator: 'neq', value: '~' }];
  const check = opts.check
    ? {
        funnel_scanned: await timed(async () => {
          const steps = funnel.data.steps.map((s, i) => (i === 0 ? { ...s, filters: PASS } : s));
          const f = { ...funnel, data: { ...funnel.data, steps } };
          const { rows_scanned: _, ...rest } = await funnels.results(
            f,
            null,
            opts.now - 30 * DAY,
            opts.now,
          );
          return rest;
        }),
        dau_mau_scanned: await timed(async () => {
          const r = await engine.run(null, {
            metrics: ['dau', 'mau', 'dau_mau_ratio'],
            granularity: 'day',
            filters: PASS,
            time_range: {
              start: new Date(opts.now - 7 * DAY).toISOString(),
              end: new Date(opts.now).toISOString(),
            },
          });
          return r.data.map((d) => [d.timestamp, d.values]);
        }),
      }
    : undefined;
  if (check) {
    const same = (a, b) => JSON.stringify(a.answer) === JSON.stringify(b.answer);
    check.funnel_same = same(check.funnel_scanned, funnel30);
    check.dau_mau_same = same(check.dau_mau_scanned, dauMau);
  }
  console.log(
    JSON.stringify({
      bench: 'analytics-queries',
      mode: 'query',
      store: opts.store,
      funnel_3_steps_30d: funnel30,
      dau_mau_7d: dauMau,
      series_30d_by_method: series,
      ...(check ? { check } : {}),
      machine: machineInfo(),
    }),
  );
}
await store.close();
