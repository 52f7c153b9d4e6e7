import type pg from 'pg';
import { activityRowsMigration } from '../activity-migration.js';
import type { Migration, MigrationResult } from '../types.js';
import { quoteSchema } from './names.js';

export type { Migration } from '../types.js';

/**
 * Every migration, in order. Versions start at 1 and go up by one. Ids and keys sort
 * byte-wise (COLLATE "C"), as JavaScript compares them and as time-ordered ids need;
 * times are epoch milliseconds in bigint.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'notifications, deliveries and idempotency keys',
    sql: `
      CREATE TABLE notifications (
        id text COLLATE "C" PRIMARY KEY,
        tenant_id text COLLATE "C" NOT NULL,
        request_id text NOT NULL,
        recipient_id text COLLATE "C" NOT NULL,
        category text COLLATE "C" NOT NULL,
        priority text NOT NULL,
        content jsonb NOT NULL,
        data jsonb,
        group_key text,
        idempotency_key text,
        channels text[] NOT NULL,
        created_at bigint NOT NULL,
        read_at bigint,
        deleted_at bigint
      );
      -- The feed pages newest first by id; deleted rows never appear in it.
      CREATE INDEX notifications_feed
        ON notifications (tenant_id, recipient_id, id DESC) WHERE deleted_at IS NULL;
      -- Unread counts per category and mark-all-read read only this; it holds only what is
      -- unread, which is little of a feed, so it stays small.
      CREATE INDEX notifications_unread
        ON notifications (tenant_id, recipient_id, category)
        WHERE read_at IS NULL AND deleted_at IS NULL;

      CREATE TABLE deliveries (
        id text COLLATE "C" PRIMARY KEY,
        tenant_id text COLLATE "C" NOT NULL,
        notification_id text COLLATE "C" NOT NULL
          REFERENCES notifications (id) ON DELETE CASCADE,
        recipient_id text COLLATE "C" NOT NULL,
        channel text COLLATE "C" NOT NULL,
        status text NOT NULL,
        attempts integer NOT NULL,
        next_attempt_at bigint NOT NULL,
        lease_until bigint,
        last_error text,
        provider_message_id text,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      );
      CREATE INDEX deliveries_notification ON deliveries (notification_id);
      -- Only pending rows are queued; settled ones (most in-app rows) cost the index nothing.
      CREATE INDEX deliveries_queue
        ON deliveries (channel, next_attempt_at, id) WHERE status = 'pending';

      CREATE TABLE idempotency_keys (
        tenant_id text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL,
        notification_id text NOT NULL,
        request_id text NOT NULL,
        expires_at bigint NOT NULL,
        PRIMARY KEY (tenant_id, key)
      );
      CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
    `,
  },
  {
    version: 2,
    name: 'api keys',
    sql: `
      CREATE TABLE api_keys (
        id text COLLATE "C" PRIMARY KEY,
        name text NOT NULL,
        hash text COLLATE "C" NOT NULL UNIQUE,
        prefix text NOT NULL,
        scopes text[] NOT NULL,
        tenant_id text COLLATE "C",
        ip_allowlist text[] NOT NULL,
        created_at bigint NOT NULL,
        expires_at bigint,
        revoked_at bigint,
        last_used_at bigint
      );
      CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at, id);
    `,
  },
  {
    version: 3,
    name: 'counters',
    sql: `
      -- double precision holds every whole number up to 2^53 exactly, allows fractional
      -- costs, and pg returns it as a JavaScript number.
      CREATE TABLE counters (
        key text COLLATE "C" PRIMARY KEY,
        value double precision NOT NULL,
        expires_at bigint NOT NULL
      );
      CREATE INDEX counters_expiry ON counters (expires_at);
    `,
  },
  {
    version: 4,
    name: 'user queues',
    sql: `
      -- Per-user queues with expiry (the offline queue, ack tracking), by queue name. The
      -- primary key orders a user's items by id for listing and trimming to the cap.
      CREATE TABLE user_queues (
        queue text COLLATE "C" NOT NULL,
        tenant_id text COLLATE "C" NOT NULL,
        user_id text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        payload text NOT NULL,
        queued_at bigint NOT NULL,
        expires_at bigint NOT NULL,
        PRIMARY KEY (queue, tenant_id, user_id, id)
      );
      -- takeExpired and the overall count read this; the per-tenant count the next.
      CREATE INDEX user_queues_expiry ON user_queues (queue, expires_at, id);
      CREATE INDEX user_queues_tenant ON user_queues (queue, tenant_id, expires_at);
    `,
  },
  {
    version: 5,
    name: 'configuration objects',
    sql: `
      -- tenant_id is '' for a global object: NULL would make the key index ignore it.
      CREATE TABLE objects (
        kind text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        tenant_id text COLLATE "C" NOT NULL,
        key text COLLATE "C",
        data jsonb NOT NULL,
        version integer NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        PRIMARY KEY (kind, id)
      );
      CREATE UNIQUE INDEX objects_key ON objects (kind, tenant_id, key) WHERE key IS NOT NULL;
      CREATE INDEX objects_list ON objects (kind, tenant_id, created_at, id);

      -- One counter per kind that every write moves, kept by a trigger so that no writer can
      -- forget it; caches on every node poll it to know when to reload.
      CREATE TABLE object_revisions (
        kind text COLLATE "C" PRIMARY KEY,
        revision bigint NOT NULL
      );
      -- search_path is pinned to the schema being migrated: queries name their tables with
      -- the schema and leave the session's search_path wherever it is.
      CREATE FUNCTION bump_object_revision() RETURNS trigger LANGUAGE plpgsql
        SET search_path FROM CURRENT AS $$
      BEGIN
        INSERT INTO object_revisions AS r (kind, revision)
          VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.kind ELSE NEW.kind END, 1)
          ON CONFLICT (kind) DO UPDATE SET revision = r.revision + 1;
        RETURN NULL;
      END
      $$;
      CREATE TRIGGER objects_revision AFTER INSERT OR UPDATE OR DELETE ON objects
        FOR EACH ROW EXECUTE FUNCTION bump_object_revision();
    `,
  },
  {
    version: 6,
    name: 'rate-limit state',
    sql: `
      -- One row per limited key. The state is the limiter's record (LimiterState) as JSON
      -- text: its shape belongs to the algorithms, the store only keeps it whole, and text
      -- skips jsonb's parsing on every decision.
      CREATE TABLE ratelimit_state (
        key text COLLATE "C" PRIMARY KEY,
        state text NOT NULL,
        expires_at bigint NOT NULL
      );
      CREATE INDEX ratelimit_state_expiry ON ratelimit_state (expires_at);
    `,
  },
  {
    version: 7,
    name: 'subscribers, devices, topic members and preferences',
    sql: `
      CREATE TABLE subscribers (
        tenant_id text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        email text,
        email_key text COLLATE "C",
        phone text,
        locale text,
        timezone text,
        name text,
        avatar_url text,
        data jsonb,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        PRIMARY KEY (tenant_id, id)
      );
      CREATE INDEX subscribers_email ON subscribers (tenant_id, email_key, id)
        WHERE email_key IS NOT NULL;

      -- address is kind:endpoint or kind:token: one device per address and tenant.
      CREATE TABLE devices (
        id text COLLATE "C" PRIMARY KEY,
        tenant_id text COLLATE "C" NOT NULL,
        subscriber_id text COLLATE "C" NOT NULL,
        kind text NOT NULL,
        address text COLLATE "C" NOT NULL,
        endpoint text,
        keys jsonb,
        token text,
        info jsonb,
        active boolean NOT NULL,
        last_used_at bigint,
        failure_count integer NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      );
      CREATE UNIQUE INDEX devices_address ON devices (tenant_id, address);
      CREATE INDEX devices_subscriber ON devices (tenant_id, subscriber_id, created_at, id);

      -- Members page by subscriber id; the second index finds a subscriber's topics.
      CREATE TABLE topic_members (
        tenant_id text COLLATE "C" NOT NULL,
        topic text COLLATE "C" NOT NULL,
        subscriber_id text COLLATE "C" NOT NULL,
        added_at bigint NOT NULL,
        PRIMARY KEY (tenant_id, topic, subscriber_id)
      );
      CREATE INDEX topic_members_subscriber ON topic_members (tenant_id, subscriber_id, topic);

      CREATE TABLE preferences (
        tenant_id text COLLATE "C" NOT NULL,
        subscriber_id text COLLATE "C" NOT NULL,
        data jsonb NOT NULL,
        updated_at bigint NOT NULL,
        PRIMARY KEY (tenant_id, subscriber_id)
      );
    `,
  },
  {
    version: 8,
    name: 'feed: actions, templates, expiry, dismissal, cancellation',
    sql: `
      ALTER TABLE notifications
        ADD COLUMN actions jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN template jsonb,
        ADD COLUMN cancellation_key text COLLATE "C",
        ADD COLUMN expires_at bigint,
        ADD COLUMN dismissed_at bigint,
        ADD COLUMN action_id text,
        ADD COLUMN actioned_at bigint;
      UPDATE notifications SET priority = 'urgent' WHERE priority = 'critical';
      -- Unread counts go by category and priority and leave expired rows out.
      DROP INDEX notifications_unread;
      CREATE INDEX notifications_unread
        ON notifications (tenant_id, recipient_id, category, priority, expires_at)
        WHERE read_at IS NULL AND deleted_at IS NULL;
      -- Cancelling by key finds a tenant's notifications without a scan; most have none.
      CREATE INDEX notifications_cancellation
        ON notifications (tenant_id, cancellation_key) WHERE cancellation_key IS NOT NULL;
    `,
  },
  {
    version: 9,
    name: 'analytics events and rollups',
    sql: `
      -- Raw events in (timestamp, id) order: range scans read the primary key.
      CREATE TABLE analytics_events (
        id text COLLATE "C" NOT NULL,
        tenant_id text NOT NULL,
        event_type text NOT NULL,
        user_id text,
        event_id text,
        properties text NOT NULL,
        timestamp bigint NOT NULL,
        dims text NOT NULL,
        PRIMARY KEY (timestamp, id)
      );
      -- The sender's idempotency id, unique per tenant while the event is kept.
      CREATE UNIQUE INDEX analytics_events_event_id
        ON analytics_events (tenant_id, event_id) WHERE event_id IS NOT NULL;
      -- Event counts per minute, hour and day bucket (UTC), tenant, type and dimensions.
      CREATE TABLE analytics_rollups (
        granularity text NOT NULL,
        bucket bigint NOT NULL,
        tenant_id text NOT NULL,
        event_type text NOT NULL,
        dims text NOT NULL,
        count bigint NOT NULL,
        PRIMARY KEY (granularity, bucket, tenant_id, event_type, dims)
      );
    `,
  },
  {
    version: 10,
    name: 'scheduler jobs',
    sql: `
      CREATE TABLE jobs (
        id text COLLATE "C" PRIMARY KEY,
        tenant_id text COLLATE "C" NOT NULL,
        kind text COLLATE "C" NOT NULL,
        run_at bigint NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL,
        attempts integer NOT NULL,
        lease_token text,
        lease_until bigint,
        key text COLLATE "C",
        last_error text,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      );
      -- Claims read scheduled jobs by due time and running ones by lease end, per kind;
      -- settled jobs (most of the table) cost these indexes nothing.
      CREATE INDEX jobs_due ON jobs (kind, run_at) WHERE status = 'scheduled';
      CREATE INDEX jobs_leased ON jobs (kind, lease_until) WHERE status = 'running';
      -- A key is held by one unsettled job per tenant: scheduling it again dedups.
      CREATE UNIQUE INDEX jobs_key ON jobs (tenant_id, key)
        WHERE key IS NOT NULL AND status IN ('scheduled', 'running');
      CREATE INDEX jobs_tenant ON jobs (tenant_id, id DESC);
      CREATE INDEX jobs_settled ON jobs (updated_at)
        WHERE status IN ('done', 'failed', 'cancelled');
    `,
  },
  {
    version: 11,
    name: 'routed sends: rendered channel contents, push devices',
    sql: `
      -- What a provider worker sends for each queued channel, kept with the notification so
      -- that a delivery can go after a restart; NULL for in-app-only notifications.
      ALTER TABLE notifications ADD COLUMN contents jsonb;
      -- A push delivery goes to one device; NULL for the other channels.
      ALTER TABLE deliveries ADD COLUMN device_id text;
    `,
  },
  {
    version: 12,
    name: 'delivery lease tokens',
    sql: `
      -- The token of the claim that leased a delivery: only it settles the delivery, so a
      -- worker whose lease ran out cannot settle a row another worker has claimed since.
      -- Rows leased before this migration have none: their lease runs out and they are
      -- claimed again with one.
      ALTER TABLE deliveries ADD COLUMN lease_token text;
    `,
  },
  {
    version: 13,
    name: 'dead-letter index',
    sql: `
      -- GET /deliveries/dead: a tenant's failed deliveries, newest first.
      CREATE INDEX deliveries_dead ON deliveries (tenant_id, id DESC) WHERE status = 'failed';
    `,
  },
  {
    version: 14,
    name: 'provider message id index',
    sql: `
      -- Status callbacks (Twilio's) name a delivery by the provider's message id.
      CREATE INDEX deliveries_provider_message ON deliveries (provider_message_id)
        WHERE provider_message_id IS NOT NULL;
    `,
  },
  {
    version: 15,
    name: 'send requests',
    sql: `
      -- GET /requests: every send (single, batch, topic) with its outcome, newest first,
      -- by recipient (single sends) or topic (topic sends); purged with retention.
      CREATE TABLE send_requests (
        tenant_id text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        type text NOT NULL,
        status text NOT NULL,
        recipient_id text COLLATE "C",
        topic text COLLATE "C",
        accepted integer NOT NULL,
        skipped integer NOT NULL,
        rejected integer NOT NULL,
        errors jsonb NOT NULL,
        created_at bigint NOT NULL,
        completed_at bigint,
        PRIMARY KEY (tenant_id, id)
      );
      CREATE INDEX send_requests_list ON send_requests (tenant_id, created_at, id);
      CREATE INDEX send_requests_recipient
        ON send_requests (tenant_id, recipient_id, created_at, id);
      CREATE INDEX send_requests_topic ON send_requests (tenant_id, topic, created_at, id);
      CREATE INDEX send_requests_age ON send_requests (created_at);
    `,
  },
  {
    version: 16,
    name: 'job claims in due order',
    sql: `
      -- A claim takes the earliest due jobs of the node's kinds. Indexed by kind first, it
      -- read and sorted every due job: 30-100 ms a claim with tens of thousands due, so one
      -- node fell further behind the more it had to catch up. By time first, it reads the
      -- first few in order.
      DROP INDEX jobs_due;
      DROP INDEX jobs_leased;
      CREATE INDEX jobs_due ON jobs (run_at, id) WHERE status = 'scheduled';
      CREATE INDEX jobs_leased ON jobs (lease_until, id) WHERE status = 'running';
    `,
  },
  activityRowsMigration(
    17,
    `
      CREATE TABLE analytics_activity (
        tenant_id text COLLATE "C" NOT NULL,
        user_id text COLLATE "C" NOT NULL,
        day bigint NOT NULL,
        first bigint NOT NULL,
        last bigint NOT NULL,
        prev_last bigint NOT NULL,
        PRIMARY KEY (tenant_id, user_id, day)
      );
    `,
  ),
  {
    version: 18,
    name: 'analytics events by type and user',
    sql: `
      -- Funnels (AnalyticsStore.funnel): a user's first event of a type after a time is one
      -- index seek instead of a scan of every event of the type. The tenant is carried, not
      -- keyed: a query across tenants (a user id counted once) seeks as one in a tenant does.
      CREATE INDEX analytics_events_funnel
        ON analytics_events (event_type, user_id, timestamp, id) INCLUDE (tenant_id)
        WHERE user_id IS NOT NULL;
    `,
  },
  {
    version: 19,
    name: 'analytics tables vacuumed as they grow',
    sql: `
      -- Tracked events arrive by the million. With PostgreSQL's defaults an insert-only table
      -- is vacuumed after a fifth of its size is new (2 million rows at 10 million), and until
      -- then the funnel's and activity counts' index-only scans visit the heap for every new
      -- row: right after a large load they were 4-10x slower (BENCHMARKS.md, "10 million
      -- events through the batch API"). A vacuum after each 1% keeps the visibility map close
      -- behind; it reads only pages not yet all-visible, so its cost follows what was added.
      ALTER TABLE analytics_events SET (
        autovacuum_vacuum_insert_scale_factor = 0.01,
        autovacuum_analyze_scale_factor = 0.02
      );
      -- Activity rows are updated by every event (last, prev_last): vacuumed after 2% dead.
      ALTER TABLE analytics_activity SET (
        autovacuum_vacuum_scale_factor = 0.02,
        autovacuum_vacuum_insert_scale_factor = 0.01,
        autovacuum_analyze_scale_factor = 0.02
      );
    `,
  },
];

/** The schema version this build of notifyd writes. */
export const POSTGRES_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export type { MigrationResult } from '../types.js';

