import t, { type Test } from 'tap';
import type { StoreBackend } from '../../src/store/backends.js';
import { CONSOLE } from '../digests/helpers.js';
import { BACKENDS, KEYS, ok, type Server, serverOn, settled } from '../recipients/servers.js';

/**
 * Per-user channel caps (notifications.caps): past the cap a delivery is deferred to the
 * next window's start (its row `deferred` with the time; the workers claim it then), urgent
 * bypasses, a full deferred queue is 429 USER_CAP_EXCEEDED, a category has its own cap. Fake
 * clock; the delivery workers are off so the test claims through the delivery port itself.
 */
const HOUR = 3_600_000;
// 10:20 UTC: the hour's window runs to 11:00.
const START = Date.UTC(2026, 4, 12, 10, 20);
const NEXT = Date.UTC(2026, 4, 12, 11, 0);

async function setup(t: Test, backend: StoreBackend, caps: object = {}) {
  const s = await serverOn(t, backend, {
    ...CONSOLE,
    delivery: { workers: { enabled: false } },
    notifications: { caps: { enabled: true, ...caps } },
  } as never);
  if (!s) return null;
  s.clock.set(START);
  await ok(s, 'PUT', '/api/v1/subscribers/u1', { email: 'u1@example.com' });
  const dev = await s.asUser('u1', 'POST', '/api/v1/me/devices', {
    kind: 'webpush',
    endpoint: 'https://push.example.com/send/abc',
    keys: KEYS,
  });
  t.equal(dev.status, 201, 'push device registered');
  return s;
}

const push = (s: Server, extra: object = {}) =>
  s.api('POST', '/api/v1/notifications', {
    recipient_id: 'u1',
    channels: ['push'],
    content: { title: 'Hi', body: 'there' },
    ...extra,
  });

const claimable = async (s: Server, channel = 'push') =>
  (await s.server.deliveries.claim([channel], 100, 100 * HOUR)).length;

async function rowOf(s: Server, id: string, channel: string) {
  const rows = (await ok(s, 'GET', `/api/v1/notifications/${id}/deliveries`)).data;
  return rows.find((r: { channel: string }) => r.channel === channel);
}

