/**
 * The durable backends a kill -9 check of the engine runs on: each wrapper gives the check
 * the environment of a `notifyd serve` child on that backend (and, for Redis, a way to kill
 * and restart the Redis server too).
 */
import { join } from 'node:path';
import type { Test } from 'tap';
import type { routedSurvivesKill9 } from './engine-kill.js';
import { dropSchemaAfter, uniqueSchema } from './postgres.js';
import { PrivateRedis } from './redis.js';
import { ADMIN_KEY, JWT_SECRET } from './server.js';
import { POSTGRES_URL, requirePostgres, requireRedis } from './services.js';
import { freePort } from './tcp-proxy.js';

const base = { NOTIFYD_ADMIN_KEY: ADMIN_KEY, JWT_SECRET, NOTIFYD_AUTH__BOOTSTRAP_KEY_FILE: '' };

type Check = typeof routedSurvivesKill9;

export const sqlite = (check: Check) => async (t: Test) => {
  await check(t, { ...base, NOTIFYD_STORE__SQLITE__PATH: join(t.testdir(), 'notifyd.db') });
};

export const postgres = (check: Check) => async (t: Test) => {
  if (!(await requirePostgres(t))) return;
  const schema = uniqueSchema('notifyd_kill9_engine');
  dropSchemaAfter(t, schema);
  await check(t, { ...base, DATABASE_URL: POSTGRES_URL, NOTIFYD_STORE__POSTGRES__SCHEMA: schema });
};

/** Redis as production runs it (AOF, fsync always), itself killed and restarted too. */
export const redis = (check: Check) => async (t: Test) => {
  if (!(await requireRedis(t))) return;
  const r = new PrivateRedis(t.testdir(), await freePort());
  await r.start();
  t.teardown(() => r.kill());
  await check(t, { ...base, NOTIFYD_STORE__BACKEND: 'redis', REDIS_URL: r.url }, async () => {
    await r.kill();
    await r.start();
  });
};
