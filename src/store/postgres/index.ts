import type pg from 'pg';
import { NotifydError } from '../../core/errors.js';
import { storeUnavailable } from '../errors.js';
import type { Store } from '../types.js';
import { PostgresAnalyticsStore } from './analytics.js';
import {
  createPool,
  describeTarget,
  type PostgresOptions,
  type PostgresTarget,
} from './connection.js';
import { PostgresCounterStore } from './counters.js';
import { PostgresDeliveryQueue } from './deliveries.js';
import { PostgresDeviceStore } from './devices.js';
import { PostgresHandle } from './handle.js';
import { PostgresJobStore } from './jobs.js';
import { PostgresKeyStore } from './keys.js';
import {
  type MigrationResult,
  migrate,
  newerSchema,
  olderSchema,
  POSTGRES_SCHEMA_VERSION,
  schemaVersion,
} from './migrations.js';
import { checkSchemaName, tables } from './names.js';
import { PostgresNotificationStore } from './notifications.js';
import { PostgresObjectStore } from './objects.js';
import { isUnavailable } from './pg-errors.js';
import { PostgresPreferenceStore } from './preferences.js';
import { PostgresRateLimitStore } from './ratelimit.js';
import { PostgresRequestStore } from './requests.js';
import { PostgresSubscriberStore } from './subscribers.js';
import { PostgresTopicMemberStore } from './topic-members.js';
import { PostgresUserQueueStore } from './user-queues.js';

export type { PostgresOptions, PostgresTarget } from './connection.js';
export { MIGRATIONS, type MigrationResult, POSTGRES_SCHEMA_VERSION } from './migrations.js';

/** The Postgres store, which also says which schema it uses and what opening it migrated. */
export interface PostgresStore extends Store {
  readonly backend: 'postgres';
  /** The schema its tables live in. */
  readonly schema: string;
  /** The schema migrations applied when it was opened (none when `migrate` is false). */
  readonly migrations: MigrationResult;
}

/**
 * Connects to PostgreSQL, brings the schema up to date (or, with `migrate: false`, checks
 * that it is), and returns a store on it. Concurrent inserts are group-committed. Rejects
 * with STORE_UNAVAILABLE when the server cannot be reached within `connectTimeoutMs`.
 */
export async function openPostgresStore(options: PostgresOptions): Promise<PostgresStore> {
  const schema = checkSchemaName(options.schema ?? 'public');
  const pool = createPool(options);
  let migrations: MigrationResult;
  try {
    migrations =
      options.migrate === false
        ? await checkVersion(pool, schema)
        : await migrateOnOwnConnection(options, schema);
  } catch (err) {
    await pool.end();
    throw openFailure(options.url, err);
  }
  const h = new PostgresHandle(pool, tables(schema));
  const notifications = new PostgresNotificationStore(h);
  const jobs = new PostgresJobStore(h);
  const pingTimeoutMs = options.connectTimeoutMs ?? 5000;
  let closing: Promise<void> | null = null;
  return {
    backend: 'postgres',
    backendOf: () => 'postgres',
    schema,
    migrations,
    notifications,
    deliveries: new PostgresDeliveryQueue(h),
    keys: new PostgresKeyStore(h),
    counters: new PostgresCounterStore(h),
    queues: new PostgresUserQueueStore(h),
    objects: new PostgresObjectStore(h),
    ratelimit: new PostgresRateLimitStore(h),
    analytics: new PostgresAnalyticsStore(h),
    subscribers: new PostgresSubscriberStore(h),
    devices: new PostgresDeviceStore(h),
    topicMembers: new PostgresTopicMemberStore(h),
    preferences: new PostgresPreferenceStore(h),
    jobs,
    requests: new PostgresRequestStore(h),
    ping: () => ping(h, pingTimeoutMs),
    close() {
      closing ??= (async () => {
        // Inserts already accepted are written first; anything called from now on is refused.
        await notifications.drain();
        await jobs.drain();
        h.closed = true;
        await h.settle();
        await pool.end();
      })();
      return closing;
    },
  };
}

/**
 * Brings the schema up to date without opening a store (`notifyd migrate`). Safe to run
 * while stores are open and from several processes at once.
 */
export async function migratePostgres(options: PostgresTarget): Promise<MigrationResult> {
  const schema = checkSchemaName(options.schema ?? 'public');
  try {
    return await migrateOnOwnConnection(options, schema);
  } catch (err) {
    throw openFailure(options.url, err);
  }
}

/**
 * Migrates on a connection of its own, with no statement or call timeout: a migration may
 * rewrite a big table, or wait for another process's migration to finish.
 */
async function migrateOnOwnConnection(
  options: PostgresTarget,
  schema: string,
): Promise<MigrationResult> {
  const pool = createPool({ ...options, poolSize: 1, statementTimeoutMs: 0 });
  try {
    return await withClient(pool, (client) => migrate(client, schema));
  } finally {
    await pool.end();
  }
}

/** With `migrate: false`: the schema must be exactly what this code writes. */
async function checkVersion(pool: pg.Pool, schema: string): Promise<MigrationResult> {
  const version = await schemaVersion(pool, schema);
  if (version > POSTGRES_SCHEMA_VERSION) {
    throw newerSchema(schema, version, POSTGRES_SCHEMA_VERSION);
  }
  if (version < POSTGRES_SCHEMA_VERSION) {
    throw olderSchema(schema, version, POSTGRES_SCHEMA_VERSION);
  }
  return { from: version, to: version, applied: [] };
}

/** Runs `work` on one checked-out connection, discarding the connection if it failed. */
async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>) {
  const client = await pool.connect();
  let broken: Error | undefined;
  // Heard so that a connection lost while checked out cannot end the process.
  const lost = (err: Error) => {
    broken = err;
  };
  client.on('error', lost);
  try {
    return await work(client);
  } catch (err) {
    if (isUnavailable(err)) broken ??= err as Error;
    throw err;
  } finally {
    client.off('error', lost);
    client.release(broken);
  }
}

/**
 * `SELECT 1`, bounded: a server that accepted the connection but stopped answering would
 * otherwise keep the caller (a readiness probe) waiting for ever.
 */
async function ping(h: PostgresHandle, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(storeUnavailable(new Error(`PostgreSQL did not answer within ${timeoutMs} ms`))),
      timeoutMs,
    );
  });
  try {
    await Promise.race([h.query('SELECT 1'), timeout]);
  } catch (err) {
    throw err instanceof NotifydError ? err : storeUnavailable(err);
  } finally {
    clearTimeout(timer);
  }
}

/** An unreachable server is STORE_UNAVAILABLE, naming where (never the password) and why. */
function openFailure(url: string, err: unknown): unknown {
  if (!isUnavailable(err)) return err;
  const target = describeTarget(url);
  const reason = err instanceof Error && err.message ? err.message : String(err);
  const failure = new NotifydError(
    'STORE_UNAVAILABLE',
    `Cannot reach PostgreSQL at ${target}: ${reason}`,
    { target },
  );
  failure.cause = err;
  return failure;
}
