import type { Database } from 'better-sqlite3';
import type { Migration, MigrationResult } from '../types.js';

export type { Migration } from '../types.js';

/**
 * The analytics events and rollups: main migration 9 made them in the main file; since they
 * moved (migration 18), the analytics file's migration 1 makes them there.
 */
export const ANALYTICS_TABLES = `
      -- Raw events in (timestamp, id) order: range scans read them in place.
      CREATE TABLE analytics_events (
        id TEXT NOT NULL,
        tenant_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        user_id TEXT,
        event_id TEXT,
        properties TEXT NOT NULL,
        timestamp INTEGER NOT NULL,
        dims TEXT NOT NULL,
        PRIMARY KEY (timestamp, id)
      ) WITHOUT ROWID;
      -- The sender's idempotency id, unique per tenant while the event is kept.
      CREATE UNIQUE INDEX analytics_events_event_id
        ON analytics_events (tenant_id, event_id) WHERE event_id IS NOT NULL;
      -- Event counts per minute, hour and day bucket (UTC), tenant, type and dimensions.
      CREATE TABLE analytics_rollups (
        granularity TEXT NOT NULL,
        bucket INTEGER NOT NULL,
        tenant_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        dims TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (granularity, bucket, tenant_id, event_type, dims)
      ) WITHOUT ROWID;
`;

