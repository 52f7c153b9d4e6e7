// Analytics ingest and queries (issue 15): --events events through
// `POST /api/v1/analytics/events/batch` (1,000 per call, --connections calls in flight) into a
// real `notifyd serve` (a child process, lib/daemon.mjs) on SQLite or Postgres, then the
// typical queries, each --queries times: a 30-day daily series with one dimension, a 3-step
// funnel over 30 days, and DAU/MAU per day over 7 days; on PostgreSQL the funnel and DAU/MAU
// again after a VACUUM (ANALYZE) of the analytics tables (queries_vacuumed).
// Runs on the built output: npm run build first.
// Usage: node bench/analytics.mjs [--store sqlite|postgres] [--events 10000000]
// [--connections 4] [--users 100000] [--queries 20] [--days 30] [--order random|time]
// The events are spread over the last --days days (the daemon takes a 31-day backfill): in no
// order (random, a backfill), or in time order as live traffic arrives (time); among
// --users users: 60% auth.login (status success 9 in 10, a method), 5% auth.signup (a
// method), 35% feature_used (one of 10 features). The batch API answers after the events are
// written (the 202 means stored), so events/s is stored events per second of the whole run.
// Prints readable lines, then a JSON summary as its last line.

import pg from 'pg';
import { cpuMeter } from './lib/cpu.mjs';
import { adminApi as api, POSTGRES_URL, startDaemon } from './lib/daemon.mjs';
import { ioMeter } from './lib/io.mjs';
import { mib, rssOf } from './lib/memory.mjs';
import { machineInfo, parseArgs, percentile } from './lib/stats.mjs';

const opts = parseArgs(process.argv.slice(2), {
  store: 'sqlite',
  events: 10_000_000,
  connections: 4,
  users: 100_000,
  days: 30,
  queries: 20,
  order: 'random',
});
if (!['random', 'time'].includes(opts.order)) throw new Error('--order must be random or time');
if (!['sqlite', 'postgres'].includes(opts.store)) {
  throw new Error('--store must be sqlite or postgres');
}
const BATCH = 1000;
const DAY = 86_400_000;
const SPAN = 30 * DAY;
/** How far back event timestamps go (live traffic: about now; a backfill: days). */
const SPREAD = opts.days * DAY;
const METHODS = ['password', 'sso', 'social'];

/** A small fast generator, so that runs are alike (and Math.random stays out of the loop). */
function lcg(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * An event's time. `--order random`: anywhere in the --days before `now` (a backfill in no
 * order). `--order time`: the run started at `start` replays the --days before it in order,
 * event `seq` of --events at its share of the span (up to a minute late), as live events
 * arrive.
 */
function timeOf(rand, now, start, seq) {
  // A minute's margin: an event exactly at the backfill edge would be refused.
  if (opts.order === 'random') return now - 60_000 - Math.floor(rand() * (SPREAD - 120_000));
  const at = start - SPREAD + 60_000 + Math.floor((seq / opts.events) * (SPREAD - 120_000));
  return Math.min(now - 60_000, at + Math.floor(rand() * 60_000));
}

/** One batch of events at `now` of a run started at `start`, the first being event `seq`. */
function batchOf(rand, now, start, n, seq) {
  const events = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = rand();
    const user = `u${Math.floor(rand() * opts.users)}`;
    const timestamp = new Date(timeOf(rand, now, start, seq + i)).toISOString();
    const method = METHODS[Math.floor(rand() * METHODS.length)];
    events[i] =
      r < 0.6
        ? {
            event_type: 'auth.login',
            user_id: user,
            timestamp,
            properties: { status: rand() < 0.9 ? 'success' : 'failure', method },
          }
        : r < 0.65
          ? { event_type: 'auth.signup', user_id: user, timestamp, properties: { method } }
          : {
              event_type: 'feature_used',
              user_id: user,
              timestamp,
              properties: { feature: `f${Math.floor(rand() * 10)}` },
            };
  }
  return { events };
}

/** VACUUM (ANALYZE) of a daemon's analytics tables, as an operator would after a large load. */
async function vacuumAnalytics(schema) {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    for (const table of ['analytics_events', 'analytics_activity', 'analytics_rollups']) {
      await client.query(`VACUUM (ANALYZE) "${schema}".${table}`);
    }
  } finally {
    await client.end();
  }
}