/**
 * The first key of the advisory lock that migrations hold: a fixed number that says
 * "notifyd migrating". The second key is the schema's hash, so that stores in different
 * schemas of one database do not wait for each other.
 */
const MIGRATION_LOCK = 0x6e746664; // 'ntfd'

/**
 * Brings `schema` up to the last of `migrations`, all pending ones in one transaction, and
 * records each in `schema_migrations`. Safe to run any number of times and from several
 * processes at once: the transaction first takes an advisory lock, so a second process
 * waits, then finds the work done. Refuses a schema newer than this code.
 */
export async function migrate(
  client: pg.ClientBase,
  schema: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationResult> {
  const s = quoteSchema(schema);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MIGRATION_LOCK, schema]);
    // Migrations may rewrite big tables: they are not bound by the store's statement timeout.
    await client.query('SET LOCAL statement_timeout = 0');
    // Asked before creating, because CREATE SCHEMA IF NOT EXISTS needs the right to create
    // schemas even when this one exists (as `public` always does).
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${s}`);
    await client.query(`SET LOCAL search_path TO ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at bigint NOT NULL
    )`);
    const from = await readVersion(client, schema);
    const known = migrations.length ? migrations[migrations.length - 1].version : 0;
    if (from > known) throw newerSchema(schema, from, known);
    const applied: number[] = [];
    for (const m of migrations) {
      if (m.version <= from) continue;
      await client.query(m.sql);
      // Wall-clock time is right here: it records when, and nothing ever compares it.
      await client.query(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
        [m.version, m.name, Date.now()],
      );
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return { from, to: Math.max(from, known), applied };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/** The highest migration applied to `schema`; 0 when it has none (or does not exist). */
export async function schemaVersion(
  client: pg.ClientBase | pg.Pool,
  schema: string,
): Promise<number> {
  const table = await client.query<{ found: string | null }>('SELECT to_regclass($1) AS found', [
    `${quoteSchema(schema)}.schema_migrations`,
  ]);
  if (table.rows[0].found === null) return 0;
  return readVersion(client, schema);
}

async function readVersion(client: pg.ClientBase | pg.Pool, schema: string): Promise<number> {
  const row = await client.query<{ v: number | null }>(
    `SELECT MAX(version) AS v FROM ${quoteSchema(schema)}.schema_migrations`,
  );
  return row.rows[0].v ?? 0;
}

/** The schema was migrated by a newer notifyd; writing to it could lose what it added. */
export function newerSchema(schema: string, version: number, known: number): Error {
  return new Error(
    `The PostgreSQL schema "${schema}" is at version ${version}, newer than this notifyd knows (${known}); run a newer notifyd.`,
  );
}

/** The schema lacks migrations this code needs, and the store was told not to run them. */
export function olderSchema(schema: string, version: number, known: number): Error {
  return new Error(
    `The PostgreSQL schema "${schema}" is at version ${version} but this notifyd needs version ${known}; run \`notifyd migrate\` (or open the store with migrate enabled).`,
  );
}