/** Every migration, in order. Versions start at 1 and go up by one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'notifications, deliveries and idempotency keys',
    sql: `
      CREATE TABLE notifications (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        request_id TEXT NOT NULL,
        recipient_id TEXT NOT NULL,
        category TEXT NOT NULL,
        priority TEXT NOT NULL,
        content TEXT NOT NULL,
        data TEXT,
        group_key TEXT,
        idempotency_key TEXT,
        channels TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        read_at INTEGER,
        deleted_at INTEGER
      );
      -- The feed pages newest first by id; deleted rows never appear in it.
      CREATE INDEX notifications_feed
        ON notifications (tenant_id, recipient_id, id DESC) WHERE deleted_at IS NULL;
      -- Unread counts per category, mark-all-read and the unread filter read only this.
      -- read_at and deleted_at are always NULL in it; listing them lets SQLite count
      -- from the index alone without visiting each row.
      CREATE INDEX notifications_unread
        ON notifications (tenant_id, recipient_id, category, id, read_at, deleted_at)
        WHERE read_at IS NULL AND deleted_at IS NULL;

      CREATE TABLE deliveries (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        notification_id TEXT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
        recipient_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at INTEGER NOT NULL,
        lease_until INTEGER,
        last_error TEXT,
        provider_message_id TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX deliveries_notification ON deliveries (notification_id);
      -- Only pending rows are queued; settled ones (most in-app rows) cost the index nothing.
      CREATE INDEX deliveries_queue
        ON deliveries (channel, next_attempt_at) WHERE status = 'pending';

      CREATE TABLE idempotency_keys (
        tenant_id TEXT NOT NULL,
        key TEXT NOT NULL,
        notification_id TEXT NOT NULL,
        request_id TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, key)
      ) WITHOUT ROWID;
      CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
    `,
  },
  {
    version: 2,
    name: 'api keys',
    sql: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        scopes TEXT NOT NULL,
        tenant_id TEXT,
        ip_allowlist TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        revoked_at INTEGER,
        last_used_at INTEGER
      );
      CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at);
    `,
  },
  {
    version: 3,
    name: 'counters',
    sql: `
      CREATE TABLE counters (
        key TEXT PRIMARY KEY,
        value NUMERIC NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    name: 'user queues',
    sql: `
      -- Per-user queues with expiry (the offline queue, ack tracking), by queue name. The
      -- primary key orders a user's items by id for listing and trimming to the cap.
      CREATE TABLE user_queues (
        queue TEXT NOT NULL,
        tenant_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        id TEXT NOT NULL,
        payload TEXT NOT NULL,
        queued_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
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
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        tenant_id TEXT NOT NULL,
        key TEXT,
        data TEXT NOT NULL,
        version INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (kind, id)
      ) WITHOUT ROWID;
      CREATE UNIQUE INDEX objects_key ON objects (kind, tenant_id, key) WHERE key IS NOT NULL;
      CREATE INDEX objects_list ON objects (kind, tenant_id, created_at, id);

      -- One counter per kind that every write moves, kept by triggers so that no writer
      -- (another process on the same file included) can forget it; caches poll it.
      CREATE TABLE object_revisions (
        kind TEXT PRIMARY KEY,
        revision INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TRIGGER objects_revision_insert AFTER INSERT ON objects BEGIN
        INSERT INTO object_revisions (kind, revision) VALUES (NEW.kind, 1)
          ON CONFLICT (kind) DO UPDATE SET revision = revision + 1;
      END;
      CREATE TRIGGER objects_revision_update AFTER UPDATE ON objects BEGIN
        INSERT INTO object_revisions (kind, revision) VALUES (NEW.kind, 1)
          ON CONFLICT (kind) DO UPDATE SET revision = revision + 1;
      END;
      CREATE TRIGGER objects_revision_delete AFTER DELETE ON objects BEGIN
        INSERT INTO object_revisions (kind, revision) VALUES (OLD.kind, 1)
          ON CONFLICT (kind) DO UPDATE SET revision = revision + 1;
      END;
    `,
  },
  {
    version: 6,
    name: 'rate-limit state',
    sql: `
      -- One row per limited key. The state is the limiter's record (LimiterState) as JSON:
      -- its shape belongs to the algorithms, and the store only keeps it whole.
      CREATE TABLE ratelimit_state (
        key TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX ratelimit_state_expiry ON ratelimit_state (expires_at);
    `,
  },
  {
    version: 7,
    name: 'subscribers, devices, topic members and preferences',
    sql: `
      CREATE TABLE subscribers (
        tenant_id TEXT NOT NULL,
        id TEXT NOT NULL,
        email TEXT,
        email_key TEXT,
        phone TEXT,
        locale TEXT,
        timezone TEXT,
        name TEXT,
        avatar_url TEXT,
        data TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, id)
      ) WITHOUT ROWID;
      CREATE INDEX subscribers_email ON subscribers (tenant_id, email_key, id)
        WHERE email_key IS NOT NULL;

      -- address is kind:endpoint or kind:token: one device per address and tenant.
      CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        subscriber_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        address TEXT NOT NULL,
        endpoint TEXT,
        keys TEXT,
        token TEXT,
        info TEXT,
        active INTEGER NOT NULL,
        last_used_at INTEGER,
        failure_count INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX devices_address ON devices (tenant_id, address);
      CREATE INDEX devices_subscriber ON devices (tenant_id, subscriber_id, created_at, id);

      -- Members page by subscriber id; the second index finds a subscriber's topics.
      CREATE TABLE topic_members (
        tenant_id TEXT NOT NULL,
        topic TEXT NOT NULL,
        subscriber_id TEXT NOT NULL,
        added_at INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, topic, subscriber_id)
      ) WITHOUT ROWID;
      CREATE INDEX topic_members_subscriber ON topic_members (tenant_id, subscriber_id, topic);

      CREATE TABLE preferences (
        tenant_id TEXT NOT NULL,
        subscriber_id TEXT NOT NULL,
        data TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, subscriber_id)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 8,
    name: 'feed: actions, templates, expiry, dismissal, cancellation',
    sql: `
      ALTER TABLE notifications ADD COLUMN actions TEXT;
      ALTER TABLE notifications ADD COLUMN template TEXT;
      ALTER TABLE notifications ADD COLUMN cancellation_key TEXT;
      ALTER TABLE notifications ADD COLUMN expires_at INTEGER;
      ALTER TABLE notifications ADD COLUMN dismissed_at INTEGER;
      ALTER TABLE notifications ADD COLUMN action_id TEXT;
      ALTER TABLE notifications ADD COLUMN actioned_at INTEGER;
      UPDATE notifications SET priority = 'urgent' WHERE priority = 'critical';
      -- Unread counts go by category and priority and leave expired rows out: the index
      -- covers all three, so counting still reads the index alone.
      DROP INDEX notifications_unread;
      CREATE INDEX notifications_unread
        ON notifications (tenant_id, recipient_id, category, priority, expires_at, id, read_at,
          deleted_at)
        WHERE read_at IS NULL AND deleted_at IS NULL;
      -- Cancelling by key finds a tenant's notifications without a scan; most have none.
      CREATE INDEX notifications_cancellation
        ON notifications (tenant_id, cancellation_key) WHERE cancellation_key IS NOT NULL;
    `,
  },
  {
    version: 9,
    name: 'analytics events and rollups',
    sql: ANALYTICS_TABLES,
  },
  {
    version: 10,
    name: 'scheduler jobs',
    sql: `
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        run_at INTEGER NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        lease_token TEXT,
        lease_until INTEGER,
        key TEXT,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
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
      ALTER TABLE notifications ADD COLUMN contents TEXT;
      -- A push delivery goes to one device; NULL for the other channels.
      ALTER TABLE deliveries ADD COLUMN device_id TEXT;
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
      ALTER TABLE deliveries ADD COLUMN lease_token TEXT;
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
        tenant_id TEXT NOT NULL,
        id TEXT NOT NULL,
        type TEXT NOT NULL,
        status TEXT NOT NULL,
        recipient_id TEXT,
        topic TEXT,
        accepted INTEGER NOT NULL,
        skipped INTEGER NOT NULL,
        rejected INTEGER NOT NULL,
        errors TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        completed_at INTEGER,
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
      -- read and sorted every due job (44 ms with 100,000 due, on the event loop). By time
      -- first, it reads the first few in order.
      DROP INDEX jobs_due;
      DROP INDEX jobs_leased;
      CREATE INDEX jobs_due ON jobs (run_at, id) WHERE status = 'scheduled';
      CREATE INDEX jobs_leased ON jobs (lease_until, id) WHERE status = 'running';
    `,
  },
  {
    version: 17,
    name: 'analytics activity rows',
    sql: `
      -- Nothing here any more: the analytics file's migration 2 builds the activity rows
      -- from the events it takes over (migration 18). Kept so that versions stay consecutive.
      SELECT 1;
    `,
  },
  {
    version: 18,
    name: 'analytics moved to its own file',
    sql: `
      -- Analytics lives in a file of its own (store.sqlite.analytics_path), which took these
      -- tables' rows when it was created: migrateAnalytics runs before this migration.
      DROP TABLE analytics_events;
      DROP TABLE analytics_rollups;
      -- Only a database that took migration 17 while it still built activity rows has
      -- them; the analytics file made its own from the events.
      DROP TABLE IF EXISTS analytics_activity;
    `,
  },
];

/** The schema version this build of notifyd writes. */
export const SQLITE_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export type { MigrationResult } from '../types.js';

