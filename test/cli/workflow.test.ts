import t from 'tap';
import { runCli } from '../../src/cli/program.js';
import { FakeClock } from '../../src/core/clock.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { cliIO } from '../helpers/cli.js';
import { ADMIN_KEY, startServer } from '../helpers/server.js';

const NOW = Date.UTC(2026, 5, 1, 12);
const MINUTE = 60_000;

const YAML = `trigger_identifier: comments
name: Comments
steps:
  - type: digest
    window: PT10M
    key: payload.post
  - type: condition
    field: digest.count
    operator: gt
    value: 1
    on_fail:
      skip_to: 3
  - type: send
    channel: in_app
    content:
      title: Several new comments
      body: ""
  - type: delay
    duration: PT1H
  - type: send
    channel: in_app
    content:
      title: Reminder
      body: ""
`;

t.test('notifyd workflow create|list|show|trigger|runs|cancel|delete', async (t) => {
  const clock = new FakeClock(NOW);
  const s = await startServer(t, {}, createMemoryStore(), { clock });
  const dir = t.testdir({
    'comments.yaml': YAML,
    'ping.json': JSON.stringify({
      trigger_identifier: 'ping',
      steps: [{ type: 'send', channel: 'in_app', content: { title: 'Ping', body: '' } }],
    }),
    'bad.yaml': 'trigger_identifier: bad\nsteps:\n  - type: digest\n    window: soon\n',
    'payload.yaml': 'post: p1\nactor: Bob\n',
  });
  const env = { NOTIFYD_URL: s.url, NOTIFYD_API_KEY: ADMIN_KEY };
  const run = async (args: string[], code = 0) => {
    const r = cliIO(env, dir);
    t.equal(await runCli(args, r.io), code, `notifyd ${args.join(' ')} ${r.err()}`);
    return r;
  };

  const created = (await run(['workflow', 'create', '-f', 'comments.yaml'])).out();
  t.match(created, /^comments \(wfl_\w+, default, version 1\): Comments\n/);
  t.match(created, / 0 {2}digest {5}window PT10M, key payload\.post\n/);
  t.match(created, / 1 {2}condition {2}digest\.count gt 1, else skip to 3\n/);
  t.match(created, / 2 {2}send {7}in_app, "Several new comments"\n/);
  t.match(created, / 3 {2}delay {6}PT1H\n/);
  const ping = JSON.parse((await run(['workflow', 'create', '-f', 'ping.json', '--json'])).out());
  t.match(ping, { id: /^wfl_/, trigger_identifier: 'ping', name: 'ping' });
  const bad = await run(['workflow', 'create', '-f', 'bad.yaml'], 1);
  t.match(bad.err(), /^notifyd: VALIDATION_ERROR \(400\): not an ISO 8601 duration.*soon\n$/);
  t.match((await run(['workflow', 'create', '-f', 'nope.yaml'], 1)).err(), /cannot read nope/);

  const list = (await run(['workflow', 'list'])).out();
  t.match(list, /TRIGGER\s+ID\s+NAME\s+STEPS\s+VERSION/);
  t.match(list, /comments\s+wfl_\w+\s+Comments\s+digest,condition,send,delay,send\s+1/);
  t.match(list, /ping\s+wfl_\w+\s+ping\s+send\s+1/);
  t.match((await run(['workflow', 'show', 'ping'])).out(), /^ping \(wfl_\w+, default, version 1\)/);

  const started = await run([
    'workflow',
    'trigger',
    'comments',
    '--recipient',
    'u1',
    '--payload',
    '{"post":"p1","actor":"Ann"}',
  ]);
  const first = /Started run (wfr_\w+) of comments for u1\./.exec(started.out())?.[1] as string;
  t.ok(first, started.out());
  await s.server.scheduler.runDue();
  const second = JSON.parse(
    (
      await run([
        'workflow',
        'trigger',
        'comments',
        '--recipient',
        'u1',
        '--payload-file',
        'payload.yaml',
        '--json',
      ])
    ).out(),
  );
  t.match(second, { run_id: /^wfr_/, status: 'running' });
  await s.server.scheduler.runDue();

  const holding = (await run(['workflow', 'runs', first])).out();
  t.match(
    holding,
    new RegExp(`^${first}: running at step 0 \\(next at 2026-06-01T12:10:00.000Z\\)`),
  );
  t.match(holding, /workflow {3}comments \(wfl_\w+, version 1\)/);
  t.match(holding, /digest {5}collecting, 2 triggers \(key p1\)/);
  t.match(holding, / 0 {2}digest {5}collecting {2}\S+ {2}until 2026-06-01T12:10:00.000Z/);
  const digested = (await run(['workflow', 'show', 'comments', '--run', second.run_id])).out();
  t.match(digested, new RegExp(`^${second.run_id}: digested at `));
  t.match(digested, new RegExp(`digested +\\S+ +into ${first}`));
  t.match(
    (await run(['workflow', 'show', 'ping', '--run', first], 1)).err(),
    /is a run of comments, not of ping/,
  );

  clock.set(NOW + 10 * MINUTE);
  await s.server.scheduler.runDue();
  const after = JSON.parse((await run(['workflow', 'runs', first, '--json'])).out());
  t.match(after, {
    status: 'running',
    current_step: 4,
    digest: { status: 'closed', count: 2 },
  });
  t.same(
    after.history.map((h: { status: string }) => h.status),
    ['collecting', 'closed', 'passed', 'sent', 'waited'],
  );
  t.match((await run(['workflow', 'run', first])).out(), /closed {6}\S+ {2}2 collected/);
  t.equal((await run(['workflow', 'cancel', first])).out(), `Cancelled run ${first}.\n`);
  t.equal((await run(['workflow', 'cancel', first])).out(), `Cancelled run ${first}.\n`, 'again');
  const done = JSON.parse(
    (await run(['workflow', 'trigger', 'ping', '--recipient', 'u1', '--json'])).out(),
  );
  await s.server.scheduler.runDue();
  t.equal(
    (await run(['workflow', 'cancel', done.run_id])).out(),
    `Run ${done.run_id} had ended: completed.\n`,
  );

  const both = ['--payload', '{}', '--payload-file', 'payload.yaml'];
  const trig = ['workflow', 'trigger', 'comments', '--recipient', 'u1'];
  t.match((await run([...trig, ...both], 1)).err(), /not both/);
  t.match((await run([...trig, '--payload', 'nope'], 1)).err(), /--payload is not JSON/);
  t.match((await run([...trig, '--payload', '[1]'], 1)).err(), /must be a JSON object/);
  t.match(
    (await run(['workflow', 'trigger', 'nope', '--recipient', 'u1'], 1)).err(),
    /WORKFLOW_NOT_FOUND \(404\)/,
  );
  t.match((await run(['workflow', 'runs', 'wfr_nope'], 1)).err(), /WORKFLOW_RUN_NOT_FOUND/);

  // A workflow's runs, newest first, and its versions.
  const listed = (await run(['workflow', 'runs', 'ping'])).out();
  t.match(listed, /^RUN +STATUS +RECIPIENT +VERSION +STEP +STARTED +ENDED \/ NEXT\n/);
  t.match(listed, new RegExp(`\\n${done.run_id} +completed +u1 +1 +`));
  const page = JSON.parse((await run(['workflow', 'runs', 'comments', '--json'])).out());
  t.ok(
    page.data.length > 0 &&
      page.data.every((r: { trigger_identifier: string }) => r.trigger_identifier === 'comments'),
  );
  t.same(
    JSON.parse((await run(['workflow', 'runs', 'comments', '--status', 'running', '--json'])).out())
      .data,
    [],
    'the running one was cancelled',
  );
  const limited = (await run(['workflow', 'runs', 'comments', '--limit', '1'])).out();
  t.match(limited, /\(more: --before wfr_\w+\)\n$/);
  t.match((await run(['workflow', 'runs', 'nope'], 1)).err(), /WORKFLOW_NOT_FOUND/);
  const twice = [0, 1].map(() => ({
    type: 'send',
    channel: 'in_app',
    content: { title: 'Ping', body: '' },
  }));
  t.equal((await s.api('PATCH', '/api/v1/workflows/ping', { steps: twice })).status, 200);
  const versions = (await run(['workflow', 'versions', 'ping'])).out();
  t.match(versions, /^VERSION +STEPS +MADE\n2 +current +send,send +\S+\n1 +send +\S+\n/);
  t.match(
    (await run(['workflow', 'show', 'ping', '--workflow-version', '1'])).out(),
    /version 1\)/,
  );
  t.match(
    (await run(['workflow', 'show', 'ping', '--workflow-version', '9'], 1)).err(),
    /WORKFLOW_VERSION_NOT_FOUND/,
  );
  t.equal((await run(['workflow', 'delete', 'ping'])).out(), 'Deleted workflow ping.\n');
  t.notMatch((await run(['workflow', 'list'])).out(), /ping/);
});
