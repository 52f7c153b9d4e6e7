import t from 'tap';
import { AccountApi, type UnreadSummary } from '../../src/client/index.js';
import { clientOf, nextEvent } from '../helpers/client.js';
import { type Running, startServer } from '../helpers/server.js';

const approve = { id: 'approve', label: 'Approve', type: 'primary' as const, callback_key: 'k' };

async function send(s: Running, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'nina',
    content: { title: 'Hi', body: 'there' },
    ...extra,
  });
  if (res.status !== 202) throw new Error(JSON.stringify(res.body));
  return res.body.notification_id;
}

t.test('for await over the client, onUnreadCountChange, and the new frames', async (t) => {
  const s = await startServer(t);
  const client = await clientOf(t, s, 'nina');
  const counts: UnreadSummary[] = [];
  client.onUnreadCountChange((c) => counts.push(c));
  await client.connect();
  const first = await new Promise<UnreadSummary>((resolve) => {
    if (counts[0]) resolve(counts[0]);
    else client.onUnreadCountChange(resolve);
  });
  t.same(first, { unread_count: 0, unread_by_category: {}, unread_by_priority: {} }, 'fetched');

  const received: string[] = [];
  const loop = (async () => {
    for await (const n of client) {
      received.push(n.id);
      if (received.length === 2) break;
    }
  })();
  const a = await send(s, { actions: [approve], priority: 'high' });
  const b = await send(s, { category: 'news' });
  await loop;
  t.same(received, [a, b], 'for await (const n of client)');
  t.match(
    counts.at(-1),
    {
      unread_count: 2,
      unread_by_category: { general: 1, news: 1 },
      unread_by_priority: { high: 1, normal: 1 },
    },
    'moved by one per new notification',
  );

  const updated = nextEvent(client, 'notification_updated');
  await s.api('PATCH', `/api/v1/notifications/${b}`, { content: { title: 'New', body: 'x' } });
  t.match(await updated, { id: b, content: { title: 'New' } });

  const dismissed = nextEvent(client, 'notifications_dismissed');
  t.match(await client.me.dismiss(b), { unread_count: 1 });
  t.match(await dismissed, { notification_ids: [b], unread_count: 1 });
  t.equal(counts.at(-1)?.unread_count, 1);

  const acted = await client.me.act(a, 'approve');
  t.match(acted, { recorded: true, notification: { action_taken: { action_id: 'approve' } } });

  const deleted = nextEvent(client, 'notification_deleted');
  await s.api('DELETE', `/api/v1/notifications/${a}`);
  t.match(await deleted, { notification_id: a, unread_count: 0 });
  t.equal(counts.at(-1)?.unread_count, 0);
});

t.test('grouped, dismissAll, deleteMany and export over REST', async (t) => {
  const s = await startServer(t);
  const client = await clientOf(t, s, 'nina');
  const g1 = await send(s, { group_key: 'thread', data: { actor: 'ann', project: 'x' } });
  const g2 = await send(s, { group_key: 'thread', data: { actor: 'ben' } });
  const lone = await send(s, { category: 'news' });
  const grouped = await client.me.grouped({ limit: 10 });
  t.match(
    grouped.data,
    [
      { group_key: null, latest: { id: lone } },
      { group_key: 'thread', count: 2, latest: { id: g2 }, actors: [{ id: 'ben' }, { id: 'ann' }] },
    ],
    'newest group first',
  );
  t.same(
    (await client.feed({ metadata: { project: 'x' } })).data.map((n) => n.id),
    [g1],
  );
  t.match(await client.me.dismissAll('news'), { updated: 1 });
  t.same(
    (await client.feed({ dismissed: true })).data.map((n) => n.id),
    [lone],
  );
  const bulk = await client.me.deleteMany([g1, 'ntf_nope']);
  t.same(bulk.results, [
    { id: g1, status: 'deleted' },
    { id: 'ntf_nope', status: 'not_found' },
  ]);
  const json = await client.me.exportJson();
  t.same(
    json.data.map((n) => n.id),
    [lone, g2],
  );
  const csv = await client.me.exportCsv({ category: 'news' });
  t.equal(csv.split('\r\n').length, 3, 'header, one row, final line break');
  await t.rejects(client.me.act(g2, 'nope'), { status: 404, code: 'ACTION_NOT_FOUND' });
});

t.test('preferences and devices: the requests the account API makes', async (t) => {
  const calls: Array<{ method: string; url: string; body: unknown; auth: string | null }> = [];
  const fakeFetch = (async (url: string, init: RequestInit) => {
    calls.push({
      method: init.method ?? 'GET',
      url: String(url),
      body: init.body ? JSON.parse(String(init.body)) : undefined,
      auth: new Headers(init.headers).get('authorization'),
    });
    const body = String(url).endsWith('/devices') && init.method === 'GET' ? { data: [] } : {};
    return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  const api = new AccountApi('http://n.test/', async () => 'tok', fakeFetch);
  await api.preferences();
  await api.updatePreferences({ global_enabled: false });
  await api.updateCategoryPreference('billing/x', { is_muted: true });
  await api.resetPreferences();
  t.same(await api.devices(), []);
  await api.registerDevice({ kind: 'fcm', token: 'abc' });
  await api.updateDevice('dev_1', { active: false });
  await api.unregisterDevice('dev_1');
  t.same(
    calls.map((c) => [c.method, c.url.replace('http://n.test', ''), c.body]),
    [
      ['GET', '/api/v1/me/preferences', undefined],
      ['PUT', '/api/v1/me/preferences', { global_enabled: false }],
      ['PUT', '/api/v1/me/preferences/categories/billing%2Fx', { is_muted: true }],
      ['DELETE', '/api/v1/me/preferences', undefined],
      ['GET', '/api/v1/me/devices', undefined],
      ['POST', '/api/v1/me/devices', { kind: 'fcm', token: 'abc' }],
      ['PATCH', '/api/v1/me/devices/dev_1', { active: false }],
      ['DELETE', '/api/v1/me/devices/dev_1', undefined],
    ],
  );
  t.ok(
    calls.every((c) => c.auth === 'Bearer tok'),
    'with the user token',
  );
});

t.test('counts fetched before notifications that arrived first do not win', async (t) => {
  const s = await startServer(t);
  let release = () => {};
  const released = new Promise<void>((r) => {
    release = r;
  });
  let fetched = () => {};
  const countRead = new Promise<void>((r) => {
    fetched = r;
  });
  const client = await clientOf(t, s, 'nina', {
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      if (!String(input).endsWith('/api/v1/me/unread-count')) return res;
      // The server read 0 before the sends below; the answer reaches the client after them.
      fetched();
      await released;
      return res;
    },
  });
  const counts: UnreadSummary[] = [];
  client.onUnreadCountChange((c) => counts.push(c));
  await client.connect();
  await countRead;
  const arrived = new Promise<void>((resolve) => {
    let n = 0;
    client.on('notification', () => {
      if (++n === 2) resolve();
    });
  });
  await send(s);
  await send(s);
  await arrived;
  t.equal(counts.at(-1)?.unread_count, 2);
  release();
  await new Promise((r) => setTimeout(r, 50));
  t.equal(counts.at(-1)?.unread_count, 2, 'the older answer is dropped');
  t.equal(client.unread?.unread_count, 2);
});