for (const backend of BACKENDS) {
  t.test(`${backend}: the 11th push in an hour goes at the next hour`, async (t) => {
    const s = await setup(t, backend);
    if (!s) return;
    for (let i = 0; i < 10; i++) t.equal((await push(s)).status, 202);
    t.equal(await claimable(s), 10, 'ten go now');
    const res = await push(s);
    t.equal(res.status, 202);
    t.same(res.body.channels_deferred, { push: new Date(NEXT).toISOString() });
    t.match(await rowOf(s, res.body.notification_id, 'push'), {
      status: 'deferred',
      next_attempt_at: new Date(NEXT).toISOString(),
    });
    t.equal(await claimable(s), 0, 'held in this hour');
    s.clock.set(NEXT - 1);
    t.equal(await claimable(s), 0, 'a millisecond before the hour');
    s.clock.set(NEXT);
    t.equal(await claimable(s), 1, 'handed out at the hour');
    // The deferred one used a slot of the new hour: nine more go in it, the tenth waits.
    for (let i = 0; i < 9; i++) t.notOk((await push(s)).body.channels_deferred);
    t.ok((await push(s)).body.channels_deferred, 'the new hour is full too');
  });

  t.test(`${backend}: urgent bypasses the cap`, async (t) => {
    const s = await setup(t, backend);
    if (!s) return;
    for (let i = 0; i < 10; i++) await push(s);
    const res = await push(s, { priority: 'urgent' });
    t.equal(res.status, 202);
    t.notOk(res.body.channels_deferred);
    t.equal(await claimable(s), 11);
  });

  t.test(`${backend}: a full deferred queue answers 429 USER_CAP_EXCEEDED`, async (t) => {
    const s = await setup(t, backend, { max_deferred: 15 });
    if (!s) return;
    const at: string[] = [];
    for (let i = 0; i < 25; i++) {
      const res = await push(s);
      t.equal(res.status, 202, JSON.stringify(res.body));
      at.push(res.body.channels_deferred?.push ?? 'now');
    }
    t.equal(at.filter((a) => a === 'now').length, 10);
    t.equal(at.filter((a) => a === new Date(NEXT).toISOString()).length, 10);
    t.equal(at.filter((a) => a === new Date(NEXT + HOUR).toISOString()).length, 5);
    const res = await push(s);
    t.equal(res.status, 429);
    t.match(res.body.error, {
      code: 'USER_CAP_EXCEEDED',
      details: { recipient_id: 'u1', channel: 'push', max: 10, window: 'hour', max_deferred: 15 },
    });
    t.type(res.body.error.request_id, 'string', 'the error envelope');
  });

  t.test(`${backend}: a category has its own cap`, async (t) => {
    const s = await setup(t, backend, {
      overrides: [{ channel: 'push', max: 2, window: 'hour', category: 'marketing' }],
    });
    if (!s) return;
    const promo = () => push(s, { category: 'marketing' });
    t.notOk((await promo()).body.channels_deferred);
    t.notOk((await promo()).body.channels_deferred);
    t.same((await promo()).body.channels_deferred, { push: new Date(NEXT).toISOString() });
    // Other categories still have the channel's ten.
    t.notOk((await push(s)).body.channels_deferred, 'a general push goes now');
  });

  t.test(`${backend}: email counts per UTC day; a tenant override wins`, async (t) => {
    const s = await setup(t, backend, {
      email_per_day: 1,
      overrides: [{ channel: 'email', max: 3, window: 'day', tenant: 'other' }],
    });
    if (!s) return;
    const mail = () =>
      s.api('POST', '/api/v1/notifications', {
        recipient_id: 'u1',
        channels: ['email'],
        content: { title: 'Hi', body: 'there' },
      });
    t.notOk((await mail()).body.channels_deferred);
    t.same((await mail()).body.channels_deferred, {
      email: new Date(Date.UTC(2026, 4, 13)).toISOString(),
    });
  });

  t.test(`${backend}: a capped in-app notification enters the feed at the hour`, async (t) => {
    const s = await setup(t, backend, { in_app_per_hour: 1 });
    if (!s) return;
    const inApp = (title: string) =>
      ok(s, 'POST', '/api/v1/notifications', {
        recipient_id: 'u1',
        content: { title, body: '' },
      });
    await inApp('first');
    const held = await inApp('second');
    t.same(held.channels_deferred, { in_app: new Date(NEXT).toISOString() });
    t.match(await rowOf(s, held.notification_id, 'in_app'), { status: 'deferred' });
    const feed = async () =>
      (await s.asUser('u1', 'GET', '/api/v1/me/notifications')).body.data.map(
        (n: { content: { title: string } }) => n.content.title,
      );
    t.same(await feed(), ['first'], 'not in the feed before the hour');
    await s.server.scheduler.runDue();
    t.same(await feed(), ['first'], 'nor after running what is due now');
    s.clock.set(NEXT);
    await s.server.scheduler.runDue();
    t.same(await feed(), ['second', 'first'], 'in the feed at the hour, newest');
    t.match(await rowOf(s, held.notification_id, 'in_app'), { status: 'delivered' });
    await s.server.scheduler.runDue();
    t.same(await feed(), ['second', 'first'], 'once');
  });
}

// A topic's page counts its members' caps with one call of the rate-limit store: here on
// every backend's store, the durable ones included.
for (const backend of [...BACKENDS, 'redis', 'postgres'] as const) {
  t.test(`${backend}: a topic send counts each member against their own cap`, async (t) => {
    const s = await setup(t, backend, { push_per_hour: 1, max_deferred: 1 });
    if (!s) return;
    for (const id of ['u2', 'u3']) {
      await ok(s, 'PUT', `/api/v1/subscribers/${id}`, { email: `${id}@example.com` });
      await ok(s, 'POST', `/api/v1/subscribers/${id}/devices`, { kind: 'fcm', token: `t-${id}` });
    }
    // u1 used this hour's push and has one booked in the next (max_deferred); u2 used its
    // push; u3 nothing.
    t.notOk((await push(s)).body.channels_deferred);
    t.ok((await push(s)).body.channels_deferred);
    t.notOk((await push(s, { recipient_id: 'u2' })).body.channels_deferred);
    await ok(s, 'POST', '/api/v1/topics', { key: 'news', name: 'News' });
    await ok(s, 'POST', '/api/v1/topics/news/subscribers', { subscribers: ['u1', 'u2', 'u3'] });
    const sent = await ok(s, 'POST', '/api/v1/topics/news/notifications', {
      channels: ['push'],
      content: { title: 'News', body: 'today' },
    });
    t.match(await settled(s, sent.request_id), {
      status: 'completed',
      accepted: 2,
      rejected: 1,
      errors: [{ recipient_id: 'u1', code: 'USER_CAP_EXCEEDED' }],
    });
    const rowFor = async (id: string) => {
      const all = await s.store.notifications.listAll('default', id, null, 10);
      const n = all.find((x) => x.request_id === sent.request_id);
      t.ok(n, `${id}: the topic's notification`);
      return rowOf(s, n!.id, 'push');
    };
    t.match(await rowFor('u2'), {
      status: 'deferred',
      next_attempt_at: new Date(NEXT).toISOString(),
    });
    t.match(await rowFor('u3'), { status: 'pending' });
    t.equal(await claimable(s), 3, 'u1 and u2 before the topic, u3 from it');
    s.clock.set(NEXT);
    t.equal(await claimable(s), 2, "at the hour: u1's deferred one and u2's from the topic");
  });
}

