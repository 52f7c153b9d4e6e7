import { join } from 'node:path';
import t from 'tap';
import { dropSchemaAfter, uniqueSchema } from '../helpers/postgres.js';
import { deleteKeys } from '../helpers/redis.js';
import { scheduledSurvivesKill9 } from '../helpers/scheduled-kill9.js';
import { ADMIN_KEY, JWT_SECRET } from '../helpers/server.js';
import { POSTGRES_URL, REDIS_URL, requirePostgres, requireRedis } from '../helpers/services.js';

// Apart from kill9*.test.ts: each of those files is near the 120 s a file may take.
const base = { NOTIFYD_ADMIN_KEY: ADMIN_KEY, JWT_SECRET, NOTIFYD_AUTH__BOOTSTRAP_KEY_FILE: '' };

t.test('a scheduled send survives kill -9 on SQLite and is sent once', async (t) => {
  await scheduledSurvivesKill9(t, {
    ...base,
    NOTIFYD_STORE__SQLITE__PATH: join(t.testdir(), 'notifyd.db'),
  });
});

t.test('a scheduled send survives kill -9 on Postgres and is sent once', async (t) => {
  if (!(await requirePostgres(t))) return;
  const schema = uniqueSchema('notifyd_kill9_sched');
  dropSchemaAfter(t, schema);
  await scheduledSurvivesKill9(t, {
    ...base,
    DATABASE_URL: POSTGRES_URL,
    NOTIFYD_STORE__POSTGRES__SCHEMA: schema,
  });
});

t.test('a scheduled send survives kill -9 on Redis and is sent once', async (t) => {
  if (!(await requireRedis(t))) return;
  const prefix = `notifyd-kill9-sched:${process.pid}:`;
  t.teardown(() => deleteKeys(REDIS_URL, prefix));
  await scheduledSurvivesKill9(t, {
    ...base,
    NOTIFYD_STORE__BACKEND: 'redis',
    REDIS_URL,
    NOTIFYD_STORE__REDIS__PREFIX: prefix,
  });
});
