import pg from 'pg';
import t, { type Test } from 'tap';
import { migratePostgres, openPostgresStore } from '../../src/store/postgres/index.js';
import {
  MIGRATIONS,
  type Migration,
  migrate,
  POSTGRES_SCHEMA_VERSION,
  schemaVersion,
} from '../../src/store/postgres/migrations.js';
import { adminQuery, dropSchemaAfter, uniqueSchema } from '../helpers/postgres.js';
import { POSTGRES_URL, requirePostgres } from '../helpers/services.js';
import {
  checkActivityBackfill,
  checkDeadLetters,
  checkFunnelIndex,
  checkJobClaims,
  checkLeaseTokens,
  checkProviderMessageIds,
  checkSendRequests,
  SEED_DEAD_LETTER,
  SEED_DUE_JOBS,
  SEED_LEGACY_REQUEST,
  SEED_SENT_SMS,
  SEED_USER_EVENTS,
} from './migration-checks.js';

const upTo = (version: number) => MIGRATIONS.filter((m) => m.version <= version);
const all = MIGRATIONS.map((m) => m.version);

/** Rows that each older schema can hold, written with that schema's SQL. */
const SEED: Record<number, string> = {
  1: `INSERT INTO notifications VALUES ('ntf_01', 't1', 'req_01', 'alice', 'news', 'normal',
        '{"title":"T","body":"B"}', NULL, NULL, 'k', '{in_app}', 1, NULL, NULL);
      INSERT INTO deliveries VALUES ('dlv_01', 't1', 'ntf_01', 'alice', 'push', 'pending', 0, 1,
        NULL, NULL, NULL, 1, 1);
      INSERT INTO idempotency_keys VALUES ('t1', 'k', 'ntf_01', 'req_01', 9000000000000000);`,
  2: `INSERT INTO api_keys VALUES ('key_01', 'ci', 'abc', 'nk_ab', '{*}', NULL, '{}', 1, NULL,
        NULL, NULL);`,
  3: `INSERT INTO counters VALUES ('c', 4, 9000000000000000);`,
  4: `INSERT INTO user_queues VALUES ('offline', 't1', 'alice', 'ntf_01', 'p', 1,
        9000000000000000);`,
  5: `INSERT INTO objects VALUES ('policy', 'pol_01', 't1', 'free', '{"a":1}', 1, 1, 1);`,
  6: `INSERT INTO ratelimit_state VALUES ('r', '{"window_start":0,"current":2,"previous":0,"tokens":0,"refilled_at":0,"burst_start":0,"burst_used":0,"cooldown_until":0,"penalty_until":0,"expires_at":9000000000000000}', 9000000000000000);`,
  7: `INSERT INTO subscribers (tenant_id, id, email, email_key, created_at, updated_at)
        VALUES ('t1', 'alice', 'Alice@example.com', 'alice@example.com', 1, 1);`,
  8: `UPDATE notifications SET actions = '[{"id":"ok","label":"OK","type":"primary"}]',
        expires_at = 9000000000000000 WHERE id = 'ntf_01';`,
  9: `INSERT INTO analytics_events VALUES ('aev_01', 't1', 'x', NULL, NULL, '{}', 1, '{}');`,
  10: `INSERT INTO jobs VALUES ('job_01', 't1', 'notification.send', 5, '{"a":1}', 'scheduled', 0,
        NULL, NULL, 'ck', NULL, 1, 1);`,
  // A delivery leased before migration 12 added lease tokens (its lease ends at 50).
  11: `UPDATE deliveries SET attempts = 1, lease_until = 50 WHERE id = 'dlv_01';`,
  12: SEED_DEAD_LETTER,
  13: SEED_SENT_SMS,
  14: SEED_LEGACY_REQUEST,
  15: SEED_DUE_JOBS,
  16: SEED_USER_EVENTS,
  // An event without a user: in neither the activity rows nor the funnel index.
  17: `INSERT INTO analytics_events VALUES ('aev_21', 't1', 'login', NULL, NULL, '{}', 86400007, '{}');`,
  // A user's event, in the funnel index made by 18 (a tenant and type no check reads).
  18: `INSERT INTO analytics_events VALUES ('aev_22', 't3', 'viewed', 'zoe', NULL, '{}', 86400008, '{}');`,
};

/** A fresh schema name, dropped when `t` ends. */
function freshSchema(t: Test): string {
  const schema = uniqueSchema('notifyd_mig');
  dropSchemaAfter(t, schema);
  return schema;
}

/** A connection of the test's own, closed when `t` ends. */
async function connect(t: Test): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  t.teardown(() => client.end());
  return client;
}

const tablesOf = async (schema: string) =>
  (
    await adminQuery<{ tablename: string }>(
      'SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename',
      [schema],
    )
  ).map((r) => r.tablename);

