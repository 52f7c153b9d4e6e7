import t, { type Test } from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { startServer } from '../helpers/server.js';
import { FakeProviders, fakes, welcomeTemplate } from './fakes.js';

const T = 'default';

/** A server with every fake port, alice known with email, phone and two devices. */
async function routed(t: Test, clock?: FakeClock) {
  const f = fakes();
  f.templates.templates.push(welcomeTemplate());
  await f.directory.upsert(T, { id: 'alice', email: 'a@example.com', phone: '+33600000000' });
  f.directory.device('alice', 'dev_a');
  f.directory.device('alice', 'dev_b');
  f.directory.calls = 0;
  // No provider and no console fallback: the rows stay as routing wrote them (no worker sends).
  const s = await startServer(t, { delivery: { console_fallback: false } }, undefined, {
    routing: f.routing,
    ...(clock ? { clock } : {}),
  });
  return { ...f, s };
}

t.test('an inline in-app send takes the fast path: no lookup at all', async (t) => {
  const { s, directory, preferences } = await routed(t);
  const res = await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'alice',
    content: { title: 'T', body: 'B' },
  });
  t.equal(res.status, 202);
  t.same(res.body.channels_targeted, ['in_app']);
  t.notOk('channels_skipped' in res.body);
  t.equal(directory.calls, 0, 'no directory call');
  t.equal(preferences.queries.length, 0, 'no preferences call');
});

t.test(
  'a template send routes every channel and writes one row per channel and device',
  async (t) => {
    const { s, preferences } = await routed(t);
    preferences.rules.set('alice', { sms: { deliver: false, reason: 'channel_disabled' } });
    const res = await s.api('POST', '/api/v1/notifications', {
      recipient_id: 'alice',
      template: 'welcome',
      payload: { name: 'Alice' },
      priority: 'critical',
      ttl_seconds: 60,
    });
    t.equal(res.status, 202, JSON.stringify(res.body));
    t.same(res.body.channels_targeted, ['in_app', 'push', 'email']);
    t.same(res.body.channels_skipped, { sms: 'channel_disabled' });
    t.match(preferences.queries[0], {
      tenantId: T,
      subscriberId: 'alice',
      category: 'account',
      priority: 'urgent',
      channels: ['in_app', 'push', 'sms', 'email'],
    });
    const id = res.body.notification_id;
    const d = await s.api('GET', `/api/v1/notifications/${id}/deliveries`);
    t.equal(d.status, 200);
    t.match(d.body.data, [
      { channel: 'in_app', status: 'delivered', skip_reason: null, device_id: null },
      { channel: 'push', status: 'pending', device_id: 'dev_a', attempts: 0 },
      { channel: 'push', status: 'pending', device_id: 'dev_b' },
      { channel: 'sms', status: 'skipped', skip_reason: 'channel_disabled', last_error: null },
      { channel: 'email', status: 'pending', device_id: null },
    ]);
    const stored = await s.store.notifications.find(T, id);
    t.match(stored, {
      template: { id: 'tpl_1', key: 'welcome', version: 3 },
      category: 'account',
      content: { title: 'Hi Alice', body: 'Welcome aboard' },
      contents: {
        push: { title: 'Hi Alice', body: 'Welcome' },
        email: { subject: 'Welcome Alice', text: 'Hi Alice' },
      },
    });
    t.notOk(stored?.contents && 'sms' in stored.contents, 'skipped channels keep no content');
    t.ok(stored?.expires_at, 'ttl_seconds sets the expiry');
    const feed = await s.asUser('alice', 'GET', '/api/v1/me/notifications');
    t.match(feed.body.data, [{ id, content: { title: 'Hi Alice' } }]);
  },
);

t.test('channels restrict the template; the locale picks its variant', async (t) => {
  const { s } = await routed(t);
  const res = await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'alice',
    template_id: 'tpl_1',
    payload: { name: 'Al' },
    locale: 'fr',
    channels: ['email', 'push'],
  });
  t.equal(res.status, 202);
  t.same(res.body.channels_targeted, ['email']);
  t.same(res.body.channels_skipped, { in_app: 'not_requested', push: 'not_in_template' });
  const stored = await s.store.notifications.find(T, res.body.notification_id);
  t.match(stored, { contents: { email: { subject: 'Bienvenue Al' } } });
  t.ok(stored?.read_at && stored.dismissed_at, 'not routed to the feed: out of the inbox');
  const feed = await s.asUser('alice', 'GET', '/api/v1/me/notifications');
  t.same(feed.body.data, []);
  t.equal(feed.body.unread_count, 0);
});

t.test('an inline recipient is upserted; inline content goes to the channels named', async (t) => {
  const { s, directory } = await routed(t);
  const res = await s.api('POST', '/api/v1/notifications', {
    recipient: { id: 'bob', email: 'bob@example.com' },
    content: { title: 'Order', body: 'Shipped <now>', action_url: 'https://x.example/o' },
    channels: ['in_app', 'email', 'sms', 'push'],
    channel_overrides: { email: { subject: 'Your order' }, webhook: { body: {} } },
  });
  t.equal(res.status, 202);
  t.match(directory.subscribers.get(`${T}/bob`), { email: 'bob@example.com' });
  t.same(res.body.channels_targeted, ['in_app', 'email']);
  t.same(res.body.channels_skipped, { sms: 'no_phone', push: 'no_device' });
  const stored = await s.store.notifications.find(T, res.body.notification_id);
  t.match(stored?.contents?.email, {
    subject: 'Your order',
    text: 'Shipped <now>\n\nhttps://x.example/o',
    html: '<p>Shipped &#60;now&#62;</p><p><a href="https://x.example/o">https://x.example/o</a></p>',
  });
});

