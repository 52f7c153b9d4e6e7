import t from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { connect, type Running, startServer } from '../helpers/server.js';
import { signatureValid, startReceiver } from '../helpers/webhook-receiver.js';

const N = '/api/v1/notifications';
const ME = '/api/v1/me/notifications';

const approve = { id: 'approve', label: 'Approve', type: 'primary', callback_key: 'req-7:ok' };
const reject = { id: 'reject', label: 'Reject', type: 'destructive', url: 'https://x.test/no' };

async function send(s: Running, body: Record<string, unknown>): Promise<string> {
  const res = await s.api('POST', N, {
    recipient_id: 'bob',
    content: { title: 'Hi', body: 'there' },
    ...body,
  });
  if (res.status !== 202) throw new Error(`send: ${JSON.stringify(res.body)}`);
  return res.body.notification_id;
}

/** A WebSocket session of `user`, authenticated. */
async function session(t: Parameters<typeof connect>[0], s: Running, user: string) {
  const ws = await connect(t, s.wsUrl);
  ws.send({ type: 'authenticate', token: await s.token(user) });
  await ws.next('authenticated');
  return ws;
}

t.test('a send carries actions, cta_text, expiry, cancellation key and urgent', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 5, 1));
  const s = await startServer(t, {}, undefined, { clock });
  const expires = new Date(clock.now() + 3_600_000).toISOString();
  const id = await send(s, {
    content: { title: 'Access', body: 'Alice asks', cta_text: 'Review', actions: [approve] },
    priority: 'critical',
    expires_at: expires,
    cancellation_key: 'req-7',
  });
  const got = await s.asUser('bob', 'GET', `${ME}/${id}`);
  t.equal(got.status, 200);
  t.match(got.body, {
    priority: 'urgent',
    content: { title: 'Access', cta_text: 'Review' },
    actions: [approve],
    expires_at: expires,
    dismissed: false,
    dismissed_at: null,
    action_taken: null,
    template: null,
  });
  t.notOk('actions' in got.body.content, 'actions live on the notification');
  const outside = await send(s, {
    actions: [reject],
    content: { title: 'A', body: 'B', actions: [approve] },
  });
  t.same(
    (await s.asUser('bob', 'GET', `${ME}/${outside}`)).body.actions,
    [reject],
    'given beside win',
  );

  const bad = [
    { actions: [approve, approve] },
    { expires_at: new Date(clock.now()).toISOString() },
    { expires_at: 'tomorrow' },
    { priority: 'extreme' },
    { actions: [{ ...approve, type: 'maybe' }] },
    { actions: [{ ...approve, id: 'has space' }] },
    { actions: Array.from({ length: 11 }, (_, i) => ({ ...approve, id: `a${i}` })) },
    { content: { title: 'T', body: 'B', cta_text: '' } },
  ];
  for (const extra of bad) {
    const res = await s.api('POST', N, {
      recipient_id: 'bob',
      content: { title: 'T', body: 'B' },
      ...extra,
    });
    t.equal(res.status, 400, JSON.stringify(extra));
    t.equal(res.body.error.code, 'VALIDATION_ERROR');
  }
});

