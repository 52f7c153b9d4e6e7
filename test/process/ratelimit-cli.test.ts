import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import { BIN, type Daemon, startDaemon } from '../helpers/process.js';

const run = promisify(execFile);
const ADMIN = 'nk_process_test_admin_key_0123456789';

function daemonIn(dir: string): Promise<Daemon> {
  return startDaemon({ NOTIFYD_AUTH__ADMIN_KEY: ADMIN }, [], dir);
}

async function stop(daemon: Daemon): Promise<void> {
  daemon.child.kill('SIGTERM');
  const timer = setTimeout(() => daemon.child.kill('SIGKILL'), 10_000);
  await daemon.exited;
  clearTimeout(timer);
}

/** Runs the built binary as a user would; resolves to its exit code and output. */
async function notifyd(daemon: Daemon, args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', NOTIFYD_URL: daemon.url, NOTIFYD_API_KEY: ADMIN },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

t.test('the notifyd binary manages policies on a running daemon, and they persist', async (t) => {
  const dir = t.testdir({});
  let daemon = await daemonIn(dir);
  t.teardown(() => stop(daemon));

  const created = await notifyd(
    daemon,
    'policy create --name free --limit 100/minute --scope api_key --algorithm token_bucket --burst 20'.split(
      ' ',
    ),
  );
  t.equal(created.code, 0, created.stderr);
  t.match(created.stdout, /^free \(rlp_\w+, default, version 1\)/);

  const bad = await notifyd(daemon, ['policy', 'create', '--name', 'x', '--limit', 'lots']);
  t.not(bad.code, 0);
  t.match(bad.stderr, /--limit <count\/window>/);
  t.equal(bad.stderr.trim().split('\n').length, 1, 'one line');

  const rule = await notifyd(daemon, [
    'rule',
    'create',
    '--policy',
    'free',
    '--target',
    'api_key',
    '--json',
  ]);
  t.equal(rule.code, 0, rule.stderr);
  const ruleId = JSON.parse(rule.stdout).id as string;
  const conflict = await notifyd(daemon, [
    'rule',
    'create',
    '--policy',
    'free',
    '--target',
    'api_key',
  ]);
  t.equal(conflict.code, 1);
  t.match(conflict.stderr, /^notifyd: RULE_CONFLICT \(409\)/);

  await stop(daemon);
  daemon = await daemonIn(dir);
  const listed = await notifyd(daemon, ['policy', 'list', '--json']);
  t.equal(listed.code, 0, listed.stderr);
  t.match(JSON.parse(listed.stdout), {
    total: 1,
    data: [{ name: 'free', burst: { max_burst: 20 } }],
  });
  const rules = await notifyd(daemon, ['rule', 'list']);
  t.match(rules.stdout, new RegExp(`${ruleId}\\s+default`), 'the rule survived the restart');
});
