import type { Test } from 'tap';
import { StoreConflictError } from '../../../src/store/errors.js';
import { Fixture, type MakeStore, storeFor } from './fixtures.js';

/** API keys: create, find, list, revoke, touch, count. */
export function keysContract(t: Test, make: MakeStore): void {
  t.test('a created key is found by id and by hash', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const key = f.key({ tenant_id: null, expires_at: f.clock.now() + 1000, ip_allowlist: [] });
    await store.keys.create(key);
    t.same(await store.keys.get(key.id), key);
    t.same(await store.keys.findByHash(key.hash), key);
    t.equal(await store.keys.get(f.ids('key')), null);
    t.equal(await store.keys.findByHash('f'.repeat(64)), null);
  });

  t.test('a duplicate id or hash is rejected and not stored', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const key = f.key();
    await store.keys.create(key);
    await t.rejects(store.keys.create({ ...f.key(), id: key.id }), StoreConflictError);
    await t.rejects(store.keys.create({ ...f.key(), hash: key.hash }), StoreConflictError);
    t.equal(await store.keys.count(), 1);
    t.same(await store.keys.get(key.id), key, 'the first one is intact');
  });

  t.test('list gives keys oldest first, of one tenant or all', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const a = f.key({ tenant_id: 't1' });
    f.clock.advance(10);
    const b = f.key({ tenant_id: 't2' });
    f.clock.advance(10);
    const c = f.key({ tenant_id: null });
    f.clock.advance(10);
    const d = f.key({ tenant_id: 't1' });
    for (const k of [d, b, c, a]) await store.keys.create(k);
    t.same(await store.keys.list(), [a, b, c, d]);
    t.same(await store.keys.list('t1'), [a, d]);
    t.same(await store.keys.list('t2'), [b]);
    t.same(await store.keys.list('t3'), []);
  });

  t.test('revoke marks an unrevoked key once; revoked keys are still found', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const key = f.key();
    await store.keys.create(key);
    t.equal(await store.keys.revoke(key.id, 500), true);
    t.equal(await store.keys.revoke(key.id, 600), false, 'already revoked');
    t.equal(await store.keys.revoke(f.ids('key'), 600), false, 'unknown');
    t.equal((await store.keys.findByHash(key.hash))?.revoked_at, 500);
    t.equal(await store.keys.count(), 1, 'revoked keys count');
  });

  t.test('touch records the last use', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const key = f.key();
    await store.keys.create(key);
    await store.keys.touch(key.id, 1234);
    t.equal((await store.keys.get(key.id))?.last_used_at, 1234);
    await store.keys.touch(f.ids('key'), 1); // an unknown id is ignored
    t.equal(await store.keys.count(), 1);
  });

  t.test('count counts every key', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    t.equal(await store.keys.count(), 0);
    for (let i = 0; i < 3; i++) await store.keys.create(f.key({ tenant_id: `t${i}` }));
    t.equal(await store.keys.count(), 3);
  });
}