/** What became of one send: its error code, or when each channel goes ('now' or the time). */
async function outcome(
  s: Server,
  res: { status: number; code?: string; notification_id?: string },
): Promise<string> {
  if (!res.notification_id) return `${res.status} ${res.code}`;
  const rows = (await ok(s, 'GET', `/api/v1/notifications/${res.notification_id}/deliveries`))
    .data as Array<{ channel: string; status: string; next_attempt_at: string | null }>;
  return rows
    .map((r) => `${r.channel}:${r.status === 'deferred' ? r.next_attempt_at : 'now'}`)
    .sort()
    .join(' ');
}

// A batch counts its items' caps with one call of the rate-limit store when that answers as
// counting them one by one would (else item by item, in order): either way each item ends as
// it would sent alone, in its place.
for (const backend of [...BACKENDS, 'redis', 'postgres'] as const) {
  t.test(
    `${backend}: a batch with several items for one capped user, as sent one by one`,
    async (t) => {
      const caps = { push_per_hour: 1, email_per_day: 2, max_deferred: 2 };
      const item = (to: string, channels: string[], title: string) => ({
        recipient_id: to,
        channels,
        content: { title, body: 'b' },
      });
      const pushes = [
        item('u1', ['push'], 'a'),
        item('u2', ['push'], 'b'),
        item('u1', ['push'], 'c'),
        item('u1', ['push'], 'd'),
        item('u2', ['push'], 'e'),
        item('u1', ['push'], 'f'),
        item('u1', ['push'], 'g'),
      ];
      // Two capped channels an item: counted item by item. The third's push is refused before
      // its email is counted, so the fourth's email still goes now (one call would differ).
      const both = [
        item('u2', ['push', 'email'], 'h'),
        item('u1', ['email', 'push'], 'i'),
        item('u2', ['push', 'email'], 'j'),
        item('u2', ['email'], 'k'),
      ];
      const start = async () => {
        const s = await setup(t, backend, caps);
        if (!s) return null;
        await ok(s, 'PUT', '/api/v1/subscribers/u2', { email: 'u2@example.com' });
        await ok(s, 'POST', '/api/v1/subscribers/u2/devices', { kind: 'fcm', token: 't-u2' });
        return s;
      };
      const alone = await start();
      const batched = await start();
      if (!alone || !batched) return;
      for (const items of [pushes, both]) {
        const expected: string[] = [];
        for (const body of items) {
          const res = await alone.api('POST', '/api/v1/notifications', body);
          expected.push(
            await outcome(alone, {
              status: res.status,
              code: res.body.error?.code,
              notification_id: res.body.notification_id,
            }),
          );
        }
        const store = batched.store.ratelimit;
        const calls = { consumeMany: 0 };
        const { consumeMany } = store;
        store.consumeMany = (...a) => {
          calls.consumeMany++;
          return consumeMany.apply(store, a);
        };
        const res = await batched.api('POST', '/api/v1/notifications/batch', {
          notifications: items,
        });
        store.consumeMany = consumeMany;
        t.equal(res.status, 202);
        const got: string[] = [];
        for (const r of res.body.results) {
          got.push(
            await outcome(batched, {
              status: r.status === 'accepted' ? 202 : 429,
              code: r.error?.code,
              notification_id: r.notification_id,
            }),
          );
        }
        t.same(got, expected, 'each item as sent alone in its place');
        if (items === pushes) {
          t.equal(calls.consumeMany, 1, 'the current hour counted for every item in one call');
          t.same(expected.slice(0, 3), [
            'push:now',
            'push:now',
            `push:${new Date(NEXT).toISOString()}`,
          ]);
          t.match(expected.slice(5), ['429 USER_CAP_EXCEEDED', '429 USER_CAP_EXCEEDED']);
        } else {
          t.equal(calls.consumeMany, 0, 'two capped channels an item: counted item by item');
          t.same(expected, [
            `email:now push:${new Date(NEXT + HOUR).toISOString()}`,
            '429 USER_CAP_EXCEEDED',
            '429 USER_CAP_EXCEEDED',
            'email:now',
          ]);
        }
      }
    },
  );
}
