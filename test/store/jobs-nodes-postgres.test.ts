import t from 'tap';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { adminQuery, uniqueSchema } from '../helpers/postgres.js';
import { POSTGRES_URL, requirePostgres } from '../helpers/services.js';
import { jobsNodesContract } from './contract/jobs.js';

// Three scheduler nodes, each its own store client, on one postgres database; one file per
// backend so that each stays well within tap's per-file limit on a loaded machine.
if (await requirePostgres(t)) {
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
}
