import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { loadBootstrapKey } from '../../src/auth/bootstrap.js';
import { createMemoryStore } from '../../src/store/memory/index.js';

const record = {
  id: 'key_1',
  name: 'k',
  hash: 'h',
  prefix: 'nk_x',
  scopes: ['notifications:send'],
  tenant_id: null,
  ip_allowlist: [],
  created_at: 0,
  expires_at: null,
  revoked_at: null,
  last_used_at: null,
};

t.test('writes a key once, reuses it, and stands aside when not needed', async (t) => {
  const dir = t.testdir({});
  const file = join(dir, 'data', 'admin.key');
  const store = createMemoryStore();
  const first = await loadBootstrapKey(file, false, store.keys);
  t.equal(first.created, true);
  t.match(first.key, /^nk_/);
  t.equal(readFileSync(file, 'utf8').trim(), first.key);
  const again = await loadBootstrapKey(file, false, store.keys);
  t.same(again, { key: first.key, created: false, path: file }, 'the file keeps working');

  t.same(await loadBootstrapKey('', false, store.keys), { key: null, created: false, path: null });
  t.same(
    await loadBootstrapKey(join(dir, 'other.key'), true, store.keys),
    {
      key: null,
      created: false,
      path: null,
    },
    'not with an admin key configured',
  );
  await store.keys.create(record);
  t.equal(
    (await loadBootstrapKey(join(dir, 'third.key'), false, store.keys)).key,
    null,
    'not once keys exist',
  );

  const broken = join(dir, 'broken.key');
  writeFileSync(broken, 'hello');
  await t.rejects(loadBootstrapKey(broken, false, store.keys), /does not hold an API key/);
});
