import t from 'tap';
import { CONSOLE } from '../digests/helpers.js';
import { BACKENDS, ok, type Server, serverOn } from '../recipients/servers.js';

const START = Date.UTC(2026, 2, 10, 7, 0);
const HOUR = 3_600_000;

const say = (title: string) => ({
  type: 'send',
  channel: 'in_app',
  content: { title, body: title },
});
const V1 = [say('v1 now'), { type: 'delay', duration: 'PT1H' }, say('v1 later')];
const V2 = [say('v2 now'), { type: 'delay', duration: 'PT2H' }, say('v2 later')];

/** The titles of what a run sent, in order. */
async function titles(s: Server, runId: string): Promise<string[]> {
  const run = await ok(s, 'GET', `/api/v1/workflow-runs/${runId}`);
  const out: string[] = [];
  for (const h of run.history as Array<{ notification_id?: string }>) {
    if (!h.notification_id) continue;
    const n = await s.asUser('u1', 'GET', `/api/v1/me/notifications/${h.notification_id}`);
    out.push(n.body.content?.title);
  }
  return out;
}

for (const backend of BACKENDS) {
  t.test(`${backend}: a change keeps the version it replaces; runs follow theirs`, async (t) => {
    const s = await serverOn(t, backend, CONSOLE);
    if (!s) return;
    s.clock.set(START);
    await ok(s, 'PUT', '/api/v1/subscribers/u1', { name: 'U1' });
    const wf = await ok(s, 'POST', '/api/v1/workflows', { trigger_identifier: 'nudge', steps: V1 });
    const first = await ok(s, 'POST', '/api/v1/workflows/nudge/trigger', { recipient_id: 'u1' });
    await s.server.scheduler.runDue();
    s.clock.set(START + 1000);
    await ok(s, 'PATCH', '/api/v1/workflows/nudge', { steps: V2, name: 'Nudge' });

    const versions = await ok(s, 'GET', `/api/v1/workflows/${wf.id}/versions`);
    t.match(versions, {
      total: 2,
      data: [
        { id: wf.id, version: 2, current: true, name: 'Nudge', steps: V2 },
        { id: wf.id, version: 1, current: false, name: 'nudge', steps: V1 },
      ],
    });
    t.equal(versions.data[1].updated_at, new Date(START).toISOString(), 'when v1 was made');
    t.match(await ok(s, 'GET', '/api/v1/workflows/nudge?version=1'), {
      id: wf.id,
      version: 1,
      steps: V1,
    });
    t.match(await ok(s, 'GET', `/api/v1/workflows/${wf.id}?version=2`), { version: 2, steps: V2 });
    t.match(await ok(s, 'GET', '/api/v1/workflows/nudge'), { version: 2, steps: V2 });
    const none = await s.api('GET', '/api/v1/workflows/nudge?version=3');
    t.equal(none.status, 404);
    t.equal(none.body.error.code, 'WORKFLOW_VERSION_NOT_FOUND');
    t.equal((await s.api('GET', '/api/v1/workflows/nudge?version=0')).status, 400);
    const page = await ok(s, 'GET', '/api/v1/workflows/nudge/versions?per_page=1&page=2');
    t.match(page, { total: 2, page: 2, data: [{ version: 1 }] });
    t.equal(page.data.length, 1);

    // The run started on version 1 goes on with version 1's steps; a new one takes version 2.
    const second = await ok(s, 'POST', '/api/v1/workflows/nudge/trigger', { recipient_id: 'u1' });
    await s.server.scheduler.runDue();
    s.clock.set(START + HOUR + 1000);
    await s.server.scheduler.runDue();
    t.match(await ok(s, 'GET', `/api/v1/workflow-runs/${first.run_id}`), {
      workflow_version: 1,
      status: 'completed',
    });
    t.same(await titles(s, first.run_id), ['v1 now', 'v1 later']);
    t.match(await ok(s, 'GET', `/api/v1/workflow-runs/${second.run_id}`), {
      workflow_version: 2,
      status: 'running',
    });
    s.clock.set(START + 2 * HOUR + 1000);
    await s.server.scheduler.runDue();
    t.same(await titles(s, second.run_id), ['v2 now', 'v2 later']);

    await ok(s, 'DELETE', '/api/v1/workflows/nudge');
    t.equal((await s.store.objects.list({ kind: 'workflow_version' })).total, 0, 'versions go too');
    t.equal((await s.api('GET', `/api/v1/workflows/${wf.id}/versions`)).status, 404);
  });
}
