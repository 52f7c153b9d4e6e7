import t from 'tap';
import { openRedisStore } from '../../src/store/redis/index.js';
import { deleteKeys } from '../helpers/redis.js';
import { REDIS_URL, requireRedis } from '../helpers/services.js';
import { jobsNodesContract } from './contract/jobs.js';

// Three scheduler nodes, each its own store client, on one redis database; one file per
// backend so that each stays well within tap's per-file limit on a loaded machine.
if (await requireRedis(t)) {
  const base = `notifyd-test:${process.pid}:jobs-nodes:`;
  let n = 0;
  t.teardown(() => deleteKeys(REDIS_URL, base));
  jobsNodesContract(
    t,
    async () => openRedisStore({ url: REDIS_URL, prefix: `${base}${++n}:` }),
    async (store) => openRedisStore({ url: REDIS_URL, prefix: store.prefix }),
  );
}
