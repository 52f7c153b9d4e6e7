import t from 'tap';
import { KEYS, ok, serverOn } from './servers.js';

const S = '/api/v1/subscribers';

/** The GDPR export and erasure on the durable shared backends, through the real server. */
for (const backend of ['postgres', 'redis'] as const) {
  t.test(`${backend}: export then erase a subscriber and all of theirs`, async (t) => {
    const s = await serverOn(t, backend);
    if (!s) return;
    await ok(s, 'PUT', `${S}/ada`, { email: 'ada@x.io', phone: '+447700900123' });
    await ok(s, 'PUT', `${S}/bob`, {});
    for (const to of ['ada', 'ada', 'bob']) {
      await ok(s, 'POST', '/api/v1/notifications', {
        recipient_id: to,
        content: { title: 'Hi', body: to },
      });
    }
    await ok(s, 'POST', `${S}/ada/devices`, {
      kind: 'webpush',
      endpoint: 'https://push.example.com/a',
      keys: KEYS,
    });
    await ok(s, 'POST', `${S}/ada/devices`, { kind: 'fcm', token: 'fcm-a' });
    await ok(s, 'PUT', `${S}/ada/preferences`, { channels: { sms: { enabled: false } } });
    await ok(s, 'POST', '/api/v1/topics', { key: 'news', name: 'News' });
    await ok(s, 'POST', '/api/v1/topics/news/subscribers', { subscribers: ['ada', 'bob'] });

    const exported = await ok(s, 'GET', `${S}/ada/export`);
    t.match(exported, {
      subscriber: { id: 'ada', phone: '+447700900123' },
      topics: ['news'],
      preferences: { stored: { channels: { sms: { enabled: false } } } },
    });
    t.equal(exported.devices.length, 2);
    t.equal(exported.notifications.length, 2);

    t.same((await ok(s, 'DELETE', `${S}/ada`)).erased, {
      subscriber: true,
      notifications: 2,
      devices: 2,
      topic_memberships: 1,
      preferences: true,
    });
    t.equal((await s.api('GET', `${S}/ada/export`)).status, 404);
    t.same((await s.asUser('ada', 'GET', '/api/v1/me/devices')).body.data, []);
    t.same((await s.asUser('ada', 'GET', '/api/v1/me/notifications')).body.data, []);
    t.same((await ok(s, 'GET', '/api/v1/topics/news/subscribers')).data, ['bob']);
    t.equal((await ok(s, 'GET', `${S}/bob/export`)).notifications.length, 1);
  });
}
