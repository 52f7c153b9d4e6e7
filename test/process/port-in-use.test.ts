import { spawn } from 'node:child_process';
import t from 'tap';
import { BIN, startDaemon } from '../helpers/process.js';

t.test('a second serve on a port in use fails at start with the reason', async (t) => {
  const dir = t.testdir({});
  const first = await startDaemon({ NOTIFYD_STORE__BACKEND: 'memory' }, [], dir);
  t.teardown(async () => {
    first.child.kill('SIGTERM');
    const timer = setTimeout(() => first.child.kill('SIGKILL'), 10_000);
    await first.exited;
    clearTimeout(timer);
  });
  const second = spawn(process.execPath, [BIN, 'serve', '--port', String(first.port)], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', NOTIFYD_STORE__BACKEND: 'memory' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  second.stderr.on('data', (d) => {
    stderr += d;
  });
  const timer = setTimeout(() => second.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => second.on('exit', resolve));
  clearTimeout(timer);
  t.equal(code, 1, 'exits non-zero');
  t.match(stderr, new RegExp(`port ${first.port} is in use`));
  t.equal(stderr.trim().split('\n').length, 1, 'one line');
  const health = await fetch(`${first.url}/healthz`);
  t.equal(health.status, 200, 'the first daemon still serves');
});
