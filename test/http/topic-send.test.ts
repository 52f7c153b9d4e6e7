/**
 * Topic sends, GET /requests/{id} and cancellation through the real server (issue 12,
 * "Topic send" and "After sending"): a topic larger than one fan-out page reaches every
 * member exactly once, the request record follows it, and a cancellation key stops what is
 * not sent yet.
 */
import t from 'tap';
import { BACKENDS, ok, type Server, serverOn, settled } from '../recipients/servers.js';

/**
 * A topic with `n` members, added 1,000 per call (the limit of one call). The subscribers
 * themselves are made through the store: a setup step, not what these tests are about.
 */
async function topicOf(s: Server, key: string, n: number): Promise<string[]> {
  await ok(s, 'POST', '/api/v1/topics', { key, name: key });
  const ids = Array.from({ length: n }, (_, i) => `m${String(i).padStart(5, '0')}`);
  for (const id of ids)
    await s.store.subscribers.upsert('default', { id, email: `${id}@example.com` }, s.clock.now());
  for (let i = 0; i < n; i += 1000)
    await ok(s, 'POST', `/api/v1/topics/${key}/subscribers`, {
      subscribers: ids.slice(i, i + 1000),
    });
  return ids;
}

const TEMPLATE = {
  key: 'release',
  name: 'Release',
  channels: {
    in_app: { title: 'Release {{ version }}', body: 'out now' },
    push: { title: 'Release {{ version }}', body: 'out now' },
    email: { subject: 'Release {{ version }}', text: 'out now' },
  },
};