t.test('PATCH changes a sent notification and DELETE retracts it; sessions are told', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 5, 1));
  const s = await startServer(t, {}, undefined, { clock });
  const ws = await session(t, s, 'bob');
  const id = await send(s, { actions: [approve] });
  await ws.next('notification');
  const patched = await s.api('PATCH', `${N}/${id}`, {
    content: { title: 'Changed', body: 'now', cta_text: 'See' },
    expires_at: new Date(clock.now() + 60_000).toISOString(),
  });
  t.equal(patched.status, 200);
  t.match(patched.body, { id, content: { title: 'Changed', cta_text: 'See' }, actions: [approve] });
  const updated = await ws.next('notification_updated');
  t.same(updated.data, patched.body, 'the session gets the new view');
  const cleared = await s.api('PATCH', `${N}/${id}`, { expires_at: null, actions: [] });
  t.match(cleared.body, { expires_at: null, actions: [], content: { title: 'Changed' } });

  for (const body of [
    {},
    { content: { title: '' } },
    { expires_at: '2000-01-01T00:00:00Z' },
    { nope: 1 },
  ]) {
    const res = await s.api('PATCH', `${N}/${id}`, body);
    t.equal(res.status, 400, JSON.stringify(body));
  }
  t.equal((await s.api('PATCH', `${N}/ntf_unknown`, { expires_at: null })).status, 404);
  const otherKey = (
    await s.api('POST', '/api/v1/keys', {
      name: 'o',
      scopes: ['notifications:send'],
      tenant_id: 'other',
    })
  ).body.key;
  t.equal(
    (await s.api('PATCH', `${N}/${id}`, { expires_at: null }, otherKey)).status,
    404,
    'tenant',
  );
  t.equal((await s.api('DELETE', `${N}/${id}`, undefined, otherKey)).status, 404, 'tenant');

  t.equal((await s.api('DELETE', `${N}/${id}`)).status, 204);
  const deleted = await ws.next('notification_deleted');
  t.match(deleted.data, { notification_id: id, unread_count: 0, unread_by_priority: {} });
  t.equal((await s.asUser('bob', 'GET', `${ME}/${id}`)).status, 404, 'gone from the feed');
  t.equal((await s.api('DELETE', `${N}/${id}`)).status, 404, 'once');
  t.equal((await s.api('PATCH', `${N}/${id}`, { expires_at: null })).status, 404);
});

t.test('dismiss, dismiss-all by category, and the dismissed filter', async (t) => {
  const s = await startServer(t);
  const ws = await session(t, s, 'bob');
  const [a, b, c] = [
    await send(s, { category: 'news' }),
    await send(s, { category: 'news' }),
    await send(s, { category: 'billing', priority: 'high' }),
  ];
  const one = await s.asUser('bob', 'POST', `${ME}/${a}/dismiss`);
  t.equal(one.status, 200);
  t.same(one.body, {
    unread_count: 2,
    unread_by_category: { news: 1, billing: 1 },
    unread_by_priority: { normal: 1, high: 1 },
  });
  t.match((await ws.next('notifications_dismissed')).data, {
    notification_ids: [a],
    all: false,
    category: null,
    unread_count: 2,
  });
  const feed = await s.asUser('bob', 'GET', ME);
  t.same(
    feed.body.data.map((n: { id: string }) => n.id),
    [c, b],
    'dismissed ones leave the feed',
  );
  const dismissed = await s.asUser('bob', 'GET', `${ME}?dismissed=true`);
  t.match(dismissed.body.data, [{ id: a, dismissed: true, read: true }]);
  t.equal(
    (await s.asUser('bob', 'POST', `${ME}/${a}/dismiss`)).status,
    200,
    'again: nothing changes',
  );
  t.equal((await s.asUser('bob', 'POST', `${ME}/ntf_nope/dismiss`)).status, 404);
  t.equal((await s.asUser('eve', 'POST', `${ME}/${b}/dismiss`)).status, 404, 'not hers');

  const byCategory = await s.asUser('bob', 'POST', `${ME}/dismiss-all`, { category: 'news' });
  t.match(byCategory.body, { updated: 1, unread_count: 1, unread_by_category: { billing: 1 } });
  t.match(
    (await ws.next('notifications_dismissed')).data,
    { notification_ids: [], all: true, category: 'news', unread_count: 1 },
    'a dismiss-all names no ids: it says all, and of which category',
  );
  const all = await s.asUser('bob', 'POST', `${ME}/dismiss-all`);
  t.match(all.body, { updated: 1, unread_count: 0 });
  t.match((await ws.next('notifications_dismissed')).data, { all: true, category: null });
  t.same((await s.asUser('bob', 'GET', ME)).body.data, []);
  t.equal((await s.asUser('bob', 'POST', `${ME}/dismiss-all`, { category: 7 })).status, 400);
});

