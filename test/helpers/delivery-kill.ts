/**
 * kill -9 while sending: a `notifyd serve` node sends webhook deliveries to a slow peer and
 * is killed with some in flight; a second node on the same data sends the rest. None is
 * lost, and a delivery reaches the peer twice only when the dead node held its lease, the
 * second time after that lease ran out.
 */
import type { Test } from 'tap';
import { loadConfig } from '../../src/config/index.js';
import { DEFAULT_TENANT } from '../../src/core/tenancy.js';
import { openStore } from '../../src/store/index.js';
import { type DeliveryPeer, startDeliveryPeer } from './delivery-peer.js';
import { adminCall, inParallel } from './engine-kill.js';
import { type Daemon, daemonFor, startDaemon } from './process.js';
import { ADMIN_KEY } from './server.js';

const SECRET = 'kill9-deliveries-secret';
/** Short, so that the second node takes the dead one's deliveries soon; above the timeout. */
const LEASE_MS = 10_000;
/** Generous: a send timing out would be retried by the same node, a duplicate not under test. */
const TIMEOUT_MS = 8000;
/** How long the peer holds each answer while the first node sends. */
const SLOW_MS = 40;
/** Accepted sends, and deliveries the first node completed, before the kill. */
const ACCEPTED_BEFORE_KILL = 300;
const SENT_BEFORE_KILL = 50;
/** Bound on every wait: far above what a loaded machine needs, far below tap's limit. */
const WAIT_BOUND_MS = 45_000;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `ready()` holds (checked every few ms); fails the test after the bound. */
async function waitFor(t: Test, what: string, ready: () => boolean): Promise<boolean> {
  const until = Date.now() + WAIT_BOUND_MS;
  while (!ready()) {
    if (Date.now() > until) {
      t.fail(`${what}: not within ${WAIT_BOUND_MS} ms`);
      return false;
    }
    await pause(5);
  }
  return true;
}

/** A node whose webhook provider posts to `path` on the peer (the path names the node). */
function nodeEnv(peer: DeliveryPeer, path: string, env: Record<string, string>) {
  const provider = {
    name: 'hook',
    plugin: 'webhook',
    options: { url: `${peer.url}${path}`, secret: SECRET, timeout_ms: TIMEOUT_MS },
  };
  return {
    // Durability is under test, not the per-key limit.
    NOTIFYD_RATELIMIT__DEFAULT_PER_KEY_PER_MINUTE: '1000000',
    NOTIFYD_PROVIDERS__WEBHOOK: JSON.stringify([provider]),
    NOTIFYD_DELIVERY__WORKERS__LEASE_MS: String(LEASE_MS),
    NOTIFYD_DELIVERY__TIMEOUT_MS: String(TIMEOUT_MS),
    // Fewer sends in flight than sends accepted: some deliveries are still queued at the kill.
    NOTIFYD_DELIVERY__WORKERS__CONCURRENCY: '4',
    ...env,
  };
}

/**
 * Sends webhook notifications from 8 clients until `stop()`; `accepted` are the ids that got
 * their 202 (a request cut by the kill never did).
 */
function sendUntilStopped(daemon: Daemon) {
  const accepted: string[] = [];
  let next = 0;
  let stopped = false;
  const client = async () => {
    while (!stopped) {
      const i = next++;
      try {
        const res = await fetch(`${daemon.url}/api/v1/notifications`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            recipient_id: `user${i % 8}`,
            content: { title: `n${i}`, body: 'kill -9 while sending' },
            channels: ['webhook'],
          }),
        });
        const body = (await res.json()) as { notification_id: string };
        if (res.status === 202) accepted.push(body.notification_id);
      } catch {
        return; // the process died under this request: it never got its 202
      }
    }
  };
  const clients = Array.from({ length: 8 }, client);
  return {
    accepted,
    stop: async () => {
      stopped = true;
      await Promise.all(clients);
    },
  };
}

/** The webhook delivery of each notification, read from the store (its lease included). */
async function storedDeliveries(env: Record<string, string>, ids: readonly string[]) {
  const store = await openStore(loadConfig({ env }).store);
  const rows = new Map<string, { id: string; status: string; lease_until: number | null }>();
  try {
    await inParallel(ids, 8, async (id) => {
      const all = await store.deliveries.listByNotification(DEFAULT_TENANT, id);
      const row = all.find((d) => d.channel === 'webhook');
      if (row) rows.set(id, row);
    });
  } finally {
    await store.close();
  }
  return rows;
}

