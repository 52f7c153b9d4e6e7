import { join } from 'node:path';
import t from 'tap';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { openRedisStore } from '../../src/store/redis/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { adminQuery, uniqueSchema } from '../helpers/postgres.js';
import { deleteKeys } from '../helpers/redis.js';
import { POSTGRES_URL, REDIS_URL, requirePostgres, requireRedis } from '../helpers/services.js';
import { jobsNodesContract } from './contract/jobs.js';

// Three scheduler nodes, each its own store client, on one database of each durable backend.

t.test('sqlite', async (t) => {
  const dir = t.testdir();
  let n = 0;
  jobsNodesContract(
    t,
    async () => openSqliteStore({ path: join(dir, `jobs-${++n}.db`) }),
    async (store) => openSqliteStore({ path: store.path }),
  );
});

t.test('postgres', async (t) => {
  if (!(await requirePostgres(t))) return;
  const schemas: string[] = [];
  t.teardown(async () => {
    for (const schema of schemas) await adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });
  const open = (schema: string) => openPostgresStore({ url: POSTGRES_URL, schema, poolSize: 4 });
  jobsNodesContract(
    t,
    async () => {
      const schema = uniqueSchema();
      schemas.push(schema);
      return open(schema);
    },
    async (store) => open(store.schema),
  );
});

t.test('redis', async (t) => {
  if (!(await requireRedis(t))) return;
  const base = `notifyd-test:${process.pid}:jobs-nodes:`;
  let n = 0;
  t.teardown(() => deleteKeys(REDIS_URL, base));
  jobsNodesContract(
    t,
    async () => openRedisStore({ url: REDIS_URL, prefix: `${base}${++n}:` }),
    async (store) => openRedisStore({ url: REDIS_URL, prefix: store.prefix }),
  );
});