t.test('an action is recorded once and reaches the webhooks with its callback key', async (t) => {
  const receiver = await startReceiver(t);
  const s = await startServer(t);
  const hook = (
    await s.api('POST', '/api/v1/webhooks', {
      url: `${receiver.url}/feed`,
      events: ['notification.action', 'notification.read', 'notification.dismissed'],
    })
  ).body;
  const id = await send(s, { actions: [approve, reject], data: { request: 7 } });
  const taken = await s.asUser('bob', 'POST', `${ME}/${id}/actions/approve`);
  t.equal(taken.status, 200);
  t.match(taken.body, {
    recorded: true,
    action_id: 'approve',
    notification: { id, read: true, action_taken: { action_id: 'approve' } },
  });
  const got = await receiver.next('/feed');
  t.ok(signatureValid(got, hook.secret), 'signed');
  t.match(got.body, {
    type: 'notification.action',
    tenant_id: 'default',
    data: {
      notification_id: id,
      recipient_id: 'bob',
      action_id: 'approve',
      label: 'Approve',
      callback_key: 'req-7:ok',
      url: null,
      data: { request: 7 },
    },
  });
  // Taking the action read the unread notification: that read is an event like any other.
  const readByAction = await receiver.next('/feed');
  t.match(readByAction.body, {
    type: 'notification.read',
    data: { recipient_id: 'bob', notification_ids: [id], all: false, count: 1 },
  });
  const again = await s.asUser('bob', 'POST', `${ME}/${id}/actions/approve`);
  t.match(again.body, { recorded: false, action_id: 'approve' });
  const other = await s.asUser('bob', 'POST', `${ME}/${id}/actions/reject`);
  t.equal(other.status, 409);
  t.equal(other.body.error.code, 'ACTION_ALREADY_TAKEN');
  const unknown = await s.asUser('bob', 'POST', `${ME}/${id}/actions/maybe`);
  t.equal(unknown.status, 404);
  t.equal(unknown.body.error.code, 'ACTION_NOT_FOUND');
  t.equal((await s.asUser('eve', 'POST', `${ME}/${id}/actions/approve`)).status, 404);

  await send(s, {});
  await s.asUser('bob', 'POST', `${ME}/read-all`);
  const read = await receiver.next('/feed');
  t.match(read.body, { type: 'notification.read', data: { all: true, count: 1 } });
  t.equal(
    receiver.at('/feed').filter((r) => r.body.type === 'notification.action').length,
    1,
    'once',
  );
  t.equal(
    receiver.at('/feed').filter((r) => r.body.type === 'notification.read').length,
    2,
    'the action read it once; the read-all read the other',
  );
});

t.test('expired notifications leave the feed and the unread counts', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 5, 1));
  const s = await startServer(t, {}, undefined, { clock });
  const lasting = await send(s, {});
  const brief = await send(s, {
    priority: 'urgent',
    expires_at: new Date(clock.now() + 60_000).toISOString(),
  });
  const counts = async () => (await s.asUser('bob', 'GET', '/api/v1/me/unread-count')).body;
  t.same(await counts(), {
    unread_count: 2,
    unread_by_category: { general: 2 },
    unread_by_priority: { normal: 1, urgent: 1 },
  });
  clock.advance(60_000);
  t.same(await counts(), {
    unread_count: 1,
    unread_by_category: { general: 1 },
    unread_by_priority: { normal: 1 },
  });
  const feed = await s.asUser('bob', 'GET', ME);
  t.same(
    feed.body.data.map((n: { id: string }) => n.id),
    [lasting],
  );
  t.equal(feed.body.unread_count, 1);
  t.equal((await s.asUser('bob', 'GET', `${ME}/${brief}`)).status, 200, 'still readable by id');
});

