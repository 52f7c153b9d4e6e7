import t from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { type Running, startServer } from '../helpers/server.js';

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const content = { title: 'Later', body: 'scheduled' };

/** Polls until `check` holds (the scheduler runs on its own loop); no time limit of its own. */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 5));
}

const fast = { scheduler: { poll_interval_ms: 10 } };

async function feedOf(s: Running, user: string) {
  return (await s.asUser(user, 'GET', '/api/v1/me/notifications')).body.data as Array<{
    content: { title: string };
    request_id: string;
  }>;
}

async function statusOf(s: Running, id: string) {
  return (await s.api('GET', `/api/v1/scheduled/${id}`)).body.status as string;
}

t.test('a scheduled send is kept, then sent once at its time', async (t) => {
  const clock = new FakeClock(T0);
  const s = await startServer(t, fast, undefined, { clock });
  const res = await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'alice',
    content,
    send_at: iso(T0 + 60_000),
  });
  t.equal(res.status, 202);
  t.match(res.body, { status: 'scheduled', send_at: iso(T0 + 60_000), request_id: String });
  const id = res.body.scheduled_id as string;
  t.match(id, /^job_/);
  const view = await s.api('GET', `/api/v1/scheduled/${id}`);
  t.match(view.body, {
    scheduled_id: id,
    status: 'scheduled',
    recipient_id: 'alice',
    request_id: res.body.request_id,
    attempts: 0,
  });
  t.same(await feedOf(s, 'alice'), [], 'nothing before its time');
  clock.advance(59_999);
  // A pass of the loop at 59.999 s finds nothing due.
  await new Promise((r) => setTimeout(r, 30));
  t.equal(await statusOf(s, id), 'scheduled');
  clock.advance(1);
  await until(async () => (await statusOf(s, id)) === 'sent');
  const feed = await feedOf(s, 'alice');
  t.equal(feed.length, 1);
  t.equal(feed[0]?.request_id, res.body.request_id, 'the request id is kept');
  clock.advance(3_600_000);
  await new Promise((r) => setTimeout(r, 30));
  t.equal((await feedOf(s, 'alice')).length, 1, 'sent once');
  const list = await s.api('GET', '/api/v1/scheduled?status=sent');
  t.same(
    list.body.data.map((v: { scheduled_id: string }) => v.scheduled_id),
    [id],
  );
});

t.test('send_at is checked: past, too far ahead, bad expiry, topic sends', async (t) => {
  const clock = new FakeClock(T0);
  const s = await startServer(t, { scheduler: { max_send_ahead_days: 30 } }, undefined, { clock });
  const send = (body: Record<string, unknown>) =>
    s.api('POST', '/api/v1/notifications', { recipient_id: 'a', content, ...body });
  const past = await send({ send_at: iso(T0 - 1) });
  t.equal(past.status, 400);
  t.match(past.body.error, {
    code: 'VALIDATION_ERROR',
    message: /send_at must be in the future/,
    details: { issues: [{ field: 'body.send_at' }] },
  });
  const now = await send({ send_at: iso(T0) });
  t.equal(now.status, 400, 'now is not the future');
  const far = await send({ send_at: iso(T0 + 31 * 86_400_000) });
  t.equal(far.status, 400);
  t.match(far.body.error.message, /at most 30 days ahead \(scheduler.max_send_ahead_days\)/);
  t.equal((await send({ send_at: iso(T0 + 30 * 86_400_000) })).status, 202, 'the limit itself');
  const bad = await send({ send_at: 'tomorrow' });
  t.equal(bad.status, 400);
  const expiry = await send({ send_at: iso(T0 + 60_000), expires_at: iso(T0 + 30_000) });
  t.equal(expiry.status, 400);
  t.match(expiry.body.error.message, /expires_at must be in the future/);
  const noContent = await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'a',
    send_at: iso(T0 + 60_000),
  });
  t.equal(noContent.status, 400);
  const topic = await s.api('POST', '/api/v1/topics/news/notifications', {
    content,
    send_at: iso(T0 + 60_000),
  });
  t.equal(topic.status, 400, 'topic sends have no send_at');
});

t.test('an idempotency key holds while scheduled and after it is sent', async (t) => {
  const clock = new FakeClock(T0);
  const s = await startServer(t, fast, undefined, { clock });
  const body = { recipient_id: 'bob', content, idempotency_key: 'k1', send_at: iso(T0 + 1000) };
  const first = await s.api('POST', '/api/v1/notifications', body);
  t.equal(first.status, 202);
  const again = await s.api('POST', '/api/v1/notifications', body);
  t.equal(again.status, 409);
  t.match(again.body.error, {
    code: 'DUPLICATE_NOTIFICATION',
    details: { scheduled_id: first.body.scheduled_id },
  });
  clock.advance(1000);
  await until(async () => (await statusOf(s, first.body.scheduled_id)) === 'sent');
  const now = await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'bob',
    content,
    idempotency_key: 'k1',
  });
  t.equal(now.status, 409, 'the key is held by the sent notification');
  t.equal((await feedOf(s, 'bob')).length, 1);
});