for (const backend of BACKENDS) {
  t.test(`${backend}: a topic of more than one page: everyone gets exactly one`, async (t) => {
    // Workers off: the queued channels' rows stay `pending`, as routing wrote them.
    const s = (await serverOn(t, backend, { delivery: { workers: { enabled: false } } }))!;
    const members = await topicOf(s, 'everyone', 1100);
    await ok(s, 'POST', '/api/v1/templates', TEMPLATE);
    // Routing per member: one with email off, one with in-app off, one with a device.
    await ok(s, 'PUT', '/api/v1/subscribers/m00600/preferences', {
      channels: { email: { enabled: false } },
    });
    await ok(s, 'PUT', '/api/v1/subscribers/m01099/preferences', {
      channels: { in_app: { enabled: false } },
    });
    await ok(s, 'POST', '/api/v1/subscribers/m00001/devices', { kind: 'fcm', token: 'fcm:t-1' });
    const res = await s.api('POST', '/api/v1/topics/everyone/notifications', {
      template: 'release',
      payload: { version: '2.0' },
      idempotency_key: 'release-1',
    });
    t.equal(res.status, 202);
    t.match(res.body, { request_id: /./, status: 'accepted', topic: 'everyone' });
    const view = await settled(s, res.body.request_id);
    t.match(view, {
      request_id: res.body.request_id,
      type: 'topic',
      status: 'completed',
      topic: 'everyone',
      accepted: 1100,
      skipped: 0,
      rejected: 0,
      errors: [],
    });
    t.type(view.completed_at, 'string');

    const counts = new Map<number, number>();
    for (const id of members) {
      const all = await s.store.notifications.listAll('default', id, null, 10);
      counts.set(all.length, (counts.get(all.length) ?? 0) + 1);
    }
    t.same([...counts], [[1, 1100]], 'every member has exactly one notification');
    const first = await s.asUser(members[0]!, 'GET', '/api/v1/me/notifications');
    t.match(first.body.data, [
      { request_id: res.body.request_id, content: { title: 'Release 2.0', body: 'out now' } },
    ]);
    const channels = async (id: string) => {
      const [n] = await s.store.notifications.listAll('default', id, null, 1);
      const rows = (await ok(s, 'GET', `/api/v1/notifications/${n!.id}/deliveries`)).data;
      return rows
        .map((d: { channel: string; status: string }) => `${d.channel} ${d.status}`)
        .sort();
    };
    t.same(await channels('m00000'), ['email pending', 'in_app delivered', 'push skipped']);
    t.same(await channels('m00001'), ['email pending', 'in_app delivered', 'push pending']);
    t.same(await channels('m00600'), ['email skipped', 'in_app delivered', 'push skipped']);
    t.same(await channels('m01099'), ['email pending', 'in_app skipped', 'push skipped']);

    const again = await s.api('POST', '/api/v1/topics/everyone/notifications', {
      content: { title: 'Release', body: 'again' },
      idempotency_key: 'release-1',
    });
    t.equal(again.status, 409, 'the same key sends nothing again');
    t.match(again.body.error, {
      code: 'DUPLICATE_NOTIFICATION',
      details: { request_id: res.body.request_id },
    });
    const one = await s.asUser(members[0]!, 'GET', '/api/v1/me/notifications');
    t.equal(one.body.data.length, 1);
    t.equal(view.accepted, 1100);
  });

  t.test(`${backend}: topic sends and requests refuse what is not there`, async (t) => {
    const s = (await serverOn(t, backend))!;
    const missing = await s.api('POST', '/api/v1/topics/nope/notifications', {
      content: { title: 'x', body: 'y' },
    });
    t.equal(missing.status, 404);
    t.match(missing.body.error, { code: 'TOPIC_NOT_FOUND', request_id: /./ });
    await topicOf(s, 'few', 3);
    const empty = await s.api('POST', '/api/v1/topics/few/notifications', {});
    t.equal(empty.status, 400);
    t.match(empty.body.error, { code: 'VALIDATION_ERROR' });
    const unknown = await s.api('GET', '/api/v1/requests/req_unknown');
    t.equal(unknown.status, 404);
    t.match(unknown.body.error, { code: 'REQUEST_NOT_FOUND' });

    const sent = await ok(s, 'POST', '/api/v1/topics/few/notifications', {
      template: 'no-such-template',
    });
    t.match(await settled(s, sent.request_id), {
      status: 'completed',
      accepted: 0,
      rejected: 3,
      errors: [
        { recipient_id: 'm00000', code: 'TEMPLATE_NOT_FOUND' },
        { recipient_id: 'm00001', code: 'TEMPLATE_NOT_FOUND' },
        { recipient_id: 'm00002', code: 'TEMPLATE_NOT_FOUND' },
      ],
    });
    const otherTenant = await s.api('POST', '/api/v1/keys', {
      name: 'other',
      scopes: ['notifications:send', 'notifications:manage'],
      tenant_id: 'other',
    });
    t.equal(otherTenant.status, 201);
    const foreign = await s.api(
      'GET',
      `/api/v1/requests/${sent.request_id}`,
      undefined,
      otherTenant.body.key,
    );
    t.equal(foreign.status, 404, 'another tenant’s request is not found');
  });

  t.test(`${backend}: a cancellation key cancels waiting deliveries, only its own`, async (t) => {
    const s = (await serverOn(t, backend))!;
    for (const id of ['alice', 'bob']) {
      await ok(s, 'PUT', `/api/v1/subscribers/${id}`, { email: `${id}@example.com` });
      await ok(s, 'PUT', `/api/v1/subscribers/${id}/preferences`, {
        quiet_hours: { enabled: true, start_time: '00:00', end_time: '23:59', timezone: 'UTC' },
      });
    }
    const send = (to: string, key: string) =>
      ok(s, 'POST', '/api/v1/notifications', {
        recipient_id: to,
        channels: ['in_app', 'email'],
        content: { title: 'Sale', body: 'ends soon' },
        cancellation_key: key,
      });
    const a = await send('alice', 'promo-1');
    const b = await send('bob', 'promo-2');
    const statuses = async (id: string) =>
      Object.fromEntries(
        (await ok(s, 'GET', `/api/v1/notifications/${id}/deliveries`)).data.map(
          (d: { channel: string; status: string }) => [d.channel, d.status],
        ),
      );
    t.same(await statuses(a.notification_id), { in_app: 'delivered', email: 'deferred' });

    const cancel = await s.api('POST', '/api/v1/notifications/cancel', {
      cancellation_key: 'promo-1',
    });
    t.equal(cancel.status, 200);
    t.same(cancel.body, {
      cancellation_key: 'promo-1',
      cancelled_at: new Date(s.clock.now()).toISOString(),
    });
    t.same(
      await statuses(a.notification_id),
      { in_app: 'delivered', email: 'cancelled' },
      'the waiting email is cancelled; the delivered in-app stays',
    );
    t.same(await statuses(b.notification_id), { in_app: 'delivered', email: 'deferred' });

    s.clock.advance(1000);
    const later = await send('alice', 'promo-1');
    t.same(
      await statuses(later.notification_id),
      { in_app: 'delivered', email: 'deferred' },
      'a send after the cancellation is not cancelled by it',
    );
    const bad = await s.api('POST', '/api/v1/notifications/cancel', {});
    t.equal(bad.status, 400);
    t.match(bad.body.error, { code: 'VALIDATION_ERROR' });
  });
}