t.test('feed filters: priority, read, dates and metadata; bad ones are 400', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 5, 1));
  const s = await startServer(t, {}, undefined, { clock });
  const a = await send(s, { priority: 'high', data: { project: 'apollo', n: 3 } });
  clock.advance(10_000);
  const b = await send(s, { data: { project: 'gemini', n: 3 } });
  await s.asUser('bob', 'POST', `${ME}/${b}/read`);
  const list = async (q: string) =>
    (await s.asUser('bob', 'GET', `${ME}?${q}`)).body.data.map((n: { id: string }) => n.id);
  t.same(await list('priority=high'), [a]);
  t.same(await list('priority=critical'), []);
  t.same(await list('read=true'), [b]);
  t.same(await list('metadata.project=apollo'), [a]);
  t.same(await list('metadata.n=3'), [b, a]);
  t.same(await list('metadata.n=3&metadata.project=gemini'), [b]);
  const at = new Date(Date.UTC(2026, 5, 1) + 5_000).toISOString();
  t.same(await list(`created_after=${at}`), [b]);
  t.same(await list(`created_before=${at}`), [a]);
  for (const q of [
    'priority=extreme',
    'created_after=yesterday',
    'metadata.bad%20key=1',
    'dismissed=maybe',
    'colour=red',
  ]) {
    const res = await s.asUser('bob', 'GET', `${ME}?${q}`);
    t.equal(res.status, 400, q);
    t.equal(res.body.error.code, 'VALIDATION_ERROR');
  }
  const many = Array.from({ length: 11 }, (_, i) => `metadata.k${i}=1`).join('&');
  t.equal(
    (await s.asUser('bob', 'GET', `${ME}?${many}`)).status,
    400,
    'at most 10 metadata filters',
  );
});

t.test('grouped: by group_key with count, latest and actors', async (t) => {
  const s = await startServer(t);
  const c1 = await send(s, { group_key: 'post-1', data: { actor: 'alice' } });
  await send(s, { group_key: 'post-1', data: { actor: { id: 'carol', name: 'Carol' } } });
  const alone = await send(s, {});
  const c3 = await send(s, { group_key: 'post-1', data: { actor: 'alice' } });
  await s.asUser('bob', 'POST', `${ME}/${c1}/read`);
  const res = await s.asUser('bob', 'GET', `${ME}/grouped`);
  t.equal(res.status, 200);
  t.match(res.body, {
    has_more: false,
    scanned: 4,
    data: [
      {
        group_key: 'post-1',
        count: 3,
        unread_count: 2,
        latest: { id: c3 },
        actors: [
          { id: 'alice', name: null, avatar_url: null },
          { id: 'carol', name: 'Carol', avatar_url: null },
        ],
        actor_count: 2,
      },
      { group_key: null, count: 1, latest: { id: alone }, actors: [] },
    ],
  });
  const first = await s.asUser('bob', 'GET', `${ME}/grouped?limit=1`);
  t.match(first.body, { has_more: true, data: [{ group_key: 'post-1' }] });
  t.equal(first.body.data.length, 1);
  const window = await s.asUser('bob', 'GET', `${ME}/grouped?window=2`);
  t.match(window.body, { has_more: true, scanned: 2, data: [{ count: 1 }, { count: 1 }] });
  t.equal((await s.asUser('bob', 'GET', `${ME}/grouped?window=100000`)).status, 400);
});

