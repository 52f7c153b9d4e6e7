import t, { type Test } from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import type { AnyEvent } from '../../src/events/types.js';
import type { StoreBackend } from '../../src/store/backends.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { WINDOW_KIND } from '../../src/workflows/digest.js';
import { RUN_KIND } from '../../src/workflows/runs.js';
import { CONSOLE } from '../digests/helpers.js';
import { startServer } from '../helpers/server.js';
import { BACKENDS, ok, type Server, serverOn } from '../recipients/servers.js';

const START = Date.UTC(2026, 2, 10, 7, 0);
const MINUTE = 60_000;

/** Comments on a post, collected for ten minutes, then one in-app message about them all. */
const COMMENTS = {
  trigger_identifier: 'comments',
  steps: [
    { type: 'digest', window: 'PT10M', key: 'payload.post' },
    { type: 'send', channel: 'in_app', template: 'comments-digest' },
  ],
};

const TEMPLATE = {
  key: 'comments-digest',
  name: 'Comments digest',
  channels: {
    in_app: {
      title: '{{ digest.count }} new comment{% if digest.count != 1 %}s{% endif %} on {{ post }}',
      body: '{% for e in digest.events %}{{ e.actor }};{% endfor %} until {{ digest.window_end }}',
    },
  },
};

type Run = {
  status: string;
  current_step: number | null;
  next_run_at: string | null;
  digest: { count: number; status: string; key: string } | null;
  history: Array<{ status: string; notification_id?: string; digested_into?: string }>;
};

async function setup(t: Test, backend: StoreBackend) {
  const s = await serverOn(t, backend, CONSOLE);
  if (!s) return null;
  s.clock.set(START);
  await ok(s, 'PUT', '/api/v1/subscribers/u1', { name: 'U1' });
  await ok(s, 'POST', '/api/v1/templates', TEMPLATE);
  await ok(s, 'POST', '/api/v1/workflows', COMMENTS);
  return s;
}

const trigger = async (s: Server, actor: string, post = 'p1'): Promise<string> =>
  (
    await ok(s, 'POST', '/api/v1/workflows/comments/trigger', {
      recipient_id: 'u1',
      payload: { post, actor },
    })
  ).run_id;

const run = (s: Server, id: string): Promise<Run> => ok(s, 'GET', `/api/v1/workflow-runs/${id}`);

/** The in-app messages the runs sent, oldest first: title and body. */
async function sent(s: Server, ids: string[]) {
  const out: Array<{ title: string; body: string }> = [];
  for (const id of ids) {
    for (const h of (await run(s, id)).history) {
      if (!h.notification_id) continue;
      const n = await s.asUser('u1', 'GET', `/api/v1/me/notifications/${h.notification_id}`);
      out.push({ title: n.body.content?.title, body: n.body.content?.body });
    }
  }
  return out;
}

function completions(s: Server): AnyEvent[] {
  const seen: AnyEvent[] = [];
  s.server.events.subscribe((e) => {
    if (e.type === 'workflow.run.completed') seen.push(e);
  });
  return seen;
}

