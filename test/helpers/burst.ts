import type { Test } from 'tap';
import { type Daemon, daemonFor, startDaemon } from './process.js';
import { ADMIN_KEY, userToken } from './server.js';

export const USERS = 8;

/**
 * Sends from 32 concurrent clients until `atLeast` got their 202, then kills the daemon
 * with SIGKILL mid-burst. Resolves to the ids that got a 202; requests that died with the
 * process never did.
 */
export async function burstThenKill(
  t: Test,
  daemon: Daemon,
  atLeast = 1500,
  /** The send body for the i-th request (by default an inline in-app one). */
  bodyOf: (i: number, w: number) => Record<string, unknown> = (i, w) => ({
    recipient_id: `user${i % USERS}`,
    content: { title: `n${i}`, body: `w${w}` },
  }),
): Promise<string[]> {
  const accepted: string[] = [];
  let sent = 0;
  let stop = false;
  const worker = async (w: number) => {
    while (!stop) {
      const i = sent++;
      try {
        const res = await fetch(`${daemon.url}/api/v1/notifications`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify(bodyOf(i, w)),
        });
        if (res.status === 202)
          accepted.push(((await res.json()) as { notification_id: string }).notification_id);
      } catch {
        return; // the connection died with the process: that request never got its 202
      }
    }
  };
  const workers = Array.from({ length: 32 }, (_, w) => worker(w));
  while (accepted.length < atLeast) await new Promise((r) => setTimeout(r, 5));
  daemon.child.kill('SIGKILL');
  stop = true;
  await Promise.all(workers);
  t.equal((await daemon.exited).signal, 'SIGKILL');
  t.ok(accepted.length >= atLeast, `${accepted.length} accepted before the kill`);
  return accepted;
}

/** Every notification id in the feeds of the burst's users, read through the daemon. */
export async function feedIds(daemon: Daemon): Promise<Set<string>> {
  const stored = new Set<string>();
  for (let u = 0; u < USERS; u++) {
    const token = await userToken(`user${u}`);
    let cursor: string | null = '';
    while (cursor !== null) {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const res = await fetch(`${daemon.url}/api/v1/me/notifications?limit=100${q}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const page = (await res.json()) as { data: Array<{ id: string }>; cursor: string | null };
      for (const n of page.data) stored.add(n.id);
      cursor = page.cursor;
    }
  }
  return stored;
}

/**
 * The whole check: a burst, kill -9, a restart on the same data, and every 202 in the feed.
 * `beforeRestart` may take the backend down and up too (e.g. restart Redis from its AOF).
 */
export async function survivesKill9(
  t: Test,
  env: Record<string, string>,
  beforeRestart?: () => Promise<void>,
): Promise<void> {
  // One admin key sends the whole burst: the default 1,000 a minute per key would make the
  // burst wait out its window. Durability is what is under test, not the limit.
  const daemonEnv = { NOTIFYD_RATELIMIT__DEFAULT_PER_KEY_PER_MINUTE: '1000000', ...env };
  const first = await startDaemon(daemonEnv);
  const accepted = await burstThenKill(t, first);
  await beforeRestart?.();
  const second = await daemonFor(t, daemonEnv);
  const stored = await feedIds(second);
  const lost = accepted.filter((id) => !stored.has(id));
  t.same(lost, [], `all ${accepted.length} accepted notifications are in the feed after restart`);
}
