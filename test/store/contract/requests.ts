import type { Test } from 'tap';
import { singleRequest } from '../../../src/notifications/request-records.js';
import type {
  RequestPage,
  RequestQuery,
  SendRequestRecord,
  Store,
} from '../../../src/store/types.js';
import { Fixture, type MakeStore, storeFor } from './fixtures.js';

/** A request of tenant t1, created at `at`. */
function request(id: string, at: number, over: Partial<SendRequestRecord> = {}): SendRequestRecord {
  return {
    id,
    tenant_id: 't1',
    type: 'single',
    status: 'completed',
    recipient_id: 'alice',
    topic: null,
    accepted: 1,
    skipped: 0,
    rejected: 0,
    errors: [],
    created_at: at,
    completed_at: at,
    ...over,
  };
}

/** Every request of the query, following `next` page after page. */
async function all(store: Store, query: Omit<RequestQuery, 'limit'>, limit: number) {
  const out: SendRequestRecord[] = [];
  let page: RequestPage = { items: [], next: null };
  let after = query.after;
  for (let i = 0; i < 100; i++) {
    page = await store.requests.list({ ...query, limit, ...(after ? { after } : {}) });
    out.push(...page.items);
    if (!page.next) return out;
    after = page.next;
  }
  throw new Error('the pages never ended');
}

const ids = (records: SendRequestRecord[]) => records.map((r) => r.id);