t.test('an unknown recipient becomes a subscriber; nothing left is 422', async (t) => {
  const { s, directory } = await routed(t);
  const res = await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'carol',
    content: { title: 'T', body: '' },
    channels: ['sms', 'email'],
  });
  t.equal(res.status, 422);
  t.equal(res.body.error.code, 'NO_DELIVERY_CHANNEL');
  t.same(res.body.error.details, {
    recipient_id: 'carol',
    skipped: { sms: 'no_phone', email: 'no_email' },
  });
  t.ok(directory.subscribers.has(`${T}/carol`), 'upserted on the way');
});

t.test('quiet hours defer; a channel nobody serves is skipped', async (t) => {
  const clock = new FakeClock(Date.parse('2026-01-01T22:00:00Z'));
  const { s, preferences, providers } = await routed(t, clock);
  providers.channels.delete('sms');
  const until = Date.parse('2026-01-02T07:00:00Z');
  preferences.rules.set('alice', { email: { deliver: true, defer_until: until } });
  const res = await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'alice',
    template: 'welcome',
    payload: { name: 'A' },
    channels: ['email', 'sms'],
  });
  t.equal(res.status, 202);
  t.same(res.body.channels_skipped, {
    in_app: 'not_requested',
    push: 'not_requested',
    sms: 'no_provider',
  });
  const d = await s.api('GET', `/api/v1/notifications/${res.body.notification_id}/deliveries`);
  t.match(
    d.body.data.find((x: { channel: string }) => x.channel === 'email'),
    {
      status: 'deferred',
      next_attempt_at: new Date(until).toISOString(),
    },
  );
  t.same(await s.server.deliveries.claim(['email'], 10, 1000), [], 'not due before the end');
  clock.set(until);
  t.equal((await s.server.deliveries.claim(['email'], 10, 1000)).length, 1, 'due at the end');
});

t.test('bad sends are 400 with the envelope', async (t) => {
  const { s } = await routed(t);
  const cases: Array<[unknown, RegExp]> = [
    [{ recipient_id: 'alice' }, /content: required unless a template/],
    [{ recipient_id: 'alice', channels: ['email'] }, /content: required unless a template/],
    [{ content: { title: 'T', body: 'B' } }, /recipient_id or recipient is required/],
    [
      { recipient_id: 'x', recipient: { id: 'y' }, content: { title: 'T', body: 'B' } },
      /differs from recipient.id/,
    ],
    [
      { recipient_id: 'alice', template: 'welcome', content: { title: 'T', body: 'B' } },
      /content or a template, not both/,
    ],
    [{ recipient_id: 'alice', template: 'welcome' }, /missing name/],
    [{ recipient_id: 'alice', content: { title: 'T', body: 'B' }, channels: ['fax'] }, /channels/],
    [
      {
        recipient_id: 'alice',
        template: 'welcome',
        payload: { name: 'x' },
        expires_at: '2000-01-01T00:00:00Z',
      },
      /expires_at must be in the future/,
    ],
    [
      {
        recipient_id: 'alice',
        content: { title: 'T', body: 'B' },
        channels: ['in_app'],
        actions: [
          { id: 'a', label: 'A', type: 'primary' },
          { id: 'a', label: 'B', type: 'primary' },
        ],
      },
      /action id a is used twice/,
    ],
  ];
  for (const [body, message] of cases) {
    const res = await s.api('POST', '/api/v1/notifications', body);
    t.equal(res.status, 400, JSON.stringify(body));
    t.match(res.body.error.message, message);
  }
});

t.test(
  'the real server: an unknown template is 404; a recipient with no address gets only the feed',
  async (t) => {
    const s = await startServer(t);
    const tpl = await s.api('POST', '/api/v1/notifications', { recipient_id: 'a', template: 'x' });
    t.equal(tpl.status, 404);
    t.equal(tpl.body.error.code, 'TEMPLATE_NOT_FOUND');
    const res = await s.api('POST', '/api/v1/notifications', {
      recipient_id: 'a',
      content: { title: 'T', body: 'B' },
      channels: ['in_app', 'sms', 'push'],
    });
    t.equal(res.status, 202);
    t.same(res.body.channels_targeted, ['in_app']);
    t.same(res.body.channels_skipped, { sms: 'no_phone', push: 'no_device' }, 'no address known');
  },
);

t.test('a channel the template lacks content for gets the feed content', async (t) => {
  const f = fakes();
  f.templates.templates.push({
    id: 'tpl_s',
    key: 'sms-only',
    version: 1,
    category: null,
    contents: { sms: { body: 'code {{code}}' } },
  });
  f.templates.templates.push({
    id: 'tpl_p',
    key: 'push-only',
    version: 1,
    category: null,
    contents: { push: { title: 'P', body: 'pb' } },
  });
  f.templates.templates.push({
    id: 'tpl_w',
    key: 'hook',
    version: 1,
    category: null,
    contents: { webhook: { body: { a: 1 } } },
  });
  await f.directory.upsert(T, { id: 'd', phone: '+15550000000' });
  f.directory.device('d', 'dev_d');
  const s = await startServer(t, {}, undefined, {
    routing: { ...f.routing, providers: new FakeProviders() },
  });
  for (const [template, title] of [
    ['sms-only', 'code 7'],
    ['push-only', 'P'],
    ['hook', 'Notification'],
  ]) {
    const res = await s.api('POST', '/api/v1/notifications', {
      recipient_id: 'd',
      template,
      payload: { code: 7 },
    });
    t.equal(res.status, 202, template);
    t.match(await s.store.notifications.find(T, res.body.notification_id), { content: { title } });
  }
});
