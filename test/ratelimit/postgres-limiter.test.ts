import t from 'tap';
import type { LimitSpec } from '../../src/ratelimit/spec.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { dropSchemaAfter, uniqueSchema } from '../helpers/postgres.js';
import { POSTGRES_URL, requirePostgres } from '../helpers/services.js';

const T0 = Date.UTC(2026, 0, 1);

if (await requirePostgres(t)) {
  t.test('two nodes on one Postgres admit one limit between them', async (t) => {
    const schema = uniqueSchema('notifyd_rl');
    dropSchemaAfter(t, schema);
    const a = await openPostgresStore({ url: POSTGRES_URL, schema, poolSize: 4 });
    const b = await openPostgresStore({ url: POSTGRES_URL, schema, poolSize: 4 });
    t.teardown(() => Promise.all([a.close(), b.close()]));
    const specs: LimitSpec[] = [
      { algorithm: 'sliding_window', max_requests: 50, window_seconds: 60 },
      { algorithm: 'token_bucket', max_requests: 50, window_seconds: 60 },
    ];
    for (const spec of specs) {
      // The key is new: both nodes race to create its row as well as to count in it.
      const calls = Array.from({ length: 200 }, (_, i) =>
        (i % 2 ? a : b).ratelimit.consume(`hot-${spec.algorithm}`, spec, 1, T0 + (i % 20)),
      );
      const decisions = await Promise.all(calls);
      t.equal(decisions.filter((d) => d.allowed).length, 50, spec.algorithm);
    }
  });
}
