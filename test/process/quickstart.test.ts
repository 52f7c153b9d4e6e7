import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../../src/cli/program.js';
import { startDaemon } from '../helpers/process.js';

t.test('first start: a bootstrap key file lets the CLI create the first API key', async (t) => {
  const dir = t.testdir({});
  const daemon = await startDaemon({}, [], dir);
  t.teardown(async () => {
    daemon.child.kill('SIGTERM');
    // shutdown.test.ts asserts the graceful stop; here it must only never hang the suite.
    const timer = setTimeout(() => daemon.child.kill('SIGKILL'), 10_000);
    await daemon.exited;
    clearTimeout(timer);
  });
  const keyFile = join(dir, 'data', 'admin.key');
  t.ok(existsSync(join(dir, 'data', 'notifyd.db')), 'the default database is ./data/notifyd.db');
  t.ok(existsSync(keyFile), 'the bootstrap key is written to ./data/admin.key');
  t.equal(statSync(keyFile).mode & 0o777, 0o600, 'readable by its owner only');
  const hinted = () => daemon.logs.some((l) => String(l.msg).includes('notifyd keys create'));
  for (let i = 0; i < 100 && !hinted(); i++) await new Promise((r) => setTimeout(r, 20));
  t.ok(
    daemon.logs.some((l) => String(l.msg).includes('notifyd keys create')),
    'the log says how to create a first key',
  );
  t.notOk(JSON.stringify(daemon.logs).includes('nk_'), 'the key itself is never logged');

  const out: string[] = [];
  const io = {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: () => true },
    env: { NOTIFYD_URL: daemon.url },
    cwd: dir,
  };
  const code = await runCli(
    ['keys', 'create', '--scope', 'notifications:send', '--name', 'backend'],
    io,
  );
  t.equal(code, 0);
  const key = out.join('').trim();
  const res = await fetch(`${daemon.url}/api/v1/notifications`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ recipient_id: 'alice', content: { title: 'Hi', body: 'first' } }),
  });
  t.equal(res.status, 202);
});
