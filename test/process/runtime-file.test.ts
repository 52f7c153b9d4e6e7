import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../../src/cli/program.js';
import { cliIO } from '../helpers/cli.js';
import { freePort } from '../helpers/client.js';
import { startDaemon } from '../helpers/process.js';

t.test('admin commands find a daemon started with --port through its runtime file', async (t) => {
  const dir = t.testdir({});
  const port = await freePort();
  const daemon = await startDaemon({}, ['--port', String(port)], dir);
  let stopped = false;
  t.teardown(async () => {
    if (stopped) return;
    daemon.child.kill('SIGKILL');
    await daemon.exited;
  });
  const file = join(dir, 'data', 'notifyd.runtime.json');
  t.ok(existsSync(file), 'serve records where it listens beside its data');
  t.match(JSON.parse(readFileSync(file, 'utf8')), {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: daemon.child.pid,
  });

  // No --url, no NOTIFYD_URL, no config file: the command would try 8080 without the record.
  const listed = cliIO({}, dir);
  t.equal(await runCli(['keys', 'list', '--json'], listed.io), 0, listed.err());
  t.ok(Array.isArray(JSON.parse(listed.out()).data ?? JSON.parse(listed.out())));

  const wrong = cliIO({ NOTIFYD_URL: 'http://127.0.0.1:1' }, dir);
  t.equal(await runCli(['keys', 'list'], wrong.io), 1, 'NOTIFYD_URL still wins over the record');

  t.ok(
    daemon.logs.some((l) => l.level === 'warn' && /JWT_SECRET/.test(String(l.msg))),
    'a start without any token key warns and says how to set one',
  );

  daemon.child.kill('SIGTERM');
  t.equal((await daemon.exited).code, 0);
  stopped = true;
  t.notOk(existsSync(file), 'the record is removed on stop');
});
