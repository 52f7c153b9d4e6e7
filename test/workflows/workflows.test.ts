import { join } from 'node:path';
import t, { type Test } from 'tap';
import { loadConfig } from '../../src/config/index.js';
import { FakeClock } from '../../src/core/clock.js';
import type { AnyEvent } from '../../src/events/types.js';
import { openStore } from '../../src/store/index.js';
import { CONSOLE } from '../digests/helpers.js';
import { startServer } from '../helpers/server.js';
import { BACKENDS, KEYS, ok, type Server, serverOn } from '../recipients/servers.js';

const START = Date.UTC(2026, 2, 10, 7, 0);
const HOUR = 3_600_000;

/** The seeds' example: in-app now; after 1 hour, if unread, push; after 24 hours, if still unread, email. */
const EXAMPLE = {
  trigger_identifier: 'comment-reminder',
  name: 'Comment reminder',
  steps: [
    { type: 'send', channel: 'in_app', content: { title: 'New comment', body: 'Alice commented' } },
    { type: 'delay', duration: 'PT1H' },
    { type: 'condition', field: 'notification.read', operator: 'equals', value: false },
    { type: 'send', channel: 'push', content: { title: 'New comment', body: 'Still unread' } },
    { type: 'delay', duration: 'PT23H' },
    {
      type: 'condition',
      field: 'notification.read',
      operator: 'equals',
      value: false,
      on_fail: 'stop',
    },
    {
      type: 'send',
      channel: 'email',
      content: { title: 'You have a comment', body: 'Alice commented' },
    },
  ],
};

async function setup(t: Test, backend: (typeof BACKENDS)[number]) {
  const s = await serverOn(t, backend, CONSOLE);
  if (!s) return null;
  s.clock.set(START);
  await ok(s, 'PUT', '/api/v1/subscribers/u1', { email: 'u1@example.com', name: 'U1' });
  const dev = await s.asUser('u1', 'POST', '/api/v1/me/devices', {
    kind: 'webpush',
    endpoint: 'https://push.example.com/send/abc',
    keys: KEYS,
  });
  t.equal(dev.status, 201, 'push device registered');
  const wf = await ok(s, 'POST', '/api/v1/workflows', EXAMPLE);
  return { s, wf };
}

const sends = (run: { history: Array<{ status: string; channel?: string }> }) =>
  run.history.filter((h) => h.status === 'sent').map((h) => h.channel);

async function readAll(s: Server, run: { history: Array<{ notification_id?: string }> }) {
  const ids = run.history.map((h) => h.notification_id).filter(Boolean);
  const res = await s.asUser('u1', 'POST', `/api/v1/me/notifications/${ids[0]}/read`);
  if (res.status !== 200) throw new Error(`read: ${res.status} ${JSON.stringify(res.body)}`);
}

function events(s: Server, prefix: string): AnyEvent[] {
  const seen: AnyEvent[] = [];
  s.server.events.subscribe((e) => {
    if (e.type.startsWith(prefix)) seen.push(e);
  });
  return seen;
}

