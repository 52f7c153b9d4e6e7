// Analytics stores with many events for bench/analytics-queries.mjs (issue 15).
//
// benchEvents: the bench's event mix (bench/analytics.mjs): --users users, 60% auth.login
// (status success 9 in 10, a method), 5% auth.signup (a method), 35% feature_used (one of 10
// features), timestamps spread over the 30 days before `now`; the same sequence every run.
//
// bulkSeed (--prepare 1 --bulk 1): the same events written without the store's append, so
// that 10 million fit in minutes on a shared machine: raw rows inserted in bulk with the
// secondary indexes dropped and made again after, then the rollups and activity rows made
// from them by SQL, as their migrations make them from events kept before they existed
// (counts per bucket, tenant, type and dims; per (tenant, user, day) first, last and the
// previous day's last). What differs from a store grown by appends is
// the layout: B-trees built at once are packed (SQLite's events table in time order; the
// PostgreSQL heap keeps the arrival order the append would have given), so reads touch
// fewer pages than in a store whose random inserts split its pages.
import Database from 'better-sqlite3';
import pg from 'pg';

const DAY = 86_400_000;
const METHODS = ['password', 'sso', 'social'];

/** A function returning the next bench event (no id or dims), from a fixed seed. */
export function benchEvents({ users, now }) {
  let s = 1;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return () => {
    const r = rand();
    const user_id = `u${Math.floor(rand() * users)}`;
    const timestamp = now - 60_000 - Math.floor(rand() * (30 * DAY - 120_000));
    const method = METHODS[Math.floor(rand() * METHODS.length)];
    const [event_type, properties] =
      r < 0.6
        ? ['auth.login', { status: rand() < 0.9 ? 'success' : 'failure', method }]
        : r < 0.65
          ? ['auth.signup', { method }]
          : ['feature_used', { feature: `f${Math.floor(rand() * 10)}` }];
    return { tenant_id: 'default', event_type, user_id, properties, timestamp };
  };
}

/** `timestamp - (timestamp mod size)` for non-negative times, in SQL. */
const bucketSql = (size) => `(timestamp - timestamp % ${size})`;

/** Rollups of every granularity from the events table, each from its retention cutoff. */
function rollupsSql(events, rollups, cutoffs) {
  const sizes = { minute: 60_000, hour: 3_600_000, day: DAY };
  return Object.entries(sizes).map(
    ([g, size]) =>
      `INSERT INTO ${rollups} (granularity, bucket, tenant_id, event_type, dims, count)
       SELECT '${g}', ${bucketSql(size)}, tenant_id, event_type, dims, count(*) FROM ${events}
       WHERE ${bucketSql(size)} >= ${Math.ceil(cutoffs[g] / size) * size}
       GROUP BY 2, 3, 4, 5`,
  );
}

/**
 * The statements that make activity rows from the events table: their migration's own
 * (store/activity-migration.ts), then its '*' rows deleted: the bench has one tenant, and
 * appends write no '*' rows until a second tenant has rows.
 */
async function activitySql(dist) {
  const { activityRowsMigration } = await dist('store/activity-migration.js');
  const { sql } = activityRowsMigration(0, '');
  return [
    sql.slice(sql.indexOf('INSERT INTO analytics_activity')),
    "DELETE FROM analytics_activity WHERE tenant_id = '*'",
  ];
}

const log = (what) => console.error(`${new Date().toISOString().slice(11, 19)} ${what}`);

/** Writes `events` bench events into an empty, migrated store (see the top of this file). */
export async function bulkSeed(opts) {
  const { dimsOf } = await opts.dist('analytics/ingest.js');
  const { retentionCutoffs } = await opts.dist('analytics/options.js');
  const { createIdGenerator } = await opts.dist('core/ids.js');
  const { FakeClock } = await opts.dist('core/clock.js');
  const ids = createIdGenerator(new FakeClock(opts.now));
  const next = benchEvents(opts);
  const cutoffs = retentionCutoffs(opts.retention, opts.now);
  const row = () => {
    const e = next();
    return [
      ids('aev'),
      e.tenant_id,
      e.event_type,
      e.user_id,
      null,
      JSON.stringify(e.properties),
      e.timestamp,
      dimsOf(e.properties, opts.rollupDimensions),
    ];
  };
  if (opts.store === 'postgres') await seedPostgres(opts, row, cutoffs);
  else await seedSqlite(opts, row, cutoffs);
}

