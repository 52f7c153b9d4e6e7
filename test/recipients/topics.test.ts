import t from 'tap';
import { BACKENDS, ok, serverOn } from './servers.js';

const C = '/api/v1/categories';
const T = '/api/v1/topics';

for (const backend of BACKENDS) {
  t.test(`${backend}: categories: create, list, change, delete`, async (t) => {
    const s = (await serverOn(t, backend))!;
    const created = await s.api('POST', C, {
      id: 'billing',
      name: 'Billing',
      description: 'Invoices and receipts',
      default_channels: ['in_app', 'email'],
    });
    t.equal(created.status, 201);
    t.match(created.body, {
      id: 'billing',
      name: 'Billing',
      default_channels: ['in_app', 'email'],
      mandatory: false,
      parent: null,
      version: 1,
    });
    await ok(s, 'POST', C, { id: 'invoices', name: 'Invoices', parent: 'billing' });
    t.equal((await s.api('POST', C, { id: 'billing', name: 'Again' })).status, 409);
    t.equal((await s.api('POST', C, { id: 'x', name: 'X', parent: 'none' })).status, 400);
    t.equal((await s.api('POST', C, { id: 'x', name: 'X', parent: 'x' })).status, 400);
    t.equal(
      (await s.api('PATCH', `${C}/billing`, { parent: 'invoices' })).status,
      400,
      'no cycles',
    );
    t.equal((await s.api('POST', C, { id: 'bad slug', name: 'X' })).status, 400);
    t.equal(
      (await s.api('POST', C, { id: 'x', name: 'X', default_channels: ['fax'] })).status,
      400,
    );
    const list = await ok(s, 'GET', C);
    t.same(
      list.data.map((c: { id: string }) => c.id),
      ['billing', 'invoices'],
    );
    t.match(await ok(s, 'GET', `${C}/invoices`), { parent: 'billing' });
    const changed = await ok(s, 'PATCH', `${C}/billing`, { mandatory: true, version: 1 });
    t.match(changed, { mandatory: true, version: 2 });
    t.equal((await s.api('PATCH', `${C}/billing`, { name: 'B', version: 1 })).status, 409);
    t.equal((await s.api('DELETE', `${C}/invoices`)).status, 204);
    const gone = await s.api('GET', `${C}/invoices`);
    t.equal(gone.status, 404);
    t.equal(gone.body.error.code, 'CATEGORY_NOT_FOUND');
  });

  t.test(`${backend}: topics and their members`, async (t) => {
    const s = (await serverOn(t, backend))!;
    const heard: string[] = [];
    s.server.events.subscribe((e) => {
      if (e.type.startsWith('notification.topic.'))
        heard.push(`${e.type} ${JSON.stringify(e.data)}`);
    });
    const created = await s.api('POST', T, { key: 'news', name: 'News' });
    t.equal(created.status, 201);
    t.match(created.body, { id: /^top_/, key: 'news', subscriber_count: 0 });
    t.equal((await s.api('POST', T, { key: 'news', name: 'Again' })).status, 409);
    for (const id of ['a', 'b', 'c', 'd', 'e']) await ok(s, 'PUT', `/api/v1/subscribers/${id}`, {});
    const added = await ok(s, 'POST', `${T}/news/subscribers`, {
      subscribers: ['c', 'a', 'b', 'a'],
    });
    t.same(added, { added: 3, subscriber_count: 3 });
    t.same(await ok(s, 'POST', `${T}/news/subscribers`, { subscribers: ['a', 'd', 'e'] }), {
      added: 2,
      subscriber_count: 5,
    });
    const missing = await s.api('POST', `${T}/news/subscribers`, { subscribers: ['a', 'ghost'] });
    t.equal(missing.status, 404);
    t.match(missing.body.error, { code: 'SUBSCRIBER_NOT_FOUND', details: { missing: ['ghost'] } });
    // The message says how to fix it (it read "1 of these are not subscribers: ghost").
    t.equal(
      missing.body.error.message,
      'ghost is not a subscriber; create it first with PUT /api/v1/subscribers/{id} (notifyd subscriber set)',
    );
    const two = await s.api('POST', `${T}/news/subscribers`, { subscribers: ['gh1', 'a', 'gh2'] });
    t.match(two.body.error.message, /^2 of these are not subscribers: gh1, gh2; create them first/);
    const page1 = await ok(s, 'GET', `${T}/news/subscribers?limit=2`);
    t.same(page1.data, ['a', 'b']);
    t.equal(page1.has_more, true);
    const page2 = await ok(s, 'GET', `${T}/news/subscribers?limit=2&cursor=${page1.cursor}`);
    t.same(page2.data, ['c', 'd']);
    const page3 = await ok(s, 'GET', `${T}/news/subscribers?limit=2&cursor=${page2.cursor}`);
    t.same(page3, { data: ['e'], cursor: null, has_more: false });
    t.same(await ok(s, 'DELETE', `${T}/news/subscribers`, { subscribers: ['a', 'zz'] }), {
      removed: 1,
      subscriber_count: 4,
    });
    const byId = await ok(s, 'GET', `${T}/${created.body.id}`);
    t.match(byId, { key: 'news', subscriber_count: 4 });
    t.match(await ok(s, 'PATCH', `${T}/news`, { description: 'Daily' }), { description: 'Daily' });
    t.equal((await ok(s, 'GET', T)).data.length, 1);
    const tooMany = Array.from({ length: 1001 }, (_, i) => `s${i}`);
    t.equal((await s.api('POST', `${T}/news/subscribers`, { subscribers: tooMany })).status, 400);
    t.equal((await s.api('POST', `${T}/news/subscribers`, { subscribers: [] })).status, 400);
    t.equal((await s.api('POST', `${T}/none/subscribers`, { subscribers: ['a'] })).status, 404);
    t.equal((await s.api('GET', `${T}/none/subscribers`)).status, 404);
    t.equal((await s.api('POST', T, { key: 'bad key', name: 'x' })).status, 400);
    t.equal((await s.api('DELETE', `${T}/news`)).status, 204);
    t.equal((await s.api('GET', `${T}/news`)).body.error.code, 'TOPIC_NOT_FOUND');
    await ok(s, 'POST', T, { key: 'news', name: 'News again' });
    t.equal((await ok(s, 'GET', `${T}/news`)).subscriber_count, 0, 'memberships went with it');
    t.same(heard, [
      'notification.topic.created {"topic_key":"news","name":"News","actor":"admin"}',
      'notification.topic.updated {"topic_key":"news","name":"News","version":2,"actor":"admin"}',
      'notification.topic.deleted {"topic_key":"news","members_removed":4,"actor":"admin"}',
      'notification.topic.created {"topic_key":"news","name":"News again","actor":"admin"}',
    ]);
  });
}