export async function deliveriesSurviveKill9(
  t: Test,
  env: Record<string, string>,
  beforeRestart?: () => Promise<void>,
): Promise<void> {
  const peer = await startDeliveryPeer(t, SECRET);
  peer.delayMs = SLOW_MS;
  const first = await startDaemon(nodeEnv(peer, '/a', env));
  const sends = sendUntilStopped(first);
  const answeredFromA = () => peer.got.length - peer.held;
  const ready = await waitFor(
    t,
    'the first node sends',
    () =>
      sends.accepted.length >= ACCEPTED_BEFORE_KILL &&
      answeredFromA() >= SENT_BEFORE_KILL &&
      peer.held > 0,
  );
  // In the same tick as the check: the held requests cannot be answered before the kill.
  const heldAtKill = peer.held;
  first.child.kill('SIGKILL');
  await sends.stop();
  t.equal((await first.exited).signal, 'SIGKILL');
  if (!ready) return;
  peer.delayMs = 0;
  const accepted = [...sends.accepted];
  t.ok(heldAtKill > 0, `killed with ${heldAtKill} of its sends at the peer awaiting an answer`);

  await beforeRestart?.();
  const before = await storedDeliveries(env, accepted);
  t.equal(before.size, accepted.length, `each of the ${accepted.length} accepted has its row`);
  const leasedByA = new Map<string, number>();
  for (const row of before.values()) {
    if (row.status === 'pending' && row.lease_until !== null) {
      leasedByA.set(row.id, row.lease_until);
    }
  }
  t.ok(leasedByA.size > 0, `the dead node held ${leasedByA.size} leases`);

  const second = await daemonFor(t, nodeEnv(peer, '/b', env));
  const early = Math.max(...leasedByA.values()) - Date.now();
  t.comment(
    `the second node listens ${Math.abs(early)} ms ${early >= 0 ? 'before' : 'after'} the last lease runs out`,
  );
  await waitFor(t, 'every accepted notification reaches the peer, the leased ones again', () => {
    const seen = new Set(peer.got.map((d) => d.notification_id));
    const again = new Set(peer.got.filter((d) => d.path === '/b').map((d) => d.delivery_id));
    return (
      accepted.every((id) => seen.has(id)) && [...leasedByA.keys()].every((id) => again.has(id))
    );
  });
  await checkDeliveries(t, { peer, second, accepted, leasedByA });
}

/** Lost, duplicated, re-sent early, settled: what the peer and the API say after the restart. */
async function checkDeliveries(
  t: Test,
  run: {
    peer: DeliveryPeer;
    second: Daemon;
    accepted: string[];
    leasedByA: Map<string, number>;
  },
) {
  const { peer, second, accepted, leasedByA } = run;
  const byNode = (path: string) => {
    const count = new Map<string, number>();
    for (const d of peer.got) {
      if (d.path === path) count.set(d.delivery_id, (count.get(d.delivery_id) ?? 0) + 1);
    }
    return count;
  };
  const fromA = byNode('/a');
  const fromB = byNode('/b');
  const twiceByOneNode = [...fromA, ...fromB].filter(([, n]) => n > 1).map(([id]) => id);
  t.same(twiceByOneNode, [], 'no node sent a delivery twice');
  const duplicates = [...fromA.keys()].filter((id) => fromB.has(id));
  t.same(
    duplicates.filter((id) => !leasedByA.has(id)),
    [],
    `the ${duplicates.length} sent twice were all leased by the dead node`,
  );
  t.ok(duplicates.length > 0, 'the deliveries in flight at the kill were sent again');
  const early = peer.got.filter(
    (d) => d.path === '/b' && leasedByA.has(d.delivery_id) && d.at < leasedByA.get(d.delivery_id)!,
  );
  t.same(early, [], 'none of the dead node’s deliveries was sent again before its lease ran out');
  t.equal(peer.badSignatures, 0, 'every delivery was signed');

  // Each ends `sent`, claimed once (or twice: once by the dead node, once after its lease).
  const wrong: string[] = [];
  await inParallel(accepted, 16, async (id) => {
    for (let tries = 0; ; tries++) {
      const res = await adminCall(second, 'GET', `/api/v1/notifications/${id}/deliveries`);
      const row = (res.body?.data ?? []).find((d: { channel: string }) => d.channel === 'webhook');
      if (row?.status === 'pending' && tries < 200) {
        await pause(50); // the peer answered; the settle is on its way
        continue;
      }
      const attempts = leasedByA.has(row?.id) ? 2 : 1;
      if (row?.status !== 'sent' || row.attempts !== attempts) {
        wrong.push(`${id}: ${row?.status} after ${row?.attempts} attempts (${attempts} expected)`);
      }
      return;
    }
  });
  t.same(wrong, [], `all ${accepted.length} accepted deliveries are sent`);
  const resentAfterLease = peer.got
    .filter((d) => d.path === '/b' && leasedByA.has(d.delivery_id))
    .map((d) => d.at - leasedByA.get(d.delivery_id)!);
  const fresh = [...fromB.keys()].filter((id) => !leasedByA.has(id)).length;
  t.comment(
    `${fromA.size} sent by the dead node, ${fresh} queued ones by the second; ${duplicates.length} duplicates of ${accepted.length}, re-sent ${Math.min(...resentAfterLease)}–${Math.max(...resentAfterLease)} ms after their lease ran out (lease ${LEASE_MS} ms)`,
  );
}
