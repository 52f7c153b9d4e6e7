import t from 'tap';
import { survivesKill9 } from '../helpers/burst.js';
import { dropSchemaAfter, uniqueSchema } from '../helpers/postgres.js';
import { PrivateRedis } from '../helpers/redis.js';
import { ADMIN_KEY, JWT_SECRET } from '../helpers/server.js';
import { POSTGRES_URL, requirePostgres, requireRedis } from '../helpers/services.js';
import { freePort } from '../helpers/tcp-proxy.js';

const base = { NOTIFYD_ADMIN_KEY: ADMIN_KEY, JWT_SECRET, NOTIFYD_AUTH__BOOTSTRAP_KEY_FILE: '' };

t.test('every notification that got a 202 survives kill -9 on Postgres', async (t) => {
  if (!(await requirePostgres(t))) return;
  const schema = uniqueSchema('notifyd_kill9');
  dropSchemaAfter(t, schema);
  await survivesKill9(t, {
    ...base,
    DATABASE_URL: POSTGRES_URL,
    NOTIFYD_STORE__POSTGRES__SCHEMA: schema,
  });
});

t.test('on Redis with AOF, it survives kill -9 of notifyd and of Redis', async (t) => {
  // The shared Redis runs without persistence, as Redis does by default: a Redis restart
  // loses everything there. This one runs as production should, with appendfsync always.
  if (!(await requireRedis(t))) return;
  const redis = new PrivateRedis(t.testdir(), await freePort());
  await redis.start();
  t.teardown(() => redis.kill());
  await survivesKill9(
    t,
    { ...base, NOTIFYD_STORE__BACKEND: 'redis', REDIS_URL: redis.url },
    async () => {
      await redis.kill();
      await redis.start();
    },
  );
});