/** Runs `fn` --queries times after one warm-up; the p50/p95/max of their times in ms. */
async function timed(fn) {
  await fn(0);
  const times = [];
  for (let i = 1; i <= opts.queries; i++) {
    const t0 = performance.now();
    await fn(i);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const round = (x) => Math.round(x * 10) / 10;
  return {
    p50_ms: round(percentile(times, 50)),
    p95_ms: round(percentile(times, 95)),
    max_ms: round(times[times.length - 1]),
  };
}

const daemon = await startDaemon({
  store: opts.store,
  env: { NOTIFYD_ANALYTICS__MAX_BACKFILL_MS: String(31 * DAY) },
});
let summary;
try {
  const cpu = cpuMeter(daemon.pid);
  const io = ioMeter(daemon.pid);
  const rssBefore = rssOf(daemon.pid).rss;
  let peak = rssBefore;
  const start = Date.now();
  const calls = Math.ceil(opts.events / BATCH);
  let next = 0;
  let accepted = 0;
  let rejected = 0;
  let reported = 0;
  const worker = async (w) => {
    const rand = lcg(w + 1);
    for (;;) {
      const call = next++;
      if (call >= calls) return;
      const n = Math.min(BATCH, opts.events - call * BATCH);
      const res = await api(
        daemon,
        'POST',
        '/api/v1/analytics/events/batch',
        batchOf(rand, Date.now(), start, n, call * BATCH),
      );
      accepted += res.accepted;
      rejected += res.rejected;
      if (res.rejected > 0 && rejected === res.rejected) {
        console.error(`rejected: ${JSON.stringify(res.errors[0])}`);
      }
      if (call % 50 === 0) peak = Math.max(peak, rssOf(daemon.pid).rss);
      const done = Math.floor(((call + 1) / calls) * 10);
      if (done > reported) {
        reported = done;
        const s = (Date.now() - start) / 1000;
        console.error(`${done * 10}%: ${accepted} stored, ${Math.round(accepted / s)}/s`);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.connections }, (_, w) => worker(w)));
  const ingestS = (Date.now() - start) / 1000;
  const ingestCpu = cpu();
  // SQLite's writes are the daemon's own; PostgreSQL's are its server's (not measured here).
  const { written_bytes_per_unit: written_bytes_per_event, ...written } =
    opts.store === 'sqlite' ? io(accepted) : {};
  peak = Math.max(peak, rssOf(daemon.pid).rss);

  const now = Date.now();
  const last30 = (i) => ({
    start: new Date(now - SPAN - i * 1000).toISOString(),
    end: new Date(now - i * 1000).toISOString(),
  });
  const series = await timed(() =>
    api(daemon, 'POST', '/api/v1/analytics/query', {
      metrics: ['count:auth.login'],
      dimensions: ['method'],
      granularity: 'day',
      // A preset, as a dashboard asks: whole days, read from the day rollups.
      time_range: { preset: 'last_30d' },
      limit: 1000,
    }),
  );
  const funnel = await api(daemon, 'POST', '/api/v1/analytics/funnels', {
    name: 'signup-login-feature',
    steps: [
      { name: 'signup', event_type: 'auth.signup' },
      { name: 'login', event_type: 'auth.login' },
      { name: 'feature', event_type: 'feature_used' },
    ],
  });
  const funnelResults = (id, i) => {
    const r = last30(i);
    return api(
      daemon,
      'GET',
      `/api/v1/analytics/funnels/${id}/results?start=${r.start}&end=${r.end}`,
    );
  };
  const funnelTimes = await timed((i) => funnelResults(funnel.id, i));
  const dauMau = (i) =>
    api(daemon, 'POST', '/api/v1/analytics/query', {
      metrics: ['dau', 'mau', 'dau_mau_ratio'],
      granularity: 'day',
      time_range: {
        start: new Date(now - 7 * DAY - i * 1000).toISOString(),
        end: new Date(now - i * 1000).toISOString(),
      },
    });
  const activeUsers = await timed(dauMau);
  // PostgreSQL: the same two queries again once the analytics tables are vacuumed, the best
  // its index-only scans can do (right after a load, autovacuum may not have caught up).
  let vacuumed;
  if (daemon.schema) {
    const t0 = performance.now();
    await vacuumAnalytics(daemon.schema);
    vacuumed = {
      vacuum_s: Math.round((performance.now() - t0) / 100) / 10,
      funnel_3_steps_30d: await timed((i) => funnelResults(funnel.id, i)),
      dau_mau_7d: await timed(dauMau),
    };
  }
  summary = {
    bench: 'analytics',
    store: opts.store,
    events: opts.events,
    accepted,
    rejected,
    connections: opts.connections,
    users: opts.users,
    days: opts.days,
    order: opts.order,
    ingest_s: Math.round(ingestS * 10) / 10,
    events_per_s: Math.round(accepted / ingestS),
    ...ingestCpu,
    // What the daemon wrote while ingesting (its WAL, the checkpoints into the file, answers).
    ...written,
    written_bytes_per_event,
    rss_before_mib: mib(rssBefore),
    rss_peak_mib: mib(peak),
    queries: {
      series_30d_by_method: series,
      funnel_3_steps_30d: funnelTimes,
      dau_mau_7d: activeUsers,
    },
    ...(vacuumed ? { queries_vacuumed: vacuumed } : {}),
    server_problems: daemon.problems,
    machine: machineInfo(),
  };
} finally {
  await daemon.stop();
}
const q = summary.queries;
console.log(
  `analytics ${summary.store}: ${summary.accepted} events stored in ${summary.ingest_s} s, ` +
    `${summary.events_per_s} events/s (${summary.rejected} rejected` +
    (summary.written_bytes_per_event === undefined
      ? '); '
      : `; ${summary.written_bytes_per_event} bytes written per event); `) +
    `p50/p95 ms: 30-day series by method ${q.series_30d_by_method.p50_ms}/${q.series_30d_by_method.p95_ms}, ` +
    `3-step funnel ${q.funnel_3_steps_30d.p50_ms}/${q.funnel_3_steps_30d.p95_ms}, ` +
    `DAU/MAU 7 days ${q.dau_mau_7d.p50_ms}/${q.dau_mau_7d.p95_ms}`,
);
if (summary.queries_vacuumed) {
  const v = summary.queries_vacuumed;
  console.log(
    `after VACUUM (ANALYZE) of the analytics tables (${v.vacuum_s} s): p50/p95 ms: ` +
      `3-step funnel ${v.funnel_3_steps_30d.p50_ms}/${v.funnel_3_steps_30d.p95_ms}, ` +
      `DAU/MAU 7 days ${v.dau_mau_7d.p50_ms}/${v.dau_mau_7d.p95_ms}`,
  );
}
console.log(JSON.stringify(summary));
process.exit(summary.rejected === 0 && summary.accepted === summary.events ? 0 : 1);
