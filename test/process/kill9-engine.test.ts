/**
 * kill -9 during the engine's sends, on every durable backend: a routed template send
 * (in_app + push + email, recipients with a device) and a topic send killed midway.
 */
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { routedSurvivesKill9, topicSurvivesKill9 } from '../helpers/engine-kill.js';
import { dropSchemaAfter, uniqueSchema } from '../helpers/postgres.js';
import { PrivateRedis } from '../helpers/redis.js';
import { ADMIN_KEY, JWT_SECRET } from '../helpers/server.js';
import { POSTGRES_URL, requirePostgres, requireRedis } from '../helpers/services.js';
import { freePort } from '../helpers/tcp-proxy.js';

const base = { NOTIFYD_ADMIN_KEY: ADMIN_KEY, JWT_SECRET, NOTIFYD_AUTH__BOOTSTRAP_KEY_FILE: '' };

type Check = typeof routedSurvivesKill9;

const sqlite = (check: Check) => async (t: Test) => {
  await check(t, { ...base, NOTIFYD_STORE__SQLITE__PATH: join(t.testdir(), 'notifyd.db') });
};

const postgres = (check: Check) => async (t: Test) => {
  if (!(await requirePostgres(t))) return;
  const schema = uniqueSchema('notifyd_kill9_engine');
  dropSchemaAfter(t, schema);
  await check(t, { ...base, DATABASE_URL: POSTGRES_URL, NOTIFYD_STORE__POSTGRES__SCHEMA: schema });
};

/** Redis as production runs it (AOF, fsync always), itself killed and restarted too. */
const redis = (check: Check) => async (t: Test) => {
  if (!(await requireRedis(t))) return;
  const r = new PrivateRedis(t.testdir(), await freePort());
  await r.start();
  t.teardown(() => r.kill());
  await check(t, { ...base, NOTIFYD_STORE__BACKEND: 'redis', REDIS_URL: r.url }, async () => {
    await r.kill();
    await r.start();
  });
};

t.test('a routed send survives kill -9 on SQLite', sqlite(routedSurvivesKill9));
t.test('a routed send survives kill -9 on Postgres', postgres(routedSurvivesKill9));
t.test('a routed send survives kill -9 of notifyd and Redis', redis(routedSurvivesKill9));
t.test('a topic send killed midway finishes once on SQLite', sqlite(topicSurvivesKill9));
t.test('a topic send killed midway finishes once on Postgres', postgres(topicSurvivesKill9));
t.test('a topic send killed midway finishes once on Redis', redis(topicSurvivesKill9));