for (const backend of BACKENDS) {
  t.test(`${backend}: three triggers in the window give one send with count 3`, async (t) => {
    const s = await setup(t, backend);
    if (!s) return;
    const heard = completions(s);
    const a = await trigger(s, 'Alice');
    await s.server.scheduler.runDue();
    let first = await run(s, a);
    t.match(first, {
      status: 'running',
      current_step: 0,
      next_run_at: new Date(START + 10 * MINUTE).toISOString(),
      digest: { status: 'collecting', count: 1, key: 'p1' },
    });
    s.clock.set(START + MINUTE);
    const b = await trigger(s, 'Bob');
    await s.server.scheduler.runDue();
    s.clock.set(START + 9 * MINUTE);
    const c = await trigger(s, 'Carol');
    await s.server.scheduler.runDue();
    for (const id of [b, c]) {
      t.match(await run(s, id), {
        status: 'digested',
        current_step: null,
        history: [{ step: 0, type: 'digest', status: 'digested', digested_into: a }],
      });
    }
    t.match((await run(s, a)).digest, { count: 3 }, 'the window counts three');
    s.clock.set(START + 10 * MINUTE - 1);
    await s.server.scheduler.runDue();
    t.equal((await run(s, a)).status, 'running', 'nothing before the window ends');
    s.clock.set(START + 10 * MINUTE);
    await s.server.scheduler.runDue();
    first = await run(s, a);
    t.match(first, { status: 'completed', digest: { status: 'closed', count: 3 } });
    t.same(
      first.history.map((h) => h.status),
      ['collecting', 'closed', 'sent'],
    );
    t.same(await sent(s, [a, b, c]), [
      {
        title: '3 new comments on p1',
        body: 'Carol;Bob;Alice; until 2026-03-10T07:10:00.000Z',
      },
    ]);
    t.same(
      heard.map((e) => [
        (e.data as { run_id: string }).run_id,
        (e.data as { status: string }).status,
      ]),
      [
        [b, 'digested'],
        [c, 'digested'],
        [a, 'completed'],
      ],
    );
    // The steps' jobs run again (a node died after a claim): nothing is sent twice.
    for (const [step, phase] of [
      [0, undefined],
      [0, 'close'],
      [1, undefined],
    ] as const)
      await s.server.workflows.runs.run({ payload: { run_id: a, step, phase } } as never);
    t.equal((await sent(s, [a])).length, 1);
  });

  t.test(`${backend}: a trigger after the window opens a new one`, async (t) => {
    const s = await setup(t, backend);
    if (!s) return;
    const a = await trigger(s, 'Alice');
    await s.server.scheduler.runDue();
    s.clock.set(START + 10 * MINUTE);
    // Due at the same instant as the close: a window is open until, not at, its end.
    const b = await trigger(s, 'Bob');
    await s.server.scheduler.runDue();
    t.match(await run(s, b), { status: 'running', digest: { status: 'collecting', count: 1 } });
    s.clock.set(START + 15 * MINUTE);
    const c = await trigger(s, 'Carol');
    const other = await trigger(s, 'Dan', 'p2');
    await s.server.scheduler.runDue();
    t.match(await run(s, c), { status: 'digested', history: [{ digested_into: b }] });
    t.match(await run(s, other), { status: 'running' }, 'another key, another window');
    s.clock.set(START + 25 * MINUTE);
    await s.server.scheduler.runDue();
    t.same(
      (await sent(s, [a, b, other])).map((m) => m.title),
      ['1 new comment on p1', '2 new comments on p1', '1 new comment on p2'],
    );
  });
}

// The window is a store-level guarantee: the durable shared backends too.
for (const backend of [...BACKENDS, 'redis', 'postgres'] as const) {
  t.test(`${backend}: concurrent triggers still give one continuation`, async (t) => {
    const s = await setup(t, backend);
    if (!s) return;
    const actors = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];
    const ids = await Promise.all(actors.map((who) => trigger(s, who)));
    // The first steps' jobs are claimed together and run at once.
    await s.server.scheduler.runDue();
    const runs = await Promise.all(ids.map((id) => run(s, id)));
    const open = runs.filter((r) => r.status === 'running');
    t.equal(open.length, 1, 'one run holds the window');
    t.equal(runs.filter((r) => r.status === 'digested').length, actors.length - 1);
    const holder = ids[runs.indexOf(open[0] as Run)] as string;
    t.ok(
      runs.every((r) => r.status === 'running' || r.history[0]?.digested_into === holder),
      'the others went into it',
    );
    // Concurrent re-runs of the steps' jobs change nothing.
    await Promise.all(
      ids.map((id) => s.server.workflows.runs.run({ payload: { run_id: id, step: 0 } } as never)),
    );
    s.clock.set(START + 10 * MINUTE);
    await Promise.all([
      s.server.scheduler.runDue(),
      s.server.workflows.runs.run({
        payload: { run_id: holder, step: 0, phase: 'close' },
      } as never),
    ]);
    await s.server.scheduler.runDue();
    const messages = await sent(s, ids);
    t.equal(messages.length, 1, 'one send');
    t.match(messages[0], { title: `${actors.length} new comments on p1` });
  });
}