t.test('DELETE cancels a scheduled send; a cancelled or sent one is a 409', async (t) => {
  const clock = new FakeClock(T0);
  const s = await startServer(t, fast, undefined, { clock });
  const a = await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'carol',
    content,
    send_at: iso(T0 + 5000),
  });
  const b = await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'carol',
    content: { title: 'b', body: '' },
    send_at: iso(T0 + 1000),
  });
  const del = await s.api('DELETE', `/api/v1/scheduled/${a.body.scheduled_id}`);
  t.equal(del.status, 200);
  t.match(del.body, { scheduled_id: a.body.scheduled_id, status: 'cancelled' });
  const twice = await s.api('DELETE', `/api/v1/scheduled/${a.body.scheduled_id}`);
  t.equal(twice.status, 409);
  t.match(twice.body.error, {
    code: 'SCHEDULED_NOT_CANCELLABLE',
    details: { status: 'cancelled' },
  });
  clock.advance(10_000);
  await until(async () => (await statusOf(s, b.body.scheduled_id)) === 'sent');
  const sent = await s.api('DELETE', `/api/v1/scheduled/${b.body.scheduled_id}`);
  t.equal(sent.status, 409);
  t.match(sent.body.error, { code: 'SCHEDULED_NOT_CANCELLABLE', details: { status: 'sent' } });
  const titles = (await feedOf(s, 'carol')).map((n) => n.content.title);
  t.same(titles, ['b'], 'the cancelled one never went');
  t.equal((await s.api('GET', '/api/v1/scheduled/job_nope')).status, 404);
  t.equal((await s.api('DELETE', '/api/v1/scheduled/job_nope')).status, 404);
  const cancelled = await s.api('GET', '/api/v1/scheduled?status=cancelled');
  t.equal(cancelled.body.data.length, 1);
});

t.test('scheduled sends are tenant-scoped', async (t) => {
  const clock = new FakeClock(T0);
  const s = await startServer(t, {}, undefined, { clock });
  const keyOf = async (tenant: string) =>
    (
      await s.api('POST', '/api/v1/keys', {
        name: tenant,
        tenant_id: tenant,
        scopes: ['notifications:send'],
      })
    ).body.key as string;
  const k1 = await keyOf('t1');
  const k2 = await keyOf('t2');
  const mine = await s.api(
    'POST',
    '/api/v1/notifications',
    { recipient_id: 'u', content, send_at: iso(T0 + 1000) },
    k1,
  );
  t.equal(mine.status, 202);
  const id = mine.body.scheduled_id;
  t.equal((await s.api('GET', `/api/v1/scheduled/${id}`, undefined, k2)).status, 404);
  t.equal((await s.api('DELETE', `/api/v1/scheduled/${id}`, undefined, k2)).status, 404);
  t.same((await s.api('GET', '/api/v1/scheduled', undefined, k2)).body.data, []);
  t.equal((await s.api('GET', '/api/v1/scheduled', undefined, k1)).body.data.length, 1);
});

t.test('a cancellation key cancels scheduled sends holding it', async (t) => {
  const clock = new FakeClock(T0);
  const s = await startServer(t, fast, undefined, { clock });
  const ids: string[] = [];
  for (const key of ['promo', 'promo', 'other']) {
    const r = await s.api('POST', '/api/v1/notifications', {
      recipient_id: 'dan',
      content: { title: key, body: '' },
      cancellation_key: key,
      send_at: iso(T0 + 2000),
    });
    ids.push(r.body.scheduled_id);
  }
  const cancel = await s.api('POST', '/api/v1/notifications/cancel', { cancellation_key: 'promo' });
  t.equal(cancel.status, 200);
  t.same(await Promise.all(ids.map((id) => statusOf(s, id))), [
    'cancelled',
    'cancelled',
    'scheduled',
  ]);
  clock.advance(2000);
  await until(async () => (await statusOf(s, ids[2] as string)) === 'sent');
  t.same(
    (await feedOf(s, 'dan')).map((n) => n.content.title),
    ['other'],
  );
});

