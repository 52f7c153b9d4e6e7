import type { Test } from 'tap';
import { StoreConflictError } from '../../../src/store/errors.js';
import type { StoredObject } from '../../../src/store/types.js';
import { Fixture, type MakeStore, storeFor } from './fixtures.js';

type NewObject = Omit<StoredObject, 'version' | 'updated_at'>;

/** Configuration objects: create, get by id and key, versioned update and delete, list, revision. */
export function objectsContract(t: Test, make: MakeStore): void {
  const object = (f: Fixture, over: Partial<NewObject> = {}): NewObject => ({
    kind: 'policy',
    id: f.ids('key'),
    tenant_id: 't1',
    key: null,
    data: { name: 'free', limits: [{ max: 100, window: 60 }], nested: { ok: true }, none: null },
    created_at: f.clock.now(),
    ...over,
  });

  t.test('a created object is found by id, and by key in its kind and tenant', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const input = object(f, { key: 'free' });
    const created = await store.objects.create(input);
    t.same(created, { ...input, version: 1, updated_at: input.created_at });
    t.same(await store.objects.get('policy', input.id), created);
    t.same(await store.objects.getByKey('policy', 't1', 'free'), created);
    t.equal(await store.objects.getByKey('policy', 't2', 'free'), null, 'other tenant');
    t.equal(await store.objects.getByKey('policy', null, 'free'), null, 'global');
    t.equal(await store.objects.getByKey('plan', 't1', 'free'), null, 'other kind');
    t.equal(await store.objects.get('rule', input.id), null, 'ids are per kind');
    t.equal(await store.objects.get('policy', f.ids('key')), null);
  });

  t.test('global objects have a null tenant and keys of their own', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const global = await store.objects.create(object(f, { tenant_id: null, key: 'free' }));
    const own = await store.objects.create(object(f, { tenant_id: 't1', key: 'free' }));
    t.equal(global.tenant_id, null);
    t.same(await store.objects.getByKey('policy', null, 'free'), global);
    t.same(await store.objects.getByKey('policy', 't1', 'free'), own);
  });

  t.test('a taken id or key is refused and nothing is written', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const first = await store.objects.create(object(f, { key: 'free' }));
    await t.rejects(store.objects.create(object(f, { id: first.id })), StoreConflictError);
    await t.rejects(store.objects.create(object(f, { key: 'free' })), StoreConflictError);
    t.equal((await store.objects.list({ kind: 'policy' })).total, 1);
    t.same(await store.objects.get('policy', first.id), first);
    await store.objects.create(object(f, { kind: 'plan', id: first.id, key: 'free' }));
    t.equal((await store.objects.list({ kind: 'plan' })).total, 1, 'other kinds are separate');
  });

  t.test('update replaces document and key at the expected version only', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const a = await store.objects.create(object(f, { key: 'a' }));
    const b = await store.objects.create(object(f, { key: 'b' }));
    const data = { name: 'pro', list: [1, 2.5, 'x'] };
    const done = await store.objects.update('policy', a.id, { data, key: 'a2' }, 1, 5000);
    t.same(done, {
      status: 'ok',
      object: { ...a, data, key: 'a2', version: 2, updated_at: 5000 },
    });
    t.same(await store.objects.get('policy', a.id), {
      ...a,
      data,
      key: 'a2',
      version: 2,
      updated_at: 5000,
    });
    t.equal(await store.objects.getByKey('policy', 't1', 'a'), null, 'the old key is free');
    t.equal((await store.objects.getByKey('policy', 't1', 'a2'))?.id, a.id);
    const stale = await store.objects.update('policy', a.id, { data: {}, key: null }, 1, 6000);
    t.equal(stale.status, 'version_conflict');
    if (stale.status === 'version_conflict') t.equal(stale.current.version, 2);
    t.same(await store.objects.update('policy', b.id, { data: {}, key: 'a2' }, 1, 6000), {
      status: 'key_taken',
    });
    t.same((await store.objects.get('policy', b.id))?.key, 'b', 'b unchanged');
    t.same(await store.objects.update('policy', f.ids('key'), { data: {}, key: null }, 1, 6000), {
      status: 'not_found',
    });
    const cleared = await store.objects.update('policy', a.id, { data: {}, key: null }, 2, 7000);
    t.equal(cleared.status, 'ok');
    t.equal(await store.objects.getByKey('policy', 't1', 'a2'), null, 'a cleared key is free');
    await store.objects.create(object(f, { key: 'a2' }));
  });

  t.test('remove deletes at the expected version, or at any', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const a = await store.objects.create(object(f, { key: 'a' }));
    const b = await store.objects.create(object(f));
    t.equal((await store.objects.remove('policy', a.id, 2)).status, 'version_conflict');
    t.same(await store.objects.remove('policy', a.id, 1), { status: 'ok', object: a });
    t.equal(await store.objects.get('policy', a.id), null);
    t.equal(await store.objects.getByKey('policy', 't1', 'a'), null);
    t.same((await store.objects.remove('policy', a.id)).status, 'not_found');
    t.same((await store.objects.remove('policy', b.id)).status, 'ok');
    t.same(await store.objects.list({ kind: 'policy' }), { items: [], total: 0 });
    await store.objects.create(object(f, { key: 'a' }));
  });

  t.test('list pages a kind oldest first, of some tenants or all', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const made: StoredObject[] = [];
    for (const tenant of ['t1', null, 't2', 't1', null, 't1']) {
      f.clock.advance(10);
      made.push(await store.objects.create(object(f, { tenant_id: tenant })));
    }
    // Same creation time: ordered by id.
    const late = object(f, { tenant_id: 't1', created_at: made[5]!.created_at });
    made.push(await store.objects.create(late));
    await store.objects.create(object(f, { kind: 'rule' }));
    const ids = (items: StoredObject[]) => items.map((o) => o.id);
    const all = await store.objects.list({ kind: 'policy' });
    t.equal(all.total, 7);
    t.same(ids(all.items), ids(made));
    const t1 = made.filter((o) => o.tenant_id === 't1');
    t.same(ids((await store.objects.list({ kind: 'policy', tenants: ['t1'] })).items), ids(t1));
    const mixed = made.filter((o) => o.tenant_id === 't1' || o.tenant_id === null);
    const page = await store.objects.list({
      kind: 'policy',
      tenants: ['t1', null],
      offset: 1,
      limit: 3,
    });
    t.equal(page.total, mixed.length);
    t.same(ids(page.items), ids(mixed.slice(1, 4)));
    const one = await store.objects.list({ kind: 'policy', tenants: [null], offset: 1, limit: 5 });
    t.same(one, { items: [made[4]], total: 2 });
    t.same(await store.objects.list({ kind: 'policy', tenants: [] }), { items: [], total: 0 });
    t.same((await store.objects.list({ kind: 'policy', limit: 0 })).items, []);
    t.same(await store.objects.list({ kind: 'nothing' }), { items: [], total: 0 });
  });

  t.test('the revision of some kinds moves on every write to them, and only then', async (t) => {
    const f = new Fixture();
    const store = await storeFor(t, make);
    const start = await store.objects.revision(['policy', 'rule']);
    const seen = [start];
    const moved = async (what: string) => {
      const now = await store.objects.revision(['policy', 'rule']);
      t.not(now, seen[seen.length - 1], what);
      seen.push(now);
    };
    const a = await store.objects.create(object(f));
    await moved('create');
    await store.objects.update('policy', a.id, { data: { x: 1 }, key: null }, 1, 1);
    await moved('update');
    await store.objects.create(object(f, { kind: 'rule' }));
    await moved('another kind of the set');
    const before = await store.objects.revision(['policy', 'rule']);
    await store.objects.create(object(f, { kind: 'template' }));
    await store.objects.update('policy', a.id, { data: {}, key: null }, 1, 1); // stale: no write
    t.equal(await store.objects.revision(['policy', 'rule']), before, 'unrelated or failed');
    await store.objects.remove('policy', a.id);
    await moved('remove');
    t.equal(await store.objects.revision([]), 0);
  });
}
