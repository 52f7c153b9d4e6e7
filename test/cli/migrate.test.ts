import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../../src/cli/program.js';
import { cliIO } from '../helpers/cli.js';
import { dropSchemaAfter, uniqueSchema } from '../helpers/postgres.js';
import { POSTGRES_URL, requirePostgres } from '../helpers/services.js';

const io = cliIO;

t.test('migrate creates the schema once, then reports it is up to date', async (t) => {
  const dir = t.testdir({});
  const env = { NOTIFYD_STORE__SQLITE__PATH: join(dir, 'db', 'notifyd.db') };
  const first = io(env, dir);
  t.equal(await runCli(['migrate'], first.io), 0);
  t.match(first.out(), /schema version \d+ \(applied 1/);
  t.match(first.out(), /notifyd-analytics\.db: schema version \d+ \(applied 1/);
  const second = io(env, dir);
  t.equal(await runCli(['migrate', '--json'], second.io), 0);
  const result = JSON.parse(second.out());
  t.same(result.applied, []);
  t.same(result.analytics.applied, []);
  t.equal(result.from, result.to);
  const memory = io({ NOTIFYD_STORE__BACKEND: 'memory' }, dir);
  t.equal(await runCli(['migrate'], memory.io), 0);
  t.match(memory.out(), /nothing to migrate/);
});

t.test('migrate brings a Postgres schema up to date; redis has nothing to migrate', async (t) => {
  if (!(await requirePostgres(t))) return;
  const dir = t.testdir({});
  const schema = uniqueSchema('notifyd_cli');
  dropSchemaAfter(t, schema);
  const env = { DATABASE_URL: POSTGRES_URL, NOTIFYD_STORE__POSTGRES__SCHEMA: schema };
  const first = io(env, dir);
  t.equal(await runCli(['migrate'], first.io), 0);
  t.match(first.out(), new RegExp(`postgres schema ${schema}: schema version \\d+ \\(applied 1`));
  const second = io(env, dir);
  t.equal(await runCli(['migrate', '--json'], second.io), 0);
  t.match(JSON.parse(second.out()), { backend: 'postgres', applied: [] });
  const redis = io({ NOTIFYD_STORE__BACKEND: 'redis' }, dir);
  t.equal(await runCli(['migrate'], redis.io), 0);
  t.match(redis.out(), /redis store keeps no schema/);
});
