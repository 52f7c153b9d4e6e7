/**
 * kill -9 checks for the notification engine's sends, against a real `notifyd serve`:
 * a routed send (template with in_app + push + email, recipients with an email and a device)
 * and a topic send killed while its paged fan-out is midway.
 */
import type { Test } from 'tap';
import { burstThenKill, USERS } from './burst.js';
import { type Daemon, daemonFor, startDaemon } from './process.js';
import { ADMIN_KEY, userToken } from './server.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back
type Json = any;

/** One admin call to a daemon; the JSON answer and its status. */
export async function adminCall(
  daemon: Daemon,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${daemon.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Runs `fn` over `items` with `width` calls in flight. */
export async function inParallel<T>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: width }, lane));
}

const TEMPLATE = {
  key: 'kill-routed',
  name: 'Routed under kill -9',
  channels: {
    in_app: { title: 'Hi {{ name }}', body: 'Order {{ order }}' },
    push: { title: 'Order {{ order }}', body: 'On its way' },
    email: { subject: 'Order {{ order }}', html: '<p>{{ name }}, it ships.</p>' },
  },
};

async function expect2xx(t: Test, what: string, res: { status: number; body: Json }) {
  if (res.status >= 300) t.fail(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** The template, and the burst's users with an email and one FCM device each. */
async function seedRouted(t: Test, daemon: Daemon): Promise<void> {
  await expect2xx(t, 'template', await adminCall(daemon, 'POST', '/api/v1/templates', TEMPLATE));
  for (let u = 0; u < USERS; u++) {
    const id = `user${u}`;
    await expect2xx(
      t,
      id,
      await adminCall(daemon, 'PUT', `/api/v1/subscribers/${id}`, {
        email: `${id}@example.com`,
      }),
    );
    await expect2xx(
      t,
      `${id} device`,
      await adminCall(daemon, 'POST', `/api/v1/subscribers/${id}/devices`, {
        kind: 'fcm',
        token: `fcm-token-${id}`,
      }),
    );
  }
}

/** A provider for a channel that only logs who a message was for. */
const logOnly = (channel: string) =>
  JSON.stringify([
    { name: `log-${channel}`, plugin: 'console', options: { include_content: false } },
  ]);

const durableEnv = (env: Record<string, string>) => ({
  // Durability is what is under test, not the per-key limit.
  NOTIFYD_RATELIMIT__DEFAULT_PER_KEY_PER_MINUTE: '1000000',
  // Nor the per-user caps (many sends per recipient would be deferred).
  NOTIFYD_NOTIFICATIONS__CAPS__ENABLED: 'false',
  // Push and email need a provider to be routed at all.
  NOTIFYD_PROVIDERS__PUSH: logOnly('push'),
  NOTIFYD_PROVIDERS__EMAIL: logOnly('email'),
  ...env,
});

/**
 * Template sends from 32 clients, kill -9 once `atLeast` got their 202, restart on the same
 * data: every accepted notification is there with its in_app, push (per device) and email rows.
 */
export async function routedSurvivesKill9(
  t: Test,
  env: Record<string, string>,
  beforeRestart?: () => Promise<void>,
  atLeast = 600,
): Promise<void> {
  const daemonEnv = durableEnv(env);
  const first = await startDaemon(daemonEnv);
  await seedRouted(t, first);
  const accepted = await burstThenKill(t, first, atLeast, (i) => ({
    recipient_id: `user${i % USERS}`,
    template: TEMPLATE.key,
    payload: { name: `U${i % USERS}`, order: `A-${i}` },
  }));
  await beforeRestart?.();
  const second = await daemonFor(t, daemonEnv);
  const missing: string[] = [];
  const incomplete: Array<{ id: string; rows: string[] }> = [];
  await inParallel(accepted, 16, async (id) => {
    const res = await adminCall(second, 'GET', `/api/v1/notifications/${id}/deliveries`);
    if (res.status !== 200) {
      missing.push(id);
      return;
    }
    const rows = (res.body.data as Array<{ channel: string; device_id: string | null }>).map((d) =>
      d.device_id ? `${d.channel}:device` : d.channel,
    );
    if (rows.sort().join(',') !== 'email,in_app,push:device') incomplete.push({ id, rows });
  });
  t.same(missing, [], `all ${accepted.length} accepted routed notifications survive`);
  t.same(incomplete, [], 'each keeps its in_app, push (per device) and email delivery rows');
  // And the feed holds them too (the in-app channel is the feed).
  const feed = new Set<string>();
  for (let u = 0; u < USERS; u++) {
    const token = await userToken(`user${u}`);
    let cursor: string | null = '';
    while (cursor !== null) {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const res = await fetch(`${second.url}/api/v1/me/notifications?limit=100${q}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const page = (await res.json()) as { data: Array<{ id: string }>; cursor: string | null };
      for (const n of page.data) feed.add(n.id);
      cursor = page.cursor;
    }
  }
  t.same(
    accepted.filter((id) => !feed.has(id)),
    [],
    'every accepted one is in its feed',
  );
}

/** Subscribers m0…m(n-1) (every other one with an email and a device) in topic `kill`. */
async function seedTopic(t: Test, daemon: Daemon, members: number): Promise<string[]> {
  await expect2xx(t, 'template', await adminCall(daemon, 'POST', '/api/v1/templates', TEMPLATE));
  await expect2xx(
    t,
    'topic',
    await adminCall(daemon, 'POST', '/api/v1/topics', { key: 'kill', name: 'Kill' }),
  );
  const ids = Array.from({ length: members }, (_, i) => `m${String(i).padStart(5, '0')}`);
  await inParallel(ids, 16, async (id) => {
    const half = Number(id.slice(1)) % 2 === 0;
    await expect2xx(
      t,
      id,
      await adminCall(
        daemon,
        'PUT',
        `/api/v1/subscribers/${id}`,
        half ? { email: `${id}@x.example` } : {},
      ),
    );
    if (half) {
      await expect2xx(
        t,
        `${id} device`,
        await adminCall(daemon, 'POST', `/api/v1/subscribers/${id}/devices`, {
          kind: 'fcm',
          token: `tok-${id}`,
        }),
      );
    }
  });
  for (let i = 0; i < ids.length; i += 1000) {
    await expect2xx(
      t,
      'members',
      await adminCall(daemon, 'POST', '/api/v1/topics/kill/subscribers', {
        subscribers: ids.slice(i, i + 1000),
      }),
    );
  }
  return ids;
}

/**
 * A topic send to `members` subscribers, kill -9 while the fan-out is midway (some pages
 * written, not all), restart: the fan-out finishes and every member has exactly one
 * notification, with its delivery rows.
 */
export async function topicSurvivesKill9(
  t: Test,
  env: Record<string, string>,
  beforeRestart?: () => Promise<void>,
  members = 3000,
): Promise<void> {
  const daemonEnv = durableEnv(env);
  const first = await startDaemon(daemonEnv);
  const ids = await seedTopic(t, first, members);
  const sent = await adminCall(first, 'POST', '/api/v1/topics/kill/notifications', {
    template: TEMPLATE.key,
    payload: { name: 'Member', order: 'T-1' },
    idempotency_key: 'kill-topic-1',
  });
  t.equal(sent.status, 202, JSON.stringify(sent.body));
  const requestId = sent.body.request_id as string;
  // Wait for the first page to be recorded, then kill before the last one is.
  let progress: Json;
  for (;;) {
    progress = (await adminCall(first, 'GET', `/api/v1/requests/${requestId}`)).body;
    if (progress.accepted > 0 || progress.status !== 'running') break;
  }
  first.child.kill('SIGKILL');
  t.equal((await first.exited).signal, 'SIGKILL');
  t.equal(progress.status, 'running', `killed midway (${progress.accepted} of ${members} done)`);
  t.ok(progress.accepted < members, 'some members were still to go');
  await beforeRestart?.();
  const second = await daemonFor(t, daemonEnv);
  let done: Json;
  for (;;) {
    done = (await adminCall(second, 'GET', `/api/v1/requests/${requestId}`)).body;
    if (done.status !== 'running') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  t.match(done, { status: 'completed', rejected: 0, skipped: 0, topic: 'kill' });
  t.ok(done.accepted >= members, `${done.accepted} accepted for ${members} members`);
  const counts = new Map<string, number>();
  const noRows: string[] = [];
  await inParallel(ids, 16, async (id) => {
    const token = await userToken(id);
    const res = await fetch(`${second.url}/api/v1/me/notifications?limit=100`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const page = (await res.json()) as { data: Array<{ id: string }> };
    counts.set(id, page.data.length);
    // One member in 50 (all with an email and a device) has its delivery rows checked too.
    if (page.data.length === 1 && Number(id.slice(1)) % 50 === 0) {
      const d = await adminCall(
        second,
        'GET',
        `/api/v1/notifications/${page.data[0].id}/deliveries`,
      );
      const channels = (d.body.data as Array<{ channel: string; status: string }>)
        .filter((r) => r.status !== 'skipped')
        .map((r) => r.channel)
        .sort()
        .join(',');
      if (channels !== 'email,in_app,push') noRows.push(`${id}: ${channels}`);
    }
  });
  const wrong = [...counts].filter(([, n]) => n !== 1);
  t.same(wrong, [], 'every member has exactly one notification: none lost, none twice');
  t.same(noRows, [], 'members with an email and a device have all three delivery rows');
}