t.test('batch items with send_at are scheduled beside the others', async (t) => {
  const clock = new FakeClock(T0);
  const s = await startServer(t, fast, undefined, { clock });
  const res = await s.api('POST', '/api/v1/notifications/batch', {
    notifications: [
      { recipient_id: 'eve', content: { title: 'now', body: '' } },
      { recipient_id: 'eve', content: { title: 'later', body: '' }, send_at: iso(T0 + 1000) },
      { recipient_id: 'eve', content, send_at: iso(T0 - 1000) },
    ],
  });
  t.equal(res.status, 202);
  t.match(res.body, { accepted: 2, rejected: 1 });
  t.match(res.body.results, [
    { index: 0, status: 'accepted' },
    { index: 1, status: 'scheduled', scheduled_id: /^job_/, send_at: iso(T0 + 1000) },
    { index: 2, status: 'rejected', error: { code: 'VALIDATION_ERROR' } },
  ]);
  const atomic = await s.api('POST', '/api/v1/notifications/batch', {
    atomic: true,
    notifications: [
      { recipient_id: 'eve', content: { title: 'x', body: '' } },
      { recipient_id: 'eve', content, send_at: iso(T0 - 1000) },
    ],
  });
  t.equal(atomic.status, 400, 'an atomic batch with a bad send_at writes nothing');
  clock.advance(1000);
  await until(async () => (await statusOf(s, res.body.results[1].scheduled_id)) === 'sent');
  t.same(
    (await feedOf(s, 'eve')).map((n) => n.content.title),
    ['later', 'now'],
  );
});

t.test(
  'one found late while notifyd was down: sent within max_lateness_ms, dropped past it',
  async (t) => {
    const clock = new FakeClock(T0);
    const store = createMemoryStore();
    // The first server accepts and runs nothing (as if it went down at once).
    const down = await startServer(
      t,
      { scheduler: { enabled: false, max_lateness_ms: 60_000 } },
      store,
      { clock },
    );
    const send = async (title: string) =>
      (
        await down.api('POST', '/api/v1/notifications', {
          recipient_id: 'fay',
          content: { title, body: '' },
          send_at: iso(T0 + 1000),
        })
      ).body.scheduled_id as string;
    const soon = await send('soon');
    clock.advance(1000 + 30_000);
    const up = await startServer(
      t,
      { scheduler: { poll_interval_ms: 10, max_lateness_ms: 60_000 } },
      store,
      {
        clock,
      },
    );
    await until(async () => (await statusOf(up, soon)) === 'sent');
    t.equal((await feedOf(up, 'fay')).length, 1);
    // Schedule another while `up` is away from the clock: jump 2 minutes past its time at once.
    const stale = (
      await up.api('POST', '/api/v1/notifications', {
        recipient_id: 'fay',
        content: { title: 'stale', body: '' },
        send_at: iso(clock.now() + 1000),
      })
    ).body.scheduled_id as string;
    clock.advance(121_000);
    await until(async () => (await statusOf(up, stale)) === 'dropped');
    const view = (await up.api('GET', `/api/v1/scheduled/${stale}`)).body;
    t.match(view.last_error, /dropped: 120 s past send_at, more than scheduler.max_lateness_ms/);
    const titles = (await feedOf(up, 'fay')).map((n) => n.content.title);
    t.notOk(titles.includes('stale'), 'a dropped send never goes');
    const dropped = await up.api('GET', '/api/v1/scheduled?status=dropped');
    t.same(
      dropped.body.data.map((v: { scheduled_id: string }) => v.scheduled_id),
      [stale],
    );
  },
);

t.test('a run repeated after a crash between write and ack sends once', async (t) => {
  const clock = new FakeClock(T0);
  const store = createMemoryStore();
  // The first settle is lost, as when the node died after the write and before the ack.
  const complete = store.jobs.complete.bind(store.jobs);
  let crashes = 1;
  store.jobs.complete = async (...args) => {
    if (crashes-- > 0) return false;
    return complete(...args);
  };
  const s = await startServer(t, { scheduler: { poll_interval_ms: 10, lease_ms: 1000 } }, store, {
    clock,
  });
  const res = await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'gus',
    content,
    send_at: iso(T0 + 1000),
  });
  const id = res.body.scheduled_id as string;
  clock.advance(1000);
  await until(async () => (await feedOf(s, 'gus')).length === 1);
  t.equal(await statusOf(s, id), 'sending', 'written, not acked: still leased');
  clock.advance(1000);
  await until(async () => (await statusOf(s, id)) === 'sent');
  const view = (await s.api('GET', `/api/v1/scheduled/${id}`)).body;
  t.equal(view.attempts, 2, 'run twice');
  t.equal((await feedOf(s, 'gus')).length, 1, 'sent once');
});