if (await requirePostgres(t)) {
  t.test('versions start at 1 and go up by one, each with a name', async (t) => {
    t.same(
      all,
      Array.from({ length: MIGRATIONS.length }, (_, i) => i + 1),
    );
    t.equal(POSTGRES_SCHEMA_VERSION, MIGRATIONS.length);
    t.equal(new Set(MIGRATIONS.map((m) => m.name)).size, MIGRATIONS.length);
  });

  t.test('a new schema is created and gets every migration, recorded', async (t) => {
    const schema = freshSchema(t);
    const store = await openPostgresStore({ url: POSTGRES_URL, schema, poolSize: 1 });
    t.same(store.migrations, { from: 0, to: POSTGRES_SCHEMA_VERSION, applied: all });
    t.equal(store.schema, schema);
    t.equal(store.backend, 'postgres');
    await store.close();
    const rows = await adminQuery(
      `SELECT version, name FROM "${schema}".schema_migrations ORDER BY version`,
    );
    t.same(
      rows,
      MIGRATIONS.map(({ version, name }) => ({ version, name })),
    );
    t.same(await tablesOf(schema), [
      'analytics_activity',
      'analytics_events',
      'analytics_rollups',
      'api_keys',
      'counters',
      'deliveries',
      'devices',
      'idempotency_keys',
      'jobs',
      'notifications',
      'object_revisions',
      'objects',
      'preferences',
      'ratelimit_state',
      'schema_migrations',
      'send_requests',
      'subscribers',
      'topic_members',
      'user_queues',
    ]);
    // The analytics tables are vacuumed after each 1% of new rows (migration 19), so that
    // their index-only scans stay index-only during and right after a large load.
    const options = await adminQuery(
      `SELECT c.relname, c.reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relname IN ('analytics_events', 'analytics_activity')
       ORDER BY c.relname`,
      [schema],
    );
    t.same(options, [
      {
        relname: 'analytics_activity',
        reloptions: [
          'autovacuum_vacuum_scale_factor=0.02',
          'autovacuum_vacuum_insert_scale_factor=0.01',
          'autovacuum_analyze_scale_factor=0.02',
        ],
      },
      {
        relname: 'analytics_events',
        reloptions: [
          'autovacuum_vacuum_insert_scale_factor=0.01',
          'autovacuum_analyze_scale_factor=0.02',
        ],
      },
    ]);
  });

  t.test('migrating again applies nothing and keeps the data', async (t) => {
    const schema = freshSchema(t);
    const store = await openPostgresStore({ url: POSTGRES_URL, schema, poolSize: 1 });
    await store.counters.increment('x', 2, 60_000, 0);
    await store.close();
    const current = { from: POSTGRES_SCHEMA_VERSION, to: POSTGRES_SCHEMA_VERSION, applied: [] };
    t.same(await migratePostgres({ url: POSTGRES_URL, schema }), current);
    const again = await openPostgresStore({ url: POSTGRES_URL, schema, poolSize: 1 });
    t.same(again.migrations, current);
    t.equal(await again.counters.get('x', 1), 2);
    await again.close();
  });

  t.test('two processes migrating a new schema at once: both succeed, once', async (t) => {
    const schema = freshSchema(t);
    const results = await Promise.all([
      migratePostgres({ url: POSTGRES_URL, schema }),
      migratePostgres({ url: POSTGRES_URL, schema }),
      openPostgresStore({ url: POSTGRES_URL, schema, poolSize: 1 }).then(async (store) => {
        await store.close();
        return store.migrations;
      }),
    ]);
    t.same(
      results.map((r) => r.applied).sort((a, b) => b.length - a.length),
      [all, [], []],
      'one applied everything, the others found it done',
    );
    for (const r of results) t.equal(r.to, POSTGRES_SCHEMA_VERSION);
    const [{ n }] = await adminQuery<{ n: string }>(
      `SELECT count(*) AS n FROM "${schema}".schema_migrations`,
    );
    t.equal(Number(n), MIGRATIONS.length, 'each migration recorded once');
  });

  for (let from = 0; from < POSTGRES_SCHEMA_VERSION; from++) {
    t.test(`a schema at version ${from} is upgraded and keeps its rows`, async (t) => {
      const schema = freshSchema(t);
      const client = await connect(t);
      // Each version's rows are written right after its migration, as that schema held them.
      await migrate(client, schema, upTo(0));
      for (let v = 1; v <= from; v++) {
        await migrate(client, schema, upTo(v));
        await client.query(`SET search_path TO "${schema}"`);
        await client.query(SEED[v]);
      }
      await client.query(`SET search_path TO "${schema}"`);
      t.equal(await schemaVersion(client, schema), from);
      const store = await openPostgresStore({ url: POSTGRES_URL, schema, poolSize: 2 });
      t.teardown(() => store.close());
      t.same(store.migrations, { from, to: POSTGRES_SCHEMA_VERSION, applied: all.slice(from) });
      if (from >= 1) {
        t.match(await store.notifications.get('t1', 'alice', 'ntf_01'), {
          content: { title: 'T' },
          channels: ['in_app'],
        });
        t.equal(
          (await store.deliveries.claim(['push'], 1, 5, 10, 'tok')).length,
          from < 11 ? 1 : 0,
        );
      }
      if (from >= 1 && from < 8) {
        t.match(await store.notifications.get('t1', 'alice', 'ntf_01'), {
          actions: [],
          template: null,
          expires_at: null,
          dismissed_at: null,
          action_id: null,
        });
      }
      if (from >= 8) {
        t.match(await store.notifications.get('t1', 'alice', 'ntf_01'), {
          actions: [{ id: 'ok' }],
          expires_at: 9e15,
        });
      }
      if (from >= 10) {
        t.match(await store.jobs.getByKey('t1', 'ck'), { id: 'job_01', payload: { a: 1 } });
        t.equal((await store.jobs.claim(['notification.send'], 5, 10, 1000, 'tok')).length, 1);
      }
      if (from >= 1) {
        // Migration 11: rows written before it have no rendered contents and no device.
        t.match(await store.notifications.get('t1', 'alice', 'ntf_01'), { contents: null });
        t.match(await store.deliveries.listByNotification('t1', 'ntf_01'), [{ device_id: null }]);
      }
      if (from >= 11) await checkLeaseTokens(t, store);
      if (from >= 12) await checkDeadLetters(t, store);
      if (from >= 13) await checkProviderMessageIds(t, store);
      if (from >= 14) await checkSendRequests(t, store);
      if (from >= 15) await checkJobClaims(t, store);
      if (from >= 16) await checkActivityBackfill(t, store);
      if (from >= 16) await checkFunnelIndex(t, store);
      if (from >= 2) t.match(await store.keys.findByHash('abc'), { id: 'key_01', scopes: ['*'] });
      if (from >= 3) t.equal(await store.counters.get('c', 0), 4);
      if (from >= 4) t.equal(await store.queues.count('offline', 0), 1);
      if (from >= 5) t.match(await store.objects.get('policy', 'pol_01'), { data: { a: 1 } });
      if (from >= 7) {
        t.match(await store.subscribers.get('t1', 'alice'), { email: 'Alice@example.com' });
      }
      if (from >= 6) {
        const spec = { algorithm: 'fixed_window', max_requests: 3, window_seconds: 10 } as const;
        t.match(await store.ratelimit.consume('r', spec, 1, 5, { dryRun: true }), { used: 3 });
      }
    });
  }

  t.test('a schema newer than this code is refused and left alone', async (t) => {
    const schema = freshSchema(t);
    const client = await connect(t);
    const future: Migration = {
      version: POSTGRES_SCHEMA_VERSION + 1,
      name: 'future',
      sql: 'CREATE TABLE future_things (id text)',
    };
    await migrate(client, schema, [...MIGRATIONS, future]);
    const refused = new RegExp(
      `newer than this notifyd knows \\(${POSTGRES_SCHEMA_VERSION}\\); run a newer notifyd`,
    );
    await t.rejects(openPostgresStore({ url: POSTGRES_URL, schema }), { message: refused });
    await t.rejects(migratePostgres({ url: POSTGRES_URL, schema }), { message: refused });
    await t.rejects(openPostgresStore({ url: POSTGRES_URL, schema, migrate: false }), {
      message: refused,
    });
    t.equal(await schemaVersion(client, schema), POSTGRES_SCHEMA_VERSION + 1);
  });

  t.test('a failing migration leaves the schema as it was', async (t) => {
    const schema = freshSchema(t);
    const client = await connect(t);
    await migrate(client, schema, upTo(1));
    const broken: Migration = {
      version: 99,
      name: 'broken',
      sql: 'CREATE TABLE half_done (a int); SELECT nope FROM missing_table;',
    };
    await t.rejects(migrate(client, schema, [...MIGRATIONS, broken]), /missing_table/);
    t.equal(await schemaVersion(client, schema), 1, 'no later migration recorded');
    t.notOk((await tablesOf(schema)).includes('half_done'), 'nothing of the group applied');
    t.notOk((await tablesOf(schema)).includes('api_keys'));
  });

  t.test('with migrate: false an empty schema is left alone, and said so', async (t) => {
    const schema = freshSchema(t);
    const missing = new RegExp(
      `schema "notifyd_mig_\\d+_\\d+" is at version 0 but this notifyd needs version ${POSTGRES_SCHEMA_VERSION}; run \`notifyd migrate\``,
    );
    await t.rejects(openPostgresStore({ url: POSTGRES_URL, schema, migrate: false }), {
      message: missing,
    });
    t.same(
      await adminQuery('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]),
      [],
      'not created',
    );
    await adminQuery(`CREATE SCHEMA "${schema}"`);
    await t.rejects(openPostgresStore({ url: POSTGRES_URL, schema, migrate: false }), {
      message: missing,
    });
    t.same(await tablesOf(schema), [], 'still empty');
    await migratePostgres({ url: POSTGRES_URL, schema });
    const store = await openPostgresStore({ url: POSTGRES_URL, schema, migrate: false });
    t.same(store.migrations, {
      from: POSTGRES_SCHEMA_VERSION,
      to: POSTGRES_SCHEMA_VERSION,
      applied: [],
    });
    await t.resolves(store.ping());
    await store.close();
  });
}
