import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { dropSchemaAfter, uniqueSchema } from '../helpers/postgres.js';
import { startDaemon } from '../helpers/process.js';
import { ADMIN_KEY, JWT_SECRET } from '../helpers/server.js';
import { POSTGRES_URL, requirePostgres } from '../helpers/services.js';
import { freePort, startProxy } from '../helpers/tcp-proxy.js';

t.test('a store that is down at start: listen, say so, retry, recover by itself', async (t) => {
  const dir = t.testdir();
  // The database's folder cannot be created while a file stands where it should be.
  const blocker = join(dir, 'data');
  writeFileSync(blocker, 'not a folder');
  const daemon = await startDaemon({
    NOTIFYD_ADMIN_KEY: ADMIN_KEY,
    JWT_SECRET,
    NOTIFYD_STORE__SQLITE__PATH: join(blocker, 'notifyd.db'),
    NOTIFYD_STORE__CONNECT_RETRY_MAX_MS: '200',
    NOTIFYD_AUTH__BOOTSTRAP_KEY_FILE: '',
  });
  t.teardown(() => daemon.child.kill('SIGKILL'));
  const retry = daemon.logs.find((l) => String(l.msg).includes('cannot be reached'));
  t.match(retry, { level: 'error', msg: /Retrying in .* \/readyz answers 503 until it is up/ });

  t.equal((await fetch(`${daemon.url}/healthz`)).status, 200, 'alive');
  const ready = await fetch(`${daemon.url}/readyz`);
  t.equal(ready.status, 503, 'not ready');
  const send = () =>
    fetch(`${daemon.url}/api/v1/notifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ recipient_id: 'u1', content: { title: 'Hi', body: 'there' } }),
    });
  const refused = await send();
  t.equal(refused.status, 503);
  t.equal(refused.headers.get('retry-after'), '5');
  t.match(await refused.json(), { error: { code: 'STORE_UNAVAILABLE' } });

  rmSync(blocker);
  let status = 0;
  for (let i = 0; i < 100 && status !== 200; i++) {
    await sleep(50);
    status = (await fetch(`${daemon.url}/readyz`)).status;
  }
  t.equal(status, 200, 'ready once the store opens, without a restart');
  t.equal((await send()).status, 202);
  t.ok(
    daemon.logs.some((l) => String(l.msg).includes('is connected')),
    'the recovery is logged',
  );
  daemon.child.kill('SIGTERM');
  t.match(await daemon.exited, { code: 0 });
});

t.test('a store that can never work stops the daemon with the reason', async (t) => {
  const dir = t.testdir({ 'notifyd.db': 'this is text, not a database' });
  const daemon = startDaemon({
    NOTIFYD_ADMIN_KEY: ADMIN_KEY,
    JWT_SECRET,
    NOTIFYD_STORE__SQLITE__PATH: join(dir, 'notifyd.db'),
    NOTIFYD_AUTH__BOOTSTRAP_KEY_FILE: '',
  });
  t.teardown(async () => (await daemon.catch(() => null))?.child.kill('SIGKILL'));
  await t.rejects(
    daemon,
    /daemon exited with 1 before listening: .*is not a usable SQLite database/,
  );
});

t.test('Postgres down at start: notifyd waits for it, then migrates and serves', async (t) => {
  if (!(await requirePostgres(t))) return;
  const schema = uniqueSchema('notifyd_down');
  dropSchemaAfter(t, schema);
  // Nothing listens on this port until the proxy to the real server starts there.
  const port = await freePort();
  const target = new URL(POSTGRES_URL);
  const url = new URL(POSTGRES_URL);
  url.port = String(port);
  const daemon = await startDaemon({
    NOTIFYD_ADMIN_KEY: ADMIN_KEY,
    JWT_SECRET,
    DATABASE_URL: url.toString(),
    NOTIFYD_STORE__POSTGRES__SCHEMA: schema,
    NOTIFYD_STORE__CONNECT_RETRY_MAX_MS: '200',
    NOTIFYD_AUTH__BOOTSTRAP_KEY_FILE: '',
  });
  t.teardown(() => daemon.child.kill('SIGKILL'));
  t.match(
    daemon.logs.find((l) => String(l.msg).includes('cannot be reached')),
    { level: 'error', msg: /The store \(postgres\) cannot be reached/ },
  );
  t.notMatch(JSON.stringify(daemon.logs), 'postgres://postgres@', 'the URL is not logged');
  t.equal((await fetch(`${daemon.url}/readyz`)).status, 503);

  const proxy = await startProxy(target.hostname, Number(target.port), port);
  t.teardown(() => proxy.drop());
  let status = 0;
  for (let i = 0; i < 100 && status !== 200; i++) {
    await sleep(50);
    status = (await fetch(`${daemon.url}/readyz`)).status;
  }
  t.equal(status, 200, 'ready once Postgres answers');
  const res = await fetch(`${daemon.url}/api/v1/notifications`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ recipient_id: 'u1', content: { title: 'Hi', body: 'there' } }),
  });
  t.equal(res.status, 202, 'and the schema was migrated on the way');
});
