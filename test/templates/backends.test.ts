import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { DeepPartial } from '../../src/config/index.js';
import { loadConfig } from '../../src/config/index.js';
import type { Config } from '../../src/config/options.js';
import { openStore } from '../../src/store/index.js';
import { dropSchemaAfter, uniqueSchema } from '../helpers/postgres.js';
import { deleteKeys } from '../helpers/redis.js';
import { startServer } from '../helpers/server.js';
import { POSTGRES_URL, REDIS_URL, requirePostgres, requireRedis } from '../helpers/services.js';

const T = '/api/v1/templates';

/** Templates and their versions on a durable backend, and again after a restart. */
async function lifecycle(t: Test, store: DeepPartial<Config['store']>) {
  const open = () => openStore(loadConfig({ env: {}, overrides: { store } }).store);
  const s = await startServer(t, { store }, await open());
  const created = await s.api('POST', T, {
    key: 'hello',
    name: 'Hello',
    channels: { sms: { body: 'Hi {{ name }}' } },
  });
  t.equal(created.status, 201);
  await s.api('PATCH', `${T}/hello`, { channels: { sms: { body: 'Hello {{ name }}' } } });
  await s.api('POST', `${T}/hello/versions/1/activate`);
  await s.server.close();

  const again = await startServer(t, { store }, await open());
  const versions = await again.api('GET', `${T}/hello/versions`);
  t.same(
    versions.body.data.map((v: { version: number; channels: { sms: { body: string } } }) => [
      v.version,
      v.channels.sms.body,
    ]),
    [
      [3, 'Hi {{ name }}'],
      [2, 'Hello {{ name }}'],
      [1, 'Hi {{ name }}'],
    ],
  );
  const r = await again.server.templates.render('default', 'hello', { name: 'Ada' });
  t.same(r.contents, { sms: { body: 'Hi Ada' } });
  t.equal((await again.api('DELETE', `${T}/hello`)).status, 204);
  t.equal((await again.api('GET', `${T}/hello/versions/1`)).status, 404);
}

t.test('sqlite', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'notifyd-tpl-'));
  await lifecycle(t, { backend: 'sqlite', sqlite: { path: join(dir, 'n.db') } });
});

t.test('postgres', async (t) => {
  if (!(await requirePostgres(t))) return;
  const schema = uniqueSchema('notifyd_tpl');
  dropSchemaAfter(t, schema);
  await lifecycle(t, { backend: 'postgres', postgres: { url: POSTGRES_URL, schema } });
});

t.test('redis', async (t) => {
  if (!(await requireRedis(t))) return;
  const prefix = `notifyd-test-tpl-${process.pid}-${Date.now()}:`;
  t.teardown(() => deleteKeys(REDIS_URL, prefix));
  await lifecycle(t, { backend: 'redis', redis: { url: REDIS_URL, prefix } });
});
