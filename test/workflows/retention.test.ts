import t from 'tap';
import { CONSOLE } from '../digests/helpers.js';
import { BACKENDS, ok, type Server, serverOn } from '../recipients/servers.js';

const START = Date.UTC(2026, 2, 10, 7, 0);
const MINUTE = 60_000;
const DAY = 86_400_000;

const say = { type: 'send', channel: 'in_app', content: { title: 'Hi', body: 'there' } };

const start = async (s: Server, workflow: string, payload: Record<string, unknown> = {}) =>
  (await ok(s, 'POST', `/api/v1/workflows/${workflow}/trigger`, { recipient_id: 'u1', payload }))
    .run_id as string;

const status = async (s: Server, id: string) => {
  const res = await s.api('GET', `/api/v1/workflow-runs/${id}`);
  return res.status === 404 ? 'gone' : (res.body.status as string);
};

const windows = async (s: Server) =>
  (await s.store.objects.list({ kind: 'workflow_digest' })).items.map(
    (o) => (o.data as { status: string }).status,
  );

// Purging reads and deletes through the object store: every backend, the shared ones too.
for (const backend of [...BACKENDS, 'redis', 'postgres'] as const) {
  t.test(`${backend}: ended runs and closed windows go after retention`, async (t) => {
    const s = await serverOn(t, backend, CONSOLE);
    if (!s) return;
    s.clock.set(START);
    await ok(s, 'PUT', '/api/v1/subscribers/u1', { name: 'U1' });
    await ok(s, 'POST', '/api/v1/workflows', { trigger_identifier: 'quick', steps: [say] });
    await ok(s, 'POST', '/api/v1/workflows', {
      trigger_identifier: 'slow',
      steps: [{ type: 'delay', duration: 'P60D' }, say],
    });
    await ok(s, 'POST', '/api/v1/workflows', {
      trigger_identifier: 'grouped',
      steps: [{ type: 'digest', window: 'PT10M' }, say],
    });
    const quick = await start(s, 'quick');
    const slow = await start(s, 'slow');
    const opener = await start(s, 'grouped', { n: 1 });
    await s.server.scheduler.runDue();
    const digested = await start(s, 'grouped', { n: 2 });
    await s.server.scheduler.runDue();
    // The window ends: it closes, and a trigger at its end opens the next one.
    s.clock.set(START + 10 * MINUTE);
    const open = await start(s, 'grouped', { n: 3 });
    await s.server.scheduler.runDue();
    t.same(
      [await status(s, opener), await status(s, digested), await status(s, open)],
      ['completed', 'digested', 'running'],
    );
    t.same((await windows(s)).sort(), ['closed', 'open'], 'one window closed, the next open');
    s.clock.set(START + 20 * DAY);
    const recent = await start(s, 'quick');
    await s.server.scheduler.runDue();
    t.equal(await status(s, open), 'completed', 'its window closed');

    s.clock.set(START + 30 * DAY);
    t.same(await s.server.workflows.retention.run(), { runs: 0, windows: 0 }, 'not yet');
    s.clock.set(START + 30 * DAY + 11 * MINUTE);
    t.same(await s.server.workflows.retention.run(), { runs: 3, windows: 1 });
    t.same(
      await Promise.all([quick, opener, digested, slow, open, recent].map((id) => status(s, id))),
      ['gone', 'gone', 'gone', 'running', 'completed', 'completed'],
      'a running run stays however old',
    );
    t.same(await windows(s), ['closed'], 'the window closed since stays');
    t.same(await s.server.workflows.retention.run(), { runs: 0, windows: 0 }, 'once');

    s.clock.set(START + 51 * DAY);
    t.same(await s.server.workflows.retention.run(), { runs: 2, windows: 1 });
    t.same(
      await Promise.all([slow, open, recent].map((id) => status(s, id))),
      ['running', 'gone', 'gone'],
      'the slow run waits for its delay: it is still running',
    );
    t.same(await windows(s), []);
  });
}

t.test('0 days keeps them forever', async (t) => {
  const s = await serverOn(t, 'memory', {
    ...CONSOLE,
    workflows: { retention: { runs_days: 0, windows_days: 0 } },
  });
  if (!s) return;
  s.clock.set(START);
  await ok(s, 'PUT', '/api/v1/subscribers/u1', { name: 'U1' });
  await ok(s, 'POST', '/api/v1/workflows', { trigger_identifier: 'quick', steps: [say] });
  const quick = await start(s, 'quick');
  await s.server.scheduler.runDue();
  s.clock.set(START + 3650 * DAY);
  t.same(await s.server.workflows.retention.run(), { runs: 0, windows: 0 });
  t.equal(await status(s, quick), 'completed');
});