/**
 * Brings the database up to the last of `migrations`, all pending ones in one
 * transaction, and records each in `schema_migrations`. Safe to run any number of times
 * and from several processes at once. Refuses a database newer than this code.
 */
export function migrate(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
): MigrationResult {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const record = db.prepare(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );
  const run = db.transaction((): MigrationResult => {
    const from = schemaVersion(db);
    const known = migrations.length ? migrations[migrations.length - 1].version : 0;
    if (from > known) {
      throw new Error(
        `The database is at schema version ${from}, newer than this notifyd knows (${known}); run a newer notifyd.`,
      );
    }
    const applied: number[] = [];
    for (const m of migrations) {
      if (m.version <= from) continue;
      db.exec(m.sql);
      // Wall-clock time is right here: it records when, and nothing ever compares it.
      record.run(m.version, m.name, Date.now());
      applied.push(m.version);
    }
    return { from, to: Math.max(from, known), applied };
  });
  // IMMEDIATE takes the write lock before reading the version, so two processes
  // starting together cannot both apply the same migration.
  return run.immediate();
}

/** The highest migration applied to the database; 0 for a new one. */
export function schemaVersion(db: Database): number {
  const table = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (!table) return 0;
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as {
    v: number | null;
  };
  return row.v ?? 0;
}