t.test('bulk delete answers per id', async (t) => {
  const s = await startServer(t);
  const ws = await session(t, s, 'bob');
  const [a, b] = [await send(s, {}), await send(s, {})];
  const theirs = (
    await s.api('POST', N, { recipient_id: 'eve', content: { title: 'x', body: 'y' } })
  ).body.notification_id;
  const res = await s.asUser('bob', 'POST', `${ME}/bulk/delete`, {
    notification_ids: [a, theirs, a, 'ntf_nope'],
  });
  t.equal(res.status, 200);
  t.same(res.body.results, [
    { id: a, status: 'deleted' },
    { id: theirs, status: 'not_found' },
    { id: 'ntf_nope', status: 'not_found' },
  ]);
  t.match(res.body, { deleted: 1, unread_count: 1 });
  t.match((await ws.next('unread_count')).data, { unread_count: 1 });
  t.same(
    (await s.asUser('bob', 'GET', ME)).body.data.map((n: { id: string }) => n.id),
    [b],
  );
  t.equal((await s.asUser('eve', 'GET', `${ME}/${theirs}`)).status, 200);
  const tooMany = Array.from({ length: 501 }, (_, i) => `ntf_${i}`);
  t.equal(
    (await s.asUser('bob', 'POST', `${ME}/bulk/delete`, { notification_ids: tooMany })).status,
    400,
  );
  t.equal(
    (await s.asUser('bob', 'POST', `${ME}/bulk/delete`, { notification_ids: [] })).status,
    400,
  );
});

t.test('export: JSON and CSV of the history, bounded', async (t) => {
  const s = await startServer(t, { feed: { export_max_rows: 3 } });
  const first = await send(s, {
    content: { title: '=SUM(A1)', body: 'a, "quoted"\nline' },
    data: { k: 1 },
  });
  const ids = [first, await send(s, {}), await send(s, {})];
  await s.asUser('bob', 'POST', `${ME}/${ids[1]}/dismiss`);
  const json = await s.asUser('bob', 'GET', `${ME}/export?format=json`);
  t.equal(json.status, 200);
  t.equal(json.headers.get('x-export-truncated'), 'false');
  t.same(
    json.body.data.map((n: { id: string }) => n.id),
    [...ids].reverse(),
    'dismissed ones too',
  );
  t.equal(json.body.truncated, false);
  await send(s, {});
  const csv = await s.asUser('bob', 'GET', `${ME}/export?format=csv`);
  t.equal(csv.status, 200);
  t.match(csv.headers.get('content-type'), /^text\/csv/);
  t.equal(csv.headers.get('x-export-truncated'), 'true', 'more than feed.export_max_rows');
  const lines = (csv.body as string).split('\r\n');
  t.equal(
    lines[0],
    'id,created_at,category,priority,title,body,action_url,group_key,read_at,dismissed_at,action_id,actioned_at,expires_at,data',
  );
  t.equal(lines.length, 1 + 3 + 1, 'header, three rows, final line break');
  const all = await s.asUser('bob', 'GET', `${ME}/export?format=csv&dismissed=false`);
  t.match(all.body, `${first},`);
  t.match(all.body, `,'=SUM(A1),"a, ""quoted""\nline",`, 'quoted, and no formula');
  t.equal((await s.asUser('bob', 'GET', `${ME}/export?format=xml`)).status, 400);
});

t.test('retention deletes notifications older than retention_days, by the clock', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 5, 1));
  const s = await startServer(t, { notifications: { retention_days: 30 } }, undefined, { clock });
  const old = await send(s, {});
  clock.advance(20 * 86_400_000);
  const recent = await send(s, {});
  t.equal(await s.server.retention.run(), 0, 'nothing is 30 days old yet');
  clock.advance(10 * 86_400_000);
  t.equal(await s.server.retention.run(), 0, 'exactly 30 days old is not older');
  clock.advance(1);
  t.equal(await s.server.retention.run(), 1);
  t.same(
    (await s.asUser('bob', 'GET', ME)).body.data.map((n: { id: string }) => n.id),
    [recent],
  );
  t.equal((await s.api('GET', `${N}/${old}/deliveries`)).status, 404, 'its deliveries too');
  t.equal((await s.asUser('bob', 'GET', '/api/v1/me/unread-count')).body.unread_count, 1);
});

t.test('retention_days 0 keeps everything', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 5, 1));
  const s = await startServer(t, { notifications: { retention_days: 0 } }, undefined, { clock });
  await send(s, {});
  clock.advance(10_000 * 86_400_000);
  t.equal(await s.server.retention.run(), 0);
  t.equal((await s.asUser('bob', 'GET', ME)).body.data.length, 1);
});
