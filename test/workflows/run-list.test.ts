import t from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { listNewestFirst, SCAN_MAX } from '../../src/workflows/run-list.js';
import { CONSOLE } from '../digests/helpers.js';
import { BACKENDS, ok, serverOn } from '../recipients/servers.js';

const START = Date.UTC(2026, 2, 10, 7, 0);

const say = { type: 'send', channel: 'in_app', content: { title: 'Hi', body: 'there' } };

// Listing reads the object store in creation order: every backend, the shared ones too.
for (const backend of [...BACKENDS, 'redis', 'postgres'] as const) {
  t.test(`${backend}: runs are listed newest first, filtered, page by page`, async (t) => {
    const s = await serverOn(t, backend, CONSOLE);
    if (!s) return;
    s.clock.set(START);
    await ok(s, 'PUT', '/api/v1/subscribers/u1', { name: 'U1' });
    await ok(s, 'PUT', '/api/v1/subscribers/u2', { name: 'U2' });
    const hello = await ok(s, 'POST', '/api/v1/workflows', {
      trigger_identifier: 'hello',
      steps: [say],
    });
    await ok(s, 'POST', '/api/v1/workflows', {
      trigger_identifier: 'later',
      steps: [{ type: 'delay', duration: 'PT1H' }, say],
    });
    const started: Array<{ id: string; workflow: string; recipient: string }> = [];
    for (const [workflow, recipient] of [
      ['hello', 'u1'],
      ['later', 'u1'],
      ['hello', 'u2'],
      ['hello', 'u1'],
      ['later', 'u2'],
      ['hello', 'u1'],
    ] as const) {
      s.clock.advance(1000);
      const { run_id } = await ok(s, 'POST', `/api/v1/workflows/${workflow}/trigger`, {
        recipient_id: recipient,
      });
      started.push({ id: run_id, workflow, recipient });
    }
    await s.server.scheduler.runDue();
    const newest = [...started].reverse();
    const ids = (page: { data: Array<{ id: string }> }) => page.data.map((r) => r.id);
    const expect = (keep: (r: (typeof started)[number]) => boolean) =>
      newest.filter(keep).map((r) => r.id);

    const all = await ok(s, 'GET', '/api/v1/workflow-runs');
    t.same(
      ids(all),
      expect(() => true),
    );
    t.equal(all.next_cursor, null);
    t.match(all.data[0], { trigger_identifier: 'hello', status: 'completed', recipient_id: 'u1' });
    t.same(
      ids(await ok(s, 'GET', '/api/v1/workflow-runs?workflow=hello')),
      expect((r) => r.workflow === 'hello'),
    );
    t.same(
      ids(await ok(s, 'GET', `/api/v1/workflow-runs?workflow=${hello.id}&recipient_id=u1`)),
      expect((r) => r.workflow === 'hello' && r.recipient === 'u1'),
    );
    const running = await ok(s, 'GET', '/api/v1/workflow-runs?status=running');
    t.same(
      ids(running),
      expect((r) => r.workflow === 'later'),
    );
    t.match(running.data[0], { current_step: 1, next_run_at: /Z$/ });

    const one = await ok(s, 'GET', '/api/v1/workflow-runs?workflow=hello&limit=3');
    t.same(ids(one), expect((r) => r.workflow === 'hello').slice(0, 3));
    t.equal(one.next_cursor, one.data[2].id);
    const two = await ok(
      s,
      'GET',
      `/api/v1/workflow-runs?workflow=hello&limit=3&before=${one.next_cursor}`,
    );
    t.same(ids(two), expect((r) => r.workflow === 'hello').slice(3));
    t.equal(two.next_cursor, null);
    t.same(
      ids(await ok(s, 'GET', `/api/v1/workflow-runs?before=${started[1]?.id}`)),
      [started[0]?.id],
      'before: only older runs',
    );

    // A cursor that is no run id is refused, not answered as an empty last page.
    const garbage = await s.api('GET', '/api/v1/workflow-runs?before=garbage');
    t.equal(garbage.status, 400);
    t.equal(garbage.body.error.code, 'INVALID_CURSOR');

    const unknown = await s.api('GET', '/api/v1/workflow-runs?workflow=nope');
    t.equal(unknown.status, 404);
    t.equal(unknown.body.error.code, 'WORKFLOW_NOT_FOUND');
    t.equal((await s.api('GET', '/api/v1/workflow-runs?status=asleep')).status, 400);
    t.equal((await s.api('GET', '/api/v1/workflow-runs?limit=0')).status, 400);
    // Another tenant's key sees none of them.
    const key = await ok(s, 'POST', '/api/v1/keys', {
      name: 'other',
      tenant_id: 'other',
      scopes: ['notifications:manage'],
    });
    const theirs = await s.api('GET', '/api/v1/workflow-runs', undefined, key.key);
    t.same(theirs.body, { data: [], next_cursor: null });
    // A deleted workflow's runs are still listed by its id.
    await ok(s, 'DELETE', '/api/v1/workflows/hello');
    t.same(
      ids(await ok(s, 'GET', `/api/v1/workflow-runs?workflow=${hello.id}`)),
      expect((r) => r.workflow === 'hello'),
    );
  });
}

t.test('a page of rare matches stops after SCAN_MAX runs and says where to go on', async (t) => {
  const store = createMemoryStore();
  const clock = new FakeClock(START);
  const make = (i: number, recipient: string) =>
    store.objects.create({
      kind: 'workflow_run',
      id: `wfr_${String(i).padStart(8, '0')}`,
      tenant_id: 't1',
      key: null,
      data: { workflow_id: 'wfl_1', status: 'completed', recipient_id: recipient },
      created_at: clock.now() + i,
    });
  await make(0, 'rare');
  for (let i = 1; i <= SCAN_MAX + 10; i++) await make(i, 'common');
  const query = { filter: { recipient_id: 'rare' }, limit: 10 };
  const first = await listNewestFirst(store.objects, 'workflow_run', 't1', query);
  t.same(first.items, []);
  t.ok(first.next_cursor, 'a cursor to go on from');
  const second = await listNewestFirst(store.objects, 'workflow_run', 't1', {
    ...query,
    before: first.next_cursor as string,
  });
  t.same(
    second.items.map((o) => o.id),
    ['wfr_00000000'],
  );
  t.equal(second.next_cursor, null);
});
