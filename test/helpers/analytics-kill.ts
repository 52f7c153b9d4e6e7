/**
 * kill -9 while events are tracked through `POST /analytics/events/batch`: a batch that got
 * its 202 was written before the answer, so after a restart on the same data, sending it
 * again finds every one of its events stored (each a duplicate by its event_id).
 */
import type { Test } from 'tap';
import { daemonFor, startDaemon } from './process.js';
import { ADMIN_KEY } from './server.js';

const BATCH = 100;

function batch(w: number, i: number): { events: Record<string, unknown>[] } {
  return {
    events: Array.from({ length: BATCH }, (_, k) => ({
      event_type: 'kill9.tracked',
      user_id: `u${(i * BATCH + k) % 500}`,
      event_id: `w${w}-b${i}-e${k}`,
      properties: { w, k },
    })),
  };
}

async function send(url: string, body: unknown): Promise<Response> {
  return fetch(`${url}/api/v1/analytics/events/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

export async function trackedSurvivesKill9(
  t: Test,
  env: Record<string, string>,
  beforeRestart?: () => Promise<void>,
): Promise<void> {
  const daemonEnv = { NOTIFYD_RATELIMIT__DEFAULT_PER_KEY_PER_MINUTE: '1000000', ...env };
  const first = await startDaemon(daemonEnv);
  const accepted: { events: Record<string, unknown>[] }[] = [];
  let stop = false;
  const worker = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const body = batch(w, i);
      try {
        const res = await send(first.url, body);
        const answer = (await res.json()) as { accepted: number };
        if (res.status === 202 && answer.accepted === BATCH) accepted.push(body);
      } catch {
        return; // the connection died with the process: that batch never got its 202
      }
    }
  };
  const workers = Array.from({ length: 8 }, (_, w) => worker(w));
  while (accepted.length * BATCH < 5000) await new Promise((r) => setTimeout(r, 5));
  first.child.kill('SIGKILL');
  stop = true;
  await Promise.all(workers);
  t.equal((await first.exited).signal, 'SIGKILL');
  await beforeRestart?.();
  const second = await daemonFor(t, daemonEnv);
  let missing = 0;
  for (const body of accepted) {
    const res = await send(second.url, body);
    const answer = (await res.json()) as { accepted: number; duplicates: number };
    missing += answer.accepted;
  }
  t.equal(
    missing,
    0,
    `all ${accepted.length * BATCH} events that got a 202 are stored after restart`,
  );
}
