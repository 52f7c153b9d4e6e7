import t from 'tap';
import type { AnyEvent } from '../../src/events/types.js';
import { BACKENDS, ok, type Server, serverOn } from '../recipients/servers.js';
import { CONSOLE } from './helpers.js';

// 2026-03-10 is a Tuesday; 08:00 UTC is 09:00 in Paris (CET, UTC+1).
const START = Date.UTC(2026, 2, 10, 7, 0);
const PARIS_9AM = Date.UTC(2026, 2, 10, 8, 0);

async function subscriber(s: Server, id: string, prefs: Record<string, unknown>) {
  await ok(s, 'PUT', `/api/v1/subscribers/${id}`, {
    email: `${id}@example.com`,
    name: id,
    timezone: 'Europe/Paris',
  });
  await ok(s, 'PUT', `/api/v1/subscribers/${id}/preferences`, prefs);
}

const comment = (recipient: string, actor: string, extra: Record<string, unknown> = {}) => ({
  recipient_id: recipient,
  channels: ['in_app', 'email'],
  category: 'comments',
  group_key: 'post-1',
  content: {
    title: `${actor} commented on your post`,
    body: 'Nice!',
    action_url: 'https://x.test/p/1',
  },
  data: { actor_name: actor, verb: 'commented' },
  ...extra,
});

function events(s: Server, type: string): AnyEvent[] {
  const seen: AnyEvent[] = [];
  s.server.events.subscribe((e) => {
    if (e.type === type) seen.push(e);
  });
  return seen;
}

for (const backend of BACKENDS) {
  t.test(
    `${backend}: digested deliveries collect and go out once at 09:00 in the user's zone`,
    async (t) => {
      const s = await serverOn(t, backend, CONSOLE);
      if (!s) return;
      s.clock.set(START);
      const sent = events(s, 'notification.digest.sent');
      await subscriber(s, 'u1', { channels: { email: { delivery_schedule: 'digest' } } });
      for (const actor of ['Alice', 'Bob', 'Carol', 'Dan', 'Eve']) {
        const r = await ok(s, 'POST', '/api/v1/notifications', comment('u1', actor));
        t.same(r.channels_targeted, ['in_app'], 'in-app goes now');
        t.same(r.channels_skipped, { email: 'digest' }, 'email waits in the digest');
      }
      await ok(s, 'POST', '/api/v1/notifications', {
        recipient_id: 'u1',
        channels: ['email'],
        category: 'billing',
        content: { title: 'Invoice ready', body: 'March' },
      });
      // An urgent one is never digested.
      const urgent = await ok(
        s,
        'POST',
        '/api/v1/notifications',
        comment('u1', 'Zed', { priority: 'urgent', group_key: 'x' }),
      );
      t.same(urgent.channels_targeted, ['in_app', 'email']);

      const state = await ok(s, 'GET', '/api/v1/subscribers/u1/digest');
      t.match(state, {
        subscriber_id: 'u1',
        settings: {
          frequency: 'daily',
          delivery_time: '09:00',
          timezone: 'Europe/Paris',
          channel: 'email',
        },
        last_sent_at: null,
        pending: {
          window_end: new Date(PARIS_9AM).toISOString(),
          count: 6,
          by_category: { comments: 5, billing: 1 },
        },
      });

      s.clock.set(PARIS_9AM - 1);
      t.equal(await s.server.scheduler.runDue(), 0, 'nothing before 09:00 Paris');
      s.clock.set(PARIS_9AM);
      t.equal(await s.server.scheduler.runDue(), 1, 'one flush at 09:00 Paris');
      await new Promise((r) => setImmediate(r));
      t.equal(sent.length, 1, 'notification.digest.sent once');
      t.match(sent[0]?.data, {
        subscriber_id: 'u1',
        channel: 'email',
        count: 6,
        categories: ['billing', 'comments'],
        window_end: new Date(PARIS_9AM).toISOString(),
      });

      const after = await ok(s, 'GET', '/api/v1/subscribers/u1/digest');
      t.equal(after.last_sent_at, new Date(PARIS_9AM).toISOString());
      t.equal(after.pending, null);
      const id = after.last_notification_id as string;
      const record = await s.store.notifications.get('default', 'u1', id);
      const email = record?.contents?.email as { subject: string; html: string; text: string };
      t.equal(email.subject, 'Your digest: 6 new notifications');
      t.match(email.html, 'Alice, Bob and 3 others commented');
      t.match(email.html, '<h2>comments (5)</h2>');
      t.match(email.html, 'Invoice ready');
      t.match(email.html, '<a href="https://x.test/p/1">Eve commented on your post</a>');
      t.equal(record?.category, 'digest');
      const deliveries = await ok(s, 'GET', `/api/v1/notifications/${id}/deliveries`);
      t.same(
        deliveries.data.map((d: { channel: string }) => d.channel),
        ['email'],
        'the digest itself goes on email, not into another digest',
      );

      // The next day: nothing arrived, so nothing is sent; a late flush of the sent window is a no-op.
      s.clock.set(PARIS_9AM + 86_400_000);
      t.equal(await s.server.scheduler.runDue(), 0);
      const digests = s.server.digests;
      if (!digests) throw new Error('digests are on');
      t.match(await digests.flush('default', 'u1', PARIS_9AM), {
        status: 'already_sent',
        notification_id: id,
      });
      t.same(
        await digests.flush('default', 'u1', PARIS_9AM + 86_400_000),
        { status: 'none' },
        'empty window: no digest',
      );
      t.equal(sent.length, 1);
    },
  );
}

