import type { Test } from 'tap';
import { type Daemon, daemonFor, startDaemon } from './process.js';
import { ADMIN_KEY, userToken } from './server.js';

async function api(d: Daemon, method: string, path: string, body?: unknown) {
  const res = await fetch(`${d.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back
  return { status: res.status, body: (await res.json()) as any };
}

/**
 * A scheduled send survives kill -9: the daemon answers 202 for a send due in 2 s and is
 * killed at once; a second daemon on the same data sends it (once) when it is due.
 */
export async function scheduledSurvivesKill9(t: Test, env: Record<string, string>) {
  const daemonEnv = { NOTIFYD_SCHEDULER__POLL_INTERVAL_MS: '100', ...env };
  const first = await startDaemon(daemonEnv);
  const user = `sched-${process.pid}-${Date.now()}`;
  const accepted = await api(first, 'POST', '/api/v1/notifications', {
    recipient_id: user,
    content: { title: 'after the crash', body: '' },
    send_at: new Date(Date.now() + 2000).toISOString(),
  });
  t.equal(accepted.status, 202);
  const id = accepted.body.scheduled_id as string;
  first.child.kill('SIGKILL');
  t.equal((await first.exited).signal, 'SIGKILL');
  const second = await daemonFor(t, daemonEnv);
  let view = await api(second, 'GET', `/api/v1/scheduled/${id}`);
  t.equal(view.status, 200, 'the scheduled send outlived the process');
  while (view.body.status !== 'sent') {
    t.not(view.body.status, 'failed', 'it does not fail');
    await new Promise((r) => setTimeout(r, 50));
    view = await api(second, 'GET', `/api/v1/scheduled/${id}`);
  }
  const token = await userToken(user);
  const feed = await fetch(`${second.url}/api/v1/me/notifications`, {
    headers: { authorization: `Bearer ${token}` },
  }).then((r) => r.json() as Promise<{ data: Array<{ request_id: string }> }>);
  t.equal(feed.data.length, 1, 'sent once');
  t.equal(feed.data[0]?.request_id, accepted.body.request_id);
  t.ok(Date.parse(view.body.updated_at) >= Date.parse(view.body.send_at), 'not before send_at');
}