for (const backend of BACKENDS) {
  t.test(`${backend}: read before 1 hour: in-app only, then the run stops`, async (t) => {
    const ctx = await setup(t, backend);
    if (!ctx) return;
    const { s, wf } = ctx;
    t.match(wf, { id: /^wfl_/, version: 1, trigger_identifier: 'comment-reminder' });
    const heard = events(s, 'workflow.run.');
    const res = await s.api('POST', `/api/v1/workflows/${wf.id}/trigger`, {
      recipient_id: 'u1',
      payload: { post: 'p1' },
    });
    t.equal(res.status, 202);
    t.match(res.body, { run_id: /^wfr_/, status: 'running' });
    const path = `/api/v1/workflow-runs/${res.body.run_id}`;
    await s.server.scheduler.runDue();
    let run = await ok(s, 'GET', path);
    t.same(sends(run), ['in_app']);
    t.match(run, { status: 'running', current_step: 2, workflow_version: 1 });
    t.equal(run.next_run_at, new Date(START + HOUR).toISOString(), 'waits one hour');
    await readAll(s, run);
    s.clock.set(START + HOUR - 1);
    await s.server.scheduler.runDue();
    t.equal((await ok(s, 'GET', path)).current_step, 2, 'nothing before the hour');
    s.clock.set(START + HOUR);
    await s.server.scheduler.runDue();
    s.clock.set(START + 30 * HOUR);
    await s.server.scheduler.runDue();
    run = await ok(s, 'GET', path);
    t.same(sends(run), ['in_app'], 'nothing more');
    t.match(run, { status: 'stopped', current_step: null });
    t.same(
      run.history.map((h: { status: string }) => h.status),
      ['sent', 'waited', 'stopped'],
    );
    const exp = await ok(s, 'GET', '/api/v1/subscribers/u1/export');
    t.equal(exp.notifications.length, 1, 'one notification in all');
    t.same(
      heard.map((e) => [e.type, (e.data as { status?: string }).status]),
      [
        ['workflow.run.started', undefined],
        ['workflow.run.completed', 'stopped'],
      ],
    );
  });

  t.test(`${backend}: read between 1 and 24 hours: in-app and push only`, async (t) => {
    const ctx = await setup(t, backend);
    if (!ctx) return;
    const { s } = ctx;
    // Started by POST /notifications with `workflow`, by trigger identifier.
    const res = await s.api('POST', '/api/v1/notifications', {
      recipient_id: 'u1',
      workflow: 'comment-reminder',
      payload: { post: 'p1' },
    });
    t.equal(res.status, 202);
    t.match(res.body, { run_id: /^wfr_/, status: 'running', request_id: /^req_/ });
    const path = `/api/v1/workflow-runs/${res.body.run_id}`;
    await s.server.scheduler.runDue();
    s.clock.set(START + HOUR);
    await s.server.scheduler.runDue();
    let run = await ok(s, 'GET', path);
    t.same(sends(run), ['in_app', 'push'], 'unread after an hour: push');
    const push = run.history.find((h: { channel?: string }) => h.channel === 'push');
    const deliveries = await ok(
      s,
      'GET',
      `/api/v1/notifications/${push.notification_id}/deliveries`,
    );
    t.same(
      deliveries.data.map((d: { channel: string }) => d.channel),
      ['push'],
      'the push step went on push',
    );
    await readAll(s, run);
    s.clock.set(START + 24 * HOUR);
    await s.server.scheduler.runDue();
    s.clock.set(START + 48 * HOUR);
    await s.server.scheduler.runDue();
    run = await ok(s, 'GET', path);
    t.same(sends(run), ['in_app', 'push'], 'no email');
    t.equal(run.status, 'stopped');
  });

  t.test(`${backend}: never read: push after 1 hour, email after 24`, async (t) => {
    const ctx = await setup(t, backend);
    if (!ctx) return;
    const { s } = ctx;
    const heard = events(s, 'workflow.run.completed');
    const { run_id } = await ok(s, 'POST', '/api/v1/workflows/comment-reminder/trigger', {
      recipient_id: 'u1',
    });
    const path = `/api/v1/workflow-runs/${run_id}`;
    await s.server.scheduler.runDue();
    s.clock.set(START + HOUR);
    await s.server.scheduler.runDue();
    s.clock.set(START + 24 * HOUR - 1);
    await s.server.scheduler.runDue();
    t.same(sends(await ok(s, 'GET', path)), ['in_app', 'push'], 'no email before 24 hours');
    s.clock.set(START + 24 * HOUR);
    await s.server.scheduler.runDue();
    const run = await ok(s, 'GET', path);
    t.same(sends(run), ['in_app', 'push', 'email']);
    t.match(run, {
      status: 'completed',
      current_step: null,
      ended_at: new Date(START + 24 * HOUR).toISOString(),
    });
    const exp = await ok(s, 'GET', '/api/v1/subscribers/u1/export');
    t.equal(exp.notifications.length, 3, 'three notifications, one per send step');
    t.equal(heard.length, 1);
    t.match(heard[0]?.data, { status: 'completed', run_id });
    // A step's job run again (a node died after its claim) sends nothing twice.
    await s.server.workflows.runs.run({ payload: { run_id, step: 6 } } as never);
    t.equal((await ok(s, 'GET', '/api/v1/subscribers/u1/export')).notifications.length, 3);
  });

  t.test(`${backend}: DELETE and cancellation_key cancel runs`, async (t) => {
    const ctx = await setup(t, backend);
    if (!ctx) return;
    const { s } = ctx;
    const a = await ok(s, 'POST', '/api/v1/workflows/comment-reminder/trigger', {
      recipient_id: 'u1',
    });
    const b = await ok(s, 'POST', '/api/v1/notifications', {
      recipient_id: 'u1',
      workflow: 'comment-reminder',
      cancellation_key: 'post-1',
    });
    await s.server.scheduler.runDue();
    const del = await s.api('DELETE', `/api/v1/workflow-runs/${a.run_id}`);
    t.equal(del.status, 200);
    t.match(del.body, { status: 'cancelled', current_step: null });
    await ok(s, 'POST', '/api/v1/notifications/cancel', { cancellation_key: 'post-1' });
    t.match(await ok(s, 'GET', `/api/v1/workflow-runs/${b.run_id}`), { status: 'cancelled' });
    s.clock.set(START + 48 * HOUR);
    await s.server.scheduler.runDue();
    for (const id of [a.run_id, b.run_id]) {
      t.same(sends(await ok(s, 'GET', `/api/v1/workflow-runs/${id}`)), ['in_app'], 'nothing after');
    }
    const none = await s.api('GET', '/api/v1/workflow-runs/wfr_nope');
    t.equal(none.status, 404);
    t.equal(none.body.error.code, 'WORKFLOW_RUN_NOT_FOUND');
  });
}

