import t from 'tap';
import { BACKENDS, KEYS, ok, serverOn } from './servers.js';

const S = '/api/v1/subscribers';

for (const backend of BACKENDS) {
  t.test(`${backend}: PUT upserts, GET reads, null clears`, async (t) => {
    const s = (await serverOn(t, backend))!;
    const created = await s.api('PUT', `${S}/u1`, {
      email: 'Ada@Example.com',
      phone: '+33612345678',
      locale: 'pt-br',
      timezone: 'Europe/Paris',
      name: 'Ada',
      data: { plan: 'pro' },
    });
    t.equal(created.status, 201);
    t.match(created.body, {
      id: 'u1',
      email: 'Ada@Example.com',
      phone: '+33612345678',
      locale: 'pt-BR',
      timezone: 'Europe/Paris',
      data: { plan: 'pro' },
    });
    s.clock.advance(1000);
    const updated = await s.api('PUT', `${S}/u1`, { name: null, locale: 'fr' });
    t.equal(updated.status, 200);
    t.match(updated.body, { name: null, locale: 'fr', email: 'Ada@Example.com' });
    t.not(updated.body.updated_at, updated.body.created_at);
    const empty = await s.api('PUT', `${S}/u2`);
    t.equal(empty.status, 201, 'an empty body creates the subscriber');
    t.match((await s.api('GET', `${S}/u1`)).body, { id: 'u1', locale: 'fr' });
    const missing = await s.api('GET', `${S}/nobody`);
    t.equal(missing.status, 404);
    t.equal(missing.body.error.code, 'SUBSCRIBER_NOT_FOUND');
    const odd = await s.api('PUT', `${S}/${encodeURIComponent('a/b c@d')}`, {});
    t.equal(odd.status, 201);
    t.equal(odd.body.id, 'a/b c@d', 'any text is an id');
  });

  t.test(`${backend}: bad input gets a 400 envelope naming the field`, async (t) => {
    const s = (await serverOn(t, backend))!;
    const bad = [
      [{ phone: '0612345678' }, 'body.phone'],
      [{ phone: '+0612345678' }, 'body.phone'],
      [{ timezone: 'Mars/Olympus' }, 'body.timezone'],
      [{ locale: 'not a locale!' }, 'body.locale'],
      [{ email: 'not-an-email' }, 'email'],
      [{ avatar_url: 'nope' }, 'avatar_url'],
      [{ surprise: 1 }, 'surprise'],
      [{ data: 'text' }, 'data'],
    ] as const;
    for (const [body, field] of bad) {
      const res = await s.api('PUT', `${S}/u1`, body);
      t.equal(res.status, 400, JSON.stringify(body));
      t.equal(res.body.error.code, 'VALIDATION_ERROR');
      t.match(JSON.stringify(res.body.error), field);
    }
    const notJson = await s.api('PUT', `${S}/u1`, '{"email":');
    t.equal(notJson.status, 400);
    const long = await s.api('PUT', `${S}/${'x'.repeat(300)}`, {});
    t.equal(long.status, 400, 'ids are bounded');
    t.equal((await s.api('GET', `${S}?limit=0`)).status, 400);
    t.equal((await s.api('GET', `${S}?limit=5000`)).status, 400);
    const cursor = await s.api('GET', `${S}?cursor=${encodeURIComponent('not/a cursor')}`);
    t.equal(cursor.status, 400);
    t.equal(cursor.body.error.code, 'VALIDATION_ERROR');
    t.equal((await s.api('GET', `${S}?colour=red`)).status, 400);
  });

  t.test(`${backend}: lists by id with a cursor, and by email`, async (t) => {
    const s = (await serverOn(t, backend))!;
    for (const id of ['c', 'a', 'e', 'b', 'd']) {
      await ok(s, 'PUT', `${S}/${id}`, { email: id === 'b' || id === 'd' ? 'Same@x.io' : null });
    }
    const first = await ok(s, 'GET', `${S}?limit=2`);
    t.same(
      first.data.map((x: { id: string }) => x.id),
      ['a', 'b'],
    );
    t.equal(first.has_more, true);
    const second = await ok(s, 'GET', `${S}?limit=2&cursor=${first.cursor}`);
    t.same(
      second.data.map((x: { id: string }) => x.id),
      ['c', 'd'],
    );
    const last = await ok(s, 'GET', `${S}?limit=2&cursor=${second.cursor}`);
    t.same(
      last.data.map((x: { id: string }) => x.id),
      ['e'],
    );
    t.equal(last.has_more, false);
    t.equal(last.cursor, null);
    const byEmail = await ok(s, 'GET', `${S}?email=same%40X.io`);
    t.same(
      byEmail.data.map((x: { id: string }) => x.id),
      ['b', 'd'],
      'email matches in any case',
    );
    t.same((await ok(s, 'GET', `${S}`)).data.length, 5, 'default page');
  });

  t.test(`${backend}: tenants and scopes`, async (t) => {
    const s = (await serverOn(t, backend))!;
    await ok(s, 'PUT', `${S}/u1`, { name: 'default tenant' });
    const acme = await ok(s, 'POST', '/api/v1/keys', {
      name: 'acme',
      scopes: ['notifications:manage'],
      tenant_id: 'acme',
    });
    t.equal((await s.api('GET', `${S}/u1`, undefined, acme.key)).status, 404, 'other tenant');
    t.equal((await s.api('PUT', `${S}/u1`, { name: 'acme one' }, acme.key)).status, 201);
    t.equal((await ok(s, 'GET', `${S}/u1`)).name, 'default tenant');
    const sender = await ok(s, 'POST', '/api/v1/keys', {
      name: 'sender',
      scopes: ['notifications:send'],
    });
    const refused = await s.api('GET', S, undefined, sender.key);
    t.equal(refused.status, 403);
    const user = await s.asUser('u1', 'GET', S);
    t.equal(user.status, 401, 'a user token is not a key');
    t.equal((await s.api('GET', S, undefined, 'nk_wrong')).status, 401);
  });

  t.test(`${backend}: export and erasure (GDPR) take everything`, async (t) => {
    const s = (await serverOn(t, backend))!;
    await ok(s, 'PUT', `${S}/ada`, { email: 'ada@x.io', timezone: 'Europe/London' });
    await ok(s, 'PUT', `${S}/bob`, { email: 'bob@x.io' });
    const send = (to: string) =>
      ok(s, 'POST', '/api/v1/notifications', {
        recipient_id: to,
        content: { title: 'Hello', body: `for ${to}` },
      });
    const n1 = await send('ada');
    await send('ada');
    await send('bob');
    const dev = await ok(s, 'POST', `${S}/ada/devices`, {
      kind: 'webpush',
      endpoint: 'https://push.example.com/sub/1',
      keys: KEYS,
    });
    await ok(s, 'PUT', `${S}/ada/preferences`, { global_enabled: false });
    await ok(s, 'POST', '/api/v1/topics', { key: 'news', name: 'News' });
    await ok(s, 'POST', '/api/v1/topics', { key: 'deals', name: 'Deals' });
    await ok(s, 'POST', '/api/v1/topics/news/subscribers', { subscribers: ['ada', 'bob'] });
    await ok(s, 'POST', '/api/v1/topics/deals/subscribers', { subscribers: ['ada'] });

    const exported = await ok(s, 'GET', `${S}/ada/export`);
    t.match(exported, {
      subscriber_id: 'ada',
      subscriber: { id: 'ada', email: 'ada@x.io' },
      devices: [{ id: dev.id, kind: 'webpush', keys: KEYS }],
      preferences: { stored: { global_enabled: false }, effective: { global_enabled: false } },
      notifications: [{ id: n1.notification_id, recipient_id: 'ada', deliveries: [] }],
    });
    t.same([...exported.topics].sort(), ['deals', 'news']);
    t.equal(exported.notifications.length, 2);
    t.ok(exported.notifications[0].deliveries.length >= 1, 'deliveries are in');

    const erased = await ok(s, 'DELETE', `${S}/ada`);
    t.same(erased, {
      id: 'ada',
      erased: {
        subscriber: true,
        notifications: 2,
        devices: 1,
        topic_memberships: 2,
        preferences: true,
      },
    });
    t.equal((await s.api('GET', `${S}/ada`)).status, 404);
    t.equal((await s.api('GET', `${S}/ada/export`)).status, 404);
    const again = await s.api('DELETE', `${S}/ada`);
    t.equal(again.status, 404, 'nothing left to erase');
    t.equal(again.body.error.code, 'SUBSCRIBER_NOT_FOUND');
    const feed = await s.asUser('ada', 'GET', '/api/v1/me/notifications');
    t.same(feed.body.data, [], 'the feed is empty');
    t.same((await ok(s, 'GET', '/api/v1/topics/news/subscribers')).data, ['bob']);
    t.equal((await ok(s, 'GET', '/api/v1/topics/deals')).subscriber_count, 0);
    const bob = await ok(s, 'GET', `${S}/bob/export`);
    t.equal(bob.notifications.length, 1, 'others keep theirs');
    t.equal(bob.preferences.stored, null);
  });

  t.test(
    `${backend}: a feed user with no subscriber record is still exported and erased`,
    async (t) => {
      const s = (await serverOn(t, backend))!;
      await ok(s, 'POST', '/api/v1/notifications', {
        recipient_id: 'legacy',
        content: { title: 'Old', body: 'from before subscribers' },
      });
      const exported = await ok(s, 'GET', `${S}/legacy/export`);
      t.equal(exported.subscriber, null);
      t.equal(exported.notifications.length, 1);
      const erased = await ok(s, 'DELETE', `${S}/legacy`);
      t.match(erased.erased, { subscriber: false, notifications: 1 });
    },
  );
}
