import { join } from 'node:path';
import t from 'tap';
import { startDaemon } from '../helpers/process.js';
import { ADMIN_KEY, JWT_SECRET, userToken } from '../helpers/server.js';

const USERS = 8;

t.test('every notification that got a 202 survives kill -9 on SQLite', async (t) => {
  const dir = t.testdir();
  const env = {
    NOTIFYD_ADMIN_KEY: ADMIN_KEY,
    JWT_SECRET,
    NOTIFYD_STORE__SQLITE__PATH: join(dir, 'notifyd.db'),
    NOTIFYD_AUTH__BOOTSTRAP_KEY_FILE: '',
  };
  const first = await startDaemon(env);
  const accepted: string[] = [];
  let sent = 0;
  let stop = false;
  const worker = async (w: number) => {
    while (!stop) {
      const i = sent++;
      try {
        const res = await fetch(`${first.url}/api/v1/notifications`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            recipient_id: `user${i % USERS}`,
            content: { title: `n${i}`, body: `w${w}` },
          }),
        });
        if (res.status === 202)
          accepted.push(((await res.json()) as { notification_id: string }).notification_id);
      } catch {
        return; // the connection died with the process: that request never got its 202
      }
    }
  };
  const workers = Array.from({ length: 32 }, (_, w) => worker(w));
  while (accepted.length < 1500) await new Promise((r) => setTimeout(r, 5));
  first.child.kill('SIGKILL');
  stop = true;
  await Promise.all(workers);
  t.equal((await first.exited).signal, 'SIGKILL');
  t.ok(accepted.length >= 1500, `${accepted.length} accepted before the kill`);

  const second = await startDaemon(env);
  t.teardown(() => {
    second.child.kill('SIGKILL');
  });
  const stored = new Set<string>();
  for (let u = 0; u < USERS; u++) {
    const token = await userToken(`user${u}`);
    let cursor: string | null = '';
    while (cursor !== null) {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const res = await fetch(`${second.url}/api/v1/me/notifications?limit=100${q}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const page = (await res.json()) as { data: Array<{ id: string }>; cursor: string | null };
      for (const n of page.data) stored.add(n.id);
      cursor = page.cursor;
    }
  }
  const lost = accepted.filter((id) => !stored.has(id));
  t.same(lost, [], `all ${accepted.length} accepted notifications are in the feed after restart`);
});