t.test('CRUD, versions and bad input', async (t) => {
  const ctx = await setup(t, 'memory');
  if (!ctx) return;
  const { s, wf } = ctx;
  const list = await ok(s, 'GET', '/api/v1/workflows');
  t.equal(list.total, 1);
  t.match(await ok(s, 'GET', '/api/v1/workflows/comment-reminder'), { id: wf.id });
  // A run keeps the version it started on.
  const { run_id } = await ok(s, 'POST', `/api/v1/workflows/${wf.id}/trigger`, {
    recipient_id: 'u1',
  });
  const changed = await ok(s, 'PATCH', `/api/v1/workflows/${wf.id}`, {
    steps: [{ type: 'send', channel: 'in_app', content: { title: 'v2', body: 'x' } }],
    version: 1,
  });
  t.equal(changed.version, 2);
  const stale = await s.api('PATCH', `/api/v1/workflows/${wf.id}`, { name: 'x', version: 1 });
  t.equal(stale.status, 409);
  t.match(await ok(s, 'GET', `/api/v1/workflow-runs/${run_id}`), { workflow_version: 1 });
  const dup = await s.api('POST', '/api/v1/workflows', EXAMPLE);
  t.equal(dup.status, 409);

  const bad = async (steps: unknown[], field: string, status = 400) => {
    const res = await s.api('POST', '/api/v1/workflows', { trigger_identifier: 'bad', steps });
    t.equal(res.status, status, `${field}: ${status}`);
    t.equal(res.body.error.code, 'VALIDATION_ERROR');
    t.match(JSON.stringify(res.body.error.details), field);
  };
  await bad([{ type: 'send', channel: 'email', template: 'no-such' }], 'steps.0.template');
  await bad([{ type: 'delay', duration: '1 hour' }], 'steps.0.duration');
  await bad([{ type: 'delay', duration: 'P2Y' }], 'steps.0.duration');
  await bad([{ type: 'delay', duration: 'PT' }], 'steps.0.duration');
  await bad(
    [{ type: 'condition', field: 'notification.read', operator: 'like', value: 1 }],
    'operator',
  );
  await bad(
    [
      {
        type: 'condition',
        field: 'notification.read',
        operator: 'equals',
        value: false,
        on_fail: { skip_to: 5 },
      },
      { type: 'send', channel: 'in_app', content: { title: 'a', body: 'b' } },
    ],
    'steps.0.on_fail.skip_to',
  );
  await bad([{ type: 'condition', field: 'user.age', operator: 'gt', value: 1 }], 'steps.0.field');
  await bad([{ type: 'send', channel: 'in_app' }], 'steps.0');

  const unknown = await s.api('POST', '/api/v1/workflows/nope/trigger', { recipient_id: 'u1' });
  t.equal(unknown.status, 404);
  t.equal(unknown.body.error.code, 'WORKFLOW_NOT_FOUND');
  const viaSend = await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'u1',
    workflow: 'nope',
  });
  t.equal(viaSend.status, 404);
  const noRecipient = await s.api('POST', '/api/v1/notifications', {
    workflow: 'comment-reminder',
  });
  t.equal(noRecipient.status, 400);
  const inBatch = await s.api('POST', '/api/v1/notifications/batch', {
    notifications: [{ recipient_id: 'u1', workflow: 'comment-reminder' }],
  });
  t.equal(inBatch.status, 400, 'a batch item cannot name a workflow');

  const removed = await s.api('DELETE', `/api/v1/workflows/${wf.id}`);
  t.equal(removed.status, 204);
  t.equal((await s.api('GET', `/api/v1/workflows/${wf.id}`)).status, 404);
});

t.test('a run survives a restart: the next step is a durable job in the store', async (t) => {
  const path = join(t.testdir(), 'w.db');
  const defaults = loadConfig({ env: {} }).store;
  const config = { ...defaults, backend: 'sqlite' as const, sqlite: { ...defaults.sqlite, path } };
  const clock = new FakeClock(START);
  const first = await startServer(t, CONSOLE, await openStore(config), { clock });
  await ok(first, 'POST', '/api/v1/workflows', EXAMPLE);
  const { run_id } = await ok(first, 'POST', '/api/v1/workflows/comment-reminder/trigger', {
    recipient_id: 'u1',
  });
  await first.server.scheduler.runDue();
  await first.server.close();
  const second = await startServer(t, CONSOLE, await openStore(config), { clock });
  clock.set(START + HOUR);
  await second.server.scheduler.runDue();
  const run = await ok(second, 'GET', `/api/v1/workflow-runs/${run_id}`);
  t.same(
    run.history.map((h: { status: string }) => h.status),
    ['sent', 'waited', 'passed', 'failed'],
    'the next node ran the steps after the hour (push fails: u1 has no device here)',
  );
  t.equal(run.status, 'failed');
  t.match(run.history[3], { channel: 'push', error: 'NO_DELIVERY_CHANNEL' });
});