async function seedSqlite(opts, row, cutoffs) {
  const { analyticsPathOf } = await opts.dist('store/sqlite/analytics-file.js');
  const db = new Database(analyticsPathOf(opts.path));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  db.pragma(`temp_store_directory = '/tmp'`);
  const indexes = db
    .prepare(
      `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
       AND tbl_name IN ('analytics_events', 'analytics_activity')`,
    )
    .all();
  for (const { name } of indexes) db.exec(`DROP INDEX ${name}`);
  db.exec(
    `CREATE TEMP TABLE staged (id, tenant_id, event_type, user_id, event_id, properties, timestamp, dims)`,
  );
  const insert = db.prepare('INSERT INTO staged VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const chunk = db.transaction((n) => {
    for (let i = 0; i < n; i++) insert.run(row());
  });
  for (let done = 0; done < opts.events; done += 100_000) {
    chunk(Math.min(100_000, opts.events - done));
    if ((done / 100_000) % 10 === 9) log(`${done + 100_000} generated`);
  }
  log('events in time order');
  db.exec(
    'INSERT INTO analytics_events SELECT * FROM staged ORDER BY timestamp, id; DROP TABLE staged',
  );
  log('rollups');
  for (const sql of rollupsSql('analytics_events', 'analytics_rollups', cutoffs)) db.exec(sql);
  log('activity rows');
  for (const sql of await activitySql(opts.dist)) db.exec(sql);
  for (const { name, sql } of indexes) {
    log(`index ${name}`);
    db.exec(sql);
  }
  db.exec('ANALYZE');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  log('done');
}

async function seedPostgres(opts, row, cutoffs) {
  const client = new pg.Client({
    connectionString: process.env.POSTGRES_URL ?? 'postgres://root@127.0.0.1:5432/test',
  });
  await client.connect();
  await client.query(`SET search_path TO ${opts.schema}`);
  await client.query("SET maintenance_work_mem = '512MB'");
  await client.query("SET work_mem = '256MB'");
  const { rows: indexes } = await client.query(
    `SELECT i.indexname AS name, i.indexdef AS def, c.conname AS constraint_name,
            pg_get_constraintdef(c.oid) AS condef, i.tablename AS tbl
     FROM pg_indexes i LEFT JOIN pg_constraint c
       ON c.conname = i.indexname AND c.connamespace = $2::regnamespace
     WHERE i.schemaname = $1::text AND i.tablename IN ('analytics_events', 'analytics_activity')`,
    [opts.schema, opts.schema],
  );
  for (const ix of indexes) {
    if (ix.constraint_name)
      await client.query(`ALTER TABLE ${ix.tbl} DROP CONSTRAINT ${ix.constraint_name}`);
    else await client.query(`DROP INDEX ${ix.name}`);
  }
  const cols = 'id, tenant_id, event_type, user_id, event_id, properties, timestamp, dims';
  for (let done = 0; done < opts.events; done += 10_000) {
    const n = Math.min(10_000, opts.events - done);
    const c = Array.from({ length: 8 }, () => []);
    for (let i = 0; i < n; i++) {
      const r = row();
      for (let j = 0; j < 8; j++) c[j].push(r[j]);
    }
    await client.query(
      `INSERT INTO analytics_events (${cols})
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[])`,
      c,
    );
    if ((done / 10_000) % 100 === 99) log(`${done + 10_000} inserted`);
  }
  for (const ix of indexes.filter((i) => i.tbl === 'analytics_events')) {
    log(`index ${ix.name}`);
    if (ix.constraint_name)
      await client.query(`ALTER TABLE ${ix.tbl} ADD CONSTRAINT ${ix.constraint_name} ${ix.condef}`);
    else await client.query(ix.def);
  }
  log('rollups');
  for (const sql of rollupsSql('analytics_events', 'analytics_rollups', cutoffs))
    await client.query(sql);
  log('activity rows');
  for (const sql of await activitySql(opts.dist)) await client.query(sql);
  for (const ix of indexes.filter((i) => i.tbl === 'analytics_activity')) {
    log(`index ${ix.name}`);
    if (ix.constraint_name)
      await client.query(`ALTER TABLE ${ix.tbl} ADD CONSTRAINT ${ix.constraint_name} ${ix.condef}`);
    else await client.query(ix.def);
  }
  log('vacuum analyze');
  await client.query('VACUUM ANALYZE analytics_events');
  await client.query('VACUUM ANALYZE analytics_activity');
  await client.query('VACUUM ANALYZE analytics_rollups');
  await client.end();
  log('done');
}
