import t from 'tap';
import { openRedisStore, type RedisStore } from '../../src/store/redis/index.js';
import { deleteKeys } from '../helpers/redis.js';
import { REDIS_URL, requireRedis } from '../helpers/services.js';
import { contract } from './contract.js';

if (await requireRedis(t)) {
  // A prefix per store, so parallel test files and tests never see each other's keys.
  const base = `notifyd-test:${process.pid}:contract:`;
  let n = 0;
  t.teardown(() => deleteKeys(REDIS_URL, base));
  contract(t, async () => openRedisStore({ url: REDIS_URL, prefix: `${base}${++n}:` }), {
    reopen: async (closed: RedisStore) => openRedisStore({ url: REDIS_URL, prefix: closed.prefix }),
    limiterStateExpiresByItself: true,
  });
}