t.test('hourly and weekly windows; digest.enabled with categories; an in-app digest', async (t) => {
  const s = await serverOn(t, 'memory', CONSOLE);
  if (!s) return;
  s.clock.set(START + 5 * 60_000); // 07:05 UTC = 08:05 Paris
  await subscriber(s, 'h', {
    digest: {
      enabled: true,
      frequency: 'hourly',
      delivery_time: '00:30',
      categories: ['comments'],
      channel: 'in_app',
    },
  });
  const r = await ok(s, 'POST', '/api/v1/notifications', comment('h', 'Alice'));
  t.same(r.channels_skipped, { email: 'digest' }, 'digest.enabled takes email, not in-app');
  const other = await ok(s, 'POST', '/api/v1/notifications', {
    ...comment('h', 'Bob'),
    category: 'billing',
  });
  t.same(other.channels_targeted, ['in_app', 'email'], 'a category not listed goes now');
  const st = await ok(s, 'GET', '/api/v1/subscribers/h/digest');
  t.equal(st.pending.window_end, new Date(START + 30 * 60_000).toISOString(), 'hourly at :30');
  s.clock.set(START + 30 * 60_000);
  t.equal(await s.server.scheduler.runDue(), 1);
  const feed = await s.asUser('h', 'GET', '/api/v1/me/notifications?category=digest');
  t.equal(feed.body.data.length, 1);
  t.equal(feed.body.data[0].content.title, '1 new notification');
  t.equal(feed.body.data[0].content.body, 'Alice commented');

  await subscriber(s, 'w', {
    channels: { push: { delivery_schedule: 'digest' }, email: { delivery_schedule: 'digest' } },
    digest: { frequency: 'weekly', delivery_day: 'friday', delivery_time: '18:00' },
  });
  await ok(s, 'POST', '/api/v1/notifications', comment('w', 'Alice'));
  const weekly = await ok(s, 'GET', '/api/v1/subscribers/w/digest');
  t.equal(weekly.pending.window_end, '2026-03-13T17:00:00.000Z', 'Friday 18:00 Paris');
  const missing = await s.api('GET', '/api/v1/subscribers/nobody/digest');
  t.equal(missing.status, 404);
});

t.test('a digest template named in the config renders the digest', async (t) => {
  const s = await serverOn(t, 'memory', {
    ...CONSOLE,
    digests: { template: 'my-digest', link_url: 'https://x.test/inbox' },
  });
  if (!s) return;
  s.clock.set(START);
  await ok(s, 'POST', '/api/v1/templates', {
    key: 'my-digest',
    name: 'My digest',
    channels: {
      email: {
        subject: '{{ subscriber.name }}: {{ count }} updates',
        text: '{% for c in categories %}{{ c.name }}={{ c.count }};{% endfor %} {{ summaries | join: " / " }} {{ link }}',
      },
    },
  });
  await subscriber(s, 'u2', { channels: { email: { delivery_schedule: 'digest' } } });
  for (const actor of ['Alice', 'Bob'])
    await ok(s, 'POST', '/api/v1/notifications', comment('u2', actor));
  s.clock.set(PARIS_9AM);
  t.equal(await s.server.scheduler.runDue(), 1);
  const st = await ok(s, 'GET', '/api/v1/subscribers/u2/digest');
  const record = await s.store.notifications.get('default', 'u2', st.last_notification_id);
  t.match(record?.contents?.email, {
    subject: 'u2: 2 updates',
    text: 'comments=2; Alice and Bob commented https://x.test/inbox',
  });
});

t.test('with digests off, a digest schedule sends at once', async (t) => {
  const s = await serverOn(t, 'memory', { ...CONSOLE, digests: { enabled: false } });
  if (!s) return;
  await subscriber(s, 'u3', { channels: { email: { delivery_schedule: 'digest' } } });
  const r = await ok(s, 'POST', '/api/v1/notifications', comment('u3', 'Alice'));
  t.same(r.channels_targeted, ['in_app', 'email']);
  t.equal(s.server.digests, null);
  t.equal((await s.api('GET', '/api/v1/subscribers/u3/digest')).status, 404, 'no digest route');
});