t.test('a run that joined a window before its step failed is not digested twice', async (t) => {
  const store = createMemoryStore();
  const clock = new FakeClock(START);
  const s: Server = { ...(await startServer(t, CONSOLE, store, { clock })), clock };
  await ok(s, 'PUT', '/api/v1/subscribers/u1', { name: 'U1' });
  await ok(s, 'POST', '/api/v1/templates', TEMPLATE);
  await ok(s, 'POST', '/api/v1/workflows', COMMENTS);
  const a = await trigger(s, 'Alice');
  await s.server.scheduler.runDue();
  // Bob's run joins Alice's window, then its node fails before the run records that it did:
  // the first write of a run after a write of a window throws.
  const update = store.objects.update;
  let armed = false;
  let failed = false;
  store.objects.update = async (kind, id, change, expected, at) => {
    if (kind === RUN_KIND && armed && !failed) {
      failed = true;
      throw new Error('the node died');
    }
    const out = await update(kind, id, change, expected, at);
    if (kind === WINDOW_KIND && out.status === 'ok') armed = true;
    return out;
  };
  s.clock.set(START + 9 * MINUTE + 58_000);
  const b = await trigger(s, 'Bob');
  await s.server.scheduler.runDue();
  t.ok(failed, "Bob's step failed after the join");
  t.match(await run(s, a), { digest: { count: 2 } }, "Bob is in Alice's window");
  // Alice's window closes before Bob's step is tried again (5 s later).
  s.clock.set(START + 10 * MINUTE);
  await s.server.scheduler.runDue();
  t.match(await run(s, a), { status: 'completed', digest: { status: 'closed', count: 2 } });
  s.clock.set(START + 10 * MINUTE + 5_000);
  await s.server.scheduler.runDue();
  t.match(
    await run(s, b),
    { status: 'digested', history: [{ status: 'digested', digested_into: a }] },
    'the retry finds the window it joined',
  );
  s.clock.set(START + 30 * MINUTE);
  await s.server.scheduler.runDue();
  t.same(
    (await sent(s, [a, b])).map((m) => m.title),
    ['2 new comments on p1'],
    'Bob is counted once',
  );
});

t.test('cancelling the run that holds a window ends the window', async (t) => {
  const s = await setup(t, 'memory');
  if (!s) return;
  const a = await trigger(s, 'Alice');
  await s.server.scheduler.runDue();
  t.match(await ok(s, 'DELETE', `/api/v1/workflow-runs/${a}`), { status: 'cancelled' });
  s.clock.set(START + MINUTE);
  const b = await trigger(s, 'Bob');
  await s.server.scheduler.runDue();
  t.match(await run(s, b), { status: 'running', digest: { count: 1 } }, 'a new window');
  s.clock.set(START + 20 * MINUTE);
  await s.server.scheduler.runDue();
  t.same(
    (await sent(s, [a, b])).map((m) => m.title),
    ['1 new comment on p1'],
  );
});

t.test('a condition reads digest.count; bad digest steps are 400', async (t) => {
  const s = await setup(t, 'memory');
  if (!s) return;
  await ok(s, 'POST', '/api/v1/workflows', {
    trigger_identifier: 'busy',
    steps: [
      { type: 'digest', window: 'PT1H' },
      { type: 'condition', field: 'digest.count', operator: 'gt', value: 1 },
      { type: 'send', channel: 'in_app', template: 'comments-digest' },
    ],
  });
  const start = (actor: string) =>
    ok(s, 'POST', '/api/v1/workflows/busy/trigger', {
      recipient_id: 'u1',
      payload: { actor, post: actor },
    });
  const lone = await start('Alice');
  await s.server.scheduler.runDue();
  s.clock.set(START + 60 * MINUTE);
  await s.server.scheduler.runDue();
  t.match(await run(s, lone.run_id), { status: 'stopped' }, 'one trigger: no send');
  const [x, y] = [await start('Bob'), await start('Carol')];
  await s.server.scheduler.runDue();
  s.clock.set(START + 120 * MINUTE);
  await s.server.scheduler.runDue();
  t.match(await run(s, y.run_id), { status: 'digested' }, 'no key: one window per recipient');
  t.same(
    (await sent(s, [x.run_id])).map((m) => m.title),
    ['2 new comments on Bob'],
  );

  const bad = async (step: Record<string, unknown>, field: string) => {
    const res = await s.api('POST', '/api/v1/workflows', {
      trigger_identifier: 'bad',
      steps: [step, { type: 'send', channel: 'in_app', content: { title: 'a', body: 'b' } }],
    });
    t.equal(res.status, 400, field);
    t.equal(res.body.error.code, 'VALIDATION_ERROR');
    t.match(JSON.stringify(res.body.error.details), field);
  };
  await bad({ type: 'digest', window: '10 minutes' }, 'steps.0.window');
  await bad({ type: 'digest', window: 'P2Y' }, 'steps.0.window');
  await bad({ type: 'digest', window: 'PT10M', key: 'post' }, 'steps.0.key');
  await bad({ type: 'digest', window: 'PT10M', key: 'payload.' }, 'steps.0.key');
  await bad({ type: 'digest', key: 'payload.post' }, 'window');
});