/** Send requests: put, get, list newest first with filters and a cursor, purge. */
export function requestsContract(t: Test, make: MakeStore): void {
  t.test('put stores a request, get reads it by tenant, a second put replaces it', async (t) => {
    const store = await storeFor(t, make);
    const r = request('req_1', 1000, {
      type: 'batch',
      recipient_id: null,
      errors: [{ index: 2, code: 'MISSING_VARIABLE', message: 'name' }],
    });
    await store.requests.put(r);
    t.same(await store.requests.get('t1', 'req_1'), r);
    t.equal(await store.requests.get('t2', 'req_1'), null, 'another tenant');
    t.equal(await store.requests.get('t1', 'req_2'), null);
    const theirs = { ...r, tenant_id: 't2', accepted: 9 };
    await store.requests.put(theirs);
    t.same(await store.requests.get('t1', 'req_1'), r, 'one id in two tenants: two requests');
    const topic = request('req_3', 2000, {
      type: 'topic',
      status: 'running',
      recipient_id: null,
      topic: 'news',
      completed_at: null,
    });
    await store.requests.put(topic);
    const done = { ...topic, status: 'completed' as const, accepted: 5, completed_at: 3000 };
    await store.requests.put(done);
    t.same(await store.requests.get('t1', 'req_3'), done);
    t.same(ids(await all(store, { tenant_id: 't1' }, 10)), ['req_3', 'req_1'], 'listed once');
    t.same(ids(await all(store, { tenant_id: 't1', status: 'running' }, 10)), []);
  });

  t.test(
    "an insert writes a single send's request with its notification, not a duplicate's",
    async (t) => {
      const f = new Fixture();
      const store = await storeFor(t, make);
      const withRequest = (item: ReturnType<Fixture['item']>) => ({
        ...item,
        request: singleRequest(item.notification),
      });
      const first = withRequest(f.item({}, { key: 'order-1', ttlMs: 60_000 }));
      const plain = f.item({ recipient_id: 'bob' });
      t.same(await store.notifications.insert([first, plain]), [
        { status: 'created' },
        { status: 'created' },
      ]);
      const id = first.notification.request_id;
      t.same(await store.requests.get('t1', id), singleRequest(first.notification));
      t.equal(await store.requests.get('t1', plain.notification.request_id), null, 'none asked');
      const again = withRequest(
        f.item({ recipient_id: 'carol' }, { key: 'order-1', ttlMs: 60_000 }),
      );
      const [outcome] = await store.notifications.insert([again]);
      t.equal(outcome.status, 'duplicate');
      t.equal(await store.requests.get('t1', again.notification.request_id), null, 'duplicate');
      // A caller may reuse its X-Request-Id: concurrent sends under one id keep one record.
      f.clock.advance(10);
      const reused = [1, 2, 3].map(() =>
        withRequest(f.item({ request_id: 'req_same', recipient_id: 'dave' })),
      );
      const outcomes = await Promise.all(reused.map((item) => store.notifications.insert([item])));
      t.same(
        outcomes.flat().map((o) => o.status),
        ['created', 'created', 'created'],
      );
      const kept = await all(store, { tenant_id: 't1', recipient_id: 'dave' }, 10);
      t.same(ids(kept), ['req_same'], 'one record per tenant and id');
      t.same(ids(await all(store, { tenant_id: 't1' }, 10)), ['req_same', id]);
    },
  );

  t.test('list: newest first, paged with next, narrowed by every filter', async (t) => {
    const store = await storeFor(t, make);
    const made = [
      request('req_a', 1000),
      request('req_b', 2000, { recipient_id: 'bob', status: 'completed' }),
      request('req_c', 2000),
      request('req_d', 3000, { type: 'batch', recipient_id: null }),
      request('req_e', 4000, {
        type: 'topic',
        recipient_id: null,
        topic: 'news',
        status: 'running',
        completed_at: null,
      }),
      request('req_f', 5000, {
        type: 'topic',
        recipient_id: null,
        topic: 'deals',
        status: 'failed',
      }),
      request('req_g', 6000, { tenant_id: 't2' }),
    ];
    for (const r of made) await store.requests.put(r);
    const newest = ['req_f', 'req_e', 'req_d', 'req_c', 'req_b', 'req_a'];
    t.same(ids(await all(store, { tenant_id: 't1' }, 100)), newest);
    for (const limit of [1, 2, 4]) {
      t.same(ids(await all(store, { tenant_id: 't1' }, limit)), newest, `pages of ${limit}`);
    }
    const first = await store.requests.list({ tenant_id: 't1', limit: 2 });
    t.same(ids(first.items), ['req_f', 'req_e']);
    t.same(first.next, { created_at: 4000, id: 'req_e' });
    const q = (over: Omit<RequestQuery, 'tenant_id' | 'limit'>) =>
      all(store, { tenant_id: 't1', ...over }, 2).then(ids);
    t.same(await q({ recipient_id: 'alice' }), ['req_c', 'req_a']);
    t.same(await q({ recipient_id: 'bob' }), ['req_b']);
    t.same(await q({ topic: 'news' }), ['req_e']);
    t.same(await q({ status: 'running' }), ['req_e']);
    t.same(await q({ status: 'completed', recipient_id: 'alice' }), ['req_c', 'req_a']);
    t.same(await q({ type: 'topic' }), ['req_f', 'req_e']);
    t.same(await q({ type: 'batch' }), ['req_d']);
    t.same(await q({ created_after: 2000 }), ['req_f', 'req_e', 'req_d', 'req_c', 'req_b']);
    t.same(await q({ created_before: 3000 }), ['req_c', 'req_b', 'req_a'], 'before: exclusive');
    t.same(await q({ created_after: 2000, created_before: 4000 }), ['req_d', 'req_c', 'req_b']);
    t.same(await q({ after: { created_at: 2000, id: 'req_c' } }), ['req_b', 'req_a']);
    t.same(await q({ recipient_id: 'nobody' }), []);
    t.same(await q({ topic: 'news', recipient_id: 'alice' }), [], 'every filter must hold');
    t.same(ids(await all(store, { tenant_id: 't2' }, 10)), ['req_g'], 'another tenant’s');
    t.same(await store.requests.list({ tenant_id: 't3', limit: 5 }), { items: [], next: null });
  });

  t.test('a narrow filter over many requests still reaches every match', async (t) => {
    const store = await storeFor(t, make);
    for (let i = 0; i < 1500; i++) {
      const failed = i % 500 === 0;
      await store.requests.put(
        request(`req_${String(i).padStart(4, '0')}`, 1000 + i, failed ? { status: 'failed' } : {}),
      );
    }
    t.same(ids(await all(store, { tenant_id: 't1', status: 'failed' }, 10)), [
      'req_1000',
      'req_0500',
      'req_0000',
    ]);
  });

  t.test('purgeBefore deletes requests created before a time, in chunks', async (t) => {
    const store = await storeFor(t, make);
    await store.requests.put(request('req_1', 1000));
    await store.requests.put(request('req_2', 2000, { topic: 'news', type: 'topic' }));
    await store.requests.put(request('req_3', 3000, { tenant_id: 't2' }));
    await store.requests.put(request('req_4', 4000));
    t.equal(await store.requests.purgeBefore(3500, 2), 2);
    t.equal(await store.requests.purgeBefore(3500, 2), 1);
    t.equal(await store.requests.purgeBefore(3500, 2), 0);
    t.equal(await store.requests.get('t1', 'req_1'), null);
    t.same(ids(await all(store, { tenant_id: 't1' }, 10)), ['req_4']);
    t.same(ids(await all(store, { tenant_id: 't1', recipient_id: 'alice' }, 10)), ['req_4']);
    t.same(ids(await all(store, { tenant_id: 't1', topic: 'news' }, 10)), []);
    t.same(ids(await all(store, { tenant_id: 't2' }, 10)), []);
  });
}
