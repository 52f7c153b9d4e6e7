import { join } from 'node:path';
import t from 'tap';
import { startDaemon } from '../helpers/process.js';
import { ADMIN_KEY, connect, JWT_SECRET, userToken } from '../helpers/server.js';

t.test('SIGTERM: in-flight requests finish, sockets get a shutdown frame, exit 0', async (t) => {
  const dir = t.testdir();
  const daemon = await startDaemon({
    NOTIFYD_ADMIN_KEY: ADMIN_KEY,
    JWT_SECRET,
    NOTIFYD_STORE__SQLITE__PATH: join(dir, 'notifyd.db'),
    NOTIFYD_AUTH__BOOTSTRAP_KEY_FILE: '',
  });
  const ws = await connect(
    t,
    `ws://127.0.0.1:${daemon.port}/api/v1/ws?token=${await userToken('u')}`,
  );
  await ws.next('authenticated');
  const inflight = Array.from({ length: 50 }, (_, i) =>
    fetch(`${daemon.url}/api/v1/notifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ recipient_id: 'u', content: { title: `n${i}`, body: '' } }),
    }).then(
      (r) => r.status,
      () => 0,
    ),
  );
  daemon.child.kill('SIGTERM');
  const statuses = await Promise.all(inflight);
  t.ok(
    statuses.every((s) => s === 202 || s === 503 || s === 0),
    'requests finish or are refused cleanly',
  );
  const shutdown = await ws.next('shutdown');
  t.type(shutdown.data.reconnect_after_seconds, 'number');
  t.equal((await ws.closed).code, 1001);
  t.same(await daemon.exited, { code: 0, signal: null });
  t.ok(
    daemon.logs.some((l) => l.msg === 'stopped'),
    'logs that it stopped',
  );
});
