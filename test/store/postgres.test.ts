import t from 'tap';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/index.js';
import { adminQuery, uniqueSchema } from '../helpers/postgres.js';
import { POSTGRES_URL, requirePostgres } from '../helpers/services.js';
import { contract } from './contract.js';

if (await requirePostgres(t)) {
  // Every store gets a schema of its own, so test files running in parallel never meet.
  const schemas: string[] = [];
  t.teardown(async () => {
    for (const schema of schemas) await adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });
  const open = (schema: string) => openPostgresStore({ url: POSTGRES_URL, schema, poolSize: 4 });
  contract<PostgresStore>(
    t,
    async () => {
      const schema = uniqueSchema();
      schemas.push(schema);
      return open(schema);
    },
    { reopen: async (closed) => open(closed.schema) },
  );
}
