import t from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { createIdGenerator } from '../../src/core/ids.js';
import { CategoryService } from '../../src/recipients/categories.js';
import { Preferences } from '../../src/recipients/preferences.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { BACKENDS, ok, serverOn } from './servers.js';

const ME = '/api/v1/me/preferences';

for (const backend of BACKENDS) {
  t.test(`${backend}: the user reads defaults, changes parts, resets`, async (t) => {
    const s = (await serverOn(t, backend))!;
    await ok(s, 'POST', '/api/v1/categories', {
      id: 'billing',
      name: 'Billing',
      default_channels: ['in_app', 'email'],
    });
    await ok(s, 'POST', '/api/v1/categories', {
      id: 'security',
      name: 'Security',
      mandatory: true,
      default_channels: ['email', 'sms'],
    });
    const heard: string[] = [];
    s.server.events.subscribe((e) => {
      if (e.type === 'notification.preference_updated') heard.push(JSON.stringify(e.data));
    });
    const initial = await s.asUser('u1', 'GET', ME);
    t.equal(initial.status, 200);
    t.match(initial.body, {
      subscriber_id: 'u1',
      global_enabled: true,
      channels: { in_app: { enabled: true, delivery_schedule: 'realtime' } },
      categories: {
        billing: {
          category_id: 'billing',
          channels: { in_app: true, email: true, push: false, sms: false },
          is_muted: false,
          is_mandatory: false,
        },
        security: { is_mandatory: true, channels: { email: true, sms: true } },
      },
      quiet_hours: null,
      digest: { enabled: false, frequency: 'daily', timezone: 'UTC' },
      updated_at: null,
    });
    t.equal((await s.api('GET', '/api/v1/subscribers/u1')).status, 404, 'reading creates nobody');

    const changed = await s.asUser('u1', 'PUT', ME, {
      channels: { sms: { enabled: false }, email: { delivery_schedule: 'digest' } },
      categories: { billing: { channels: { push: true } } },
      quiet_hours: {
        enabled: true,
        start_time: '22:00',
        end_time: '07:00',
        timezone: 'Europe/Paris',
      },
      digest: { enabled: true, frequency: 'weekly', delivery_day: 'friday' },
    });
    t.equal(changed.status, 200);
    t.match(changed.body, {
      channels: {
        sms: { enabled: false, delivery_schedule: 'realtime' },
        email: { enabled: true, delivery_schedule: 'digest' },
      },
      categories: { billing: { channels: { push: true, email: true } } },
      quiet_hours: { enabled: true, start_time: '22:00', timezone: 'Europe/Paris' },
      digest: { enabled: true, frequency: 'weekly', delivery_day: 'friday' },
    });
    t.ok(changed.body.updated_at);
    t.equal((await s.api('GET', '/api/v1/subscribers/u1')).status, 200, 'a change subscribes');
    const second = await s.asUser('u1', 'PUT', ME, {
      channels: { sms: { delivery_schedule: 'digest' } },
      categories: { billing: { is_muted: true } },
      quiet_hours: null,
    });
    t.match(second.body, {
      channels: { sms: { enabled: false, delivery_schedule: 'digest' } },
      categories: { billing: { is_muted: true, channels: { push: true } } },
      quiet_hours: null,
    });
    const one = await s.asUser('u1', 'PUT', `${ME}/categories/billing`, {
      channels: { email: false },
      is_mandatory: true,
    });
    t.equal(one.status, 200);
    t.match(one.body, {
      category_id: 'billing',
      channels: { email: false, push: true },
      is_muted: true,
      is_mandatory: false,
    });
    const reset = await s.asUser('u1', 'DELETE', ME);
    t.equal(reset.status, 200);
    t.match(reset.body, { channels: { sms: { enabled: true } }, updated_at: null });
    t.same(
      heard.map((h) => JSON.parse(h)),
      [
        { subscriber_id: 'u1', category_id: null, reset: false },
        { subscriber_id: 'u1', category_id: null, reset: false },
        { subscriber_id: 'u1', category_id: 'billing', reset: false },
        { subscriber_id: 'u1', category_id: null, reset: true },
      ],
    );
  });

  t.test(`${backend}: mandatory categories refuse opt-outs; bad input is a 4xx`, async (t) => {
    const s = (await serverOn(t, backend))!;
    await ok(s, 'POST', '/api/v1/categories', { id: 'security', name: 'S', mandatory: true });
    await ok(s, 'POST', '/api/v1/categories', { id: 'login', name: 'L', parent: 'security' });
    for (const [path, body] of [
      [`${ME}/categories/security`, { is_muted: true }],
      [`${ME}/categories/security`, { channels: { email: false } }],
      [`${ME}/categories/login`, { channels: { in_app: false } }],
      [ME, { categories: { security: { is_muted: true } } }],
    ] as const) {
      const res = await s.asUser('u1', 'PUT', path, body);
      t.equal(res.status, 403, `${path} ${JSON.stringify(body)}`);
      t.equal(res.body.error.code, 'MANDATORY_CATEGORY');
    }
    const on = await s.asUser('u1', 'PUT', `${ME}/categories/security`, {
      channels: { push: true },
    });
    t.equal(on.status, 200, 'switching on is fine');
    const unknown = await s.asUser('u1', 'PUT', `${ME}/categories/nope`, { is_muted: true });
    t.equal(unknown.status, 404);
    t.equal(unknown.body.error.code, 'CATEGORY_NOT_FOUND');
    const bad = [
      { quiet_hours: { enabled: true, start_time: '25:00', end_time: '07:00' } },
      { quiet_hours: { enabled: true, start_time: '22:00', end_time: '07:00', timezone: 'X/Y' } },
      { quiet_hours: { enabled: true, start_time: '22:00', end_time: '07:00', days: ['funday'] } },
      { digest: { frequency: 'monthly' } },
      { digest: { timezone: 'Nowhere/Else' } },
      { channels: { pigeon: { enabled: true } } },
      { channels: { sms: { enabled: 'yes' } } },
      { global_enabled: 'no' },
      { categories: { 'bad slug!': { is_muted: true } } },
      { colour: 'red' },
    ];
    for (const body of bad) {
      const res = await s.asUser('u1', 'PUT', ME, body);
      t.equal(res.status, 400, JSON.stringify(body));
      t.equal(res.body.error.code, 'VALIDATION_ERROR');
    }
    t.equal((await s.asUser('u1', 'PUT', `${ME}/categories/${'x'.repeat(200)}`, {})).status, 400);
    t.equal((await s.api('GET', ME)).status, 401, 'a key is not a user');
  });

  t.test(`${backend}: services do the same under /subscribers/{id}/preferences`, async (t) => {
    const s = (await serverOn(t, backend))!;
    const P = '/api/v1/subscribers/ada/preferences';
    t.equal((await s.api('GET', P)).status, 404, 'the subscriber must exist');
    t.equal((await s.api('PUT', P, { global_enabled: false })).status, 404);
    await ok(s, 'PUT', '/api/v1/subscribers/ada', { timezone: 'Asia/Tokyo' });
    await ok(s, 'POST', '/api/v1/categories', { id: 'news', name: 'News' });
    t.match(await ok(s, 'GET', P), { global_enabled: true, digest: { timezone: 'Asia/Tokyo' } });
    t.match(await ok(s, 'PUT', P, { global_enabled: false }), { global_enabled: false });
    t.match(await ok(s, 'PUT', `${P}/categories/news`, { is_muted: true }), { is_muted: true });
    t.match((await s.asUser('ada', 'GET', ME)).body, {
      global_enabled: false,
      categories: { news: { is_muted: true } },
    });
    t.match(await ok(s, 'DELETE', P), { global_enabled: true });
    t.equal((await s.api('PUT', `${P}/categories/none`, { is_muted: true })).status, 404);
  });
}

/** Preferences over a memory store, for routing's decisions at chosen times. */
async function decider(now: number) {
  const store = createMemoryStore();
  const clock = new FakeClock(now);
  const categories = new CategoryService(store.objects, clock, createIdGenerator(clock));
  const prefs = new Preferences(store.preferences, store.subscribers, categories, clock, () => {});
  const caller = { key_id: 'k', tenant_id: 't1', tenant_bound: true, admin: false };
  await categories.create(caller, {
    id: 'billing',
    name: 'B',
    default_channels: ['in_app', 'email'],
  });
  await categories.create(caller, { id: 'invoices', name: 'I', parent: 'billing' });
  await categories.create(caller, { id: 'security', name: 'S', mandatory: true });
  await categories.create(caller, { id: 'reset', name: 'R', parent: 'security' });
  const decide = (
    subscriberId: string,
    category: string | null,
    priority: 'normal' | 'urgent' = 'normal',
    at = clock.now(),
  ) =>
    prefs.decide({
      tenantId: 't1',
      subscriberId,
      category,
      channels: ['in_app', 'push', 'sms', 'email'],
      priority,
      now: at,
    });
  return { store, clock, prefs, decide };
}

t.test(
  'decide: global, channel, category opt-outs and mutes; mandatory ignores them',
  async (t) => {
    const { prefs, decide, store } = await decider(Date.UTC(2026, 0, 5, 12));
    const all = {
      in_app: { deliver: true },
      push: { deliver: true },
      sms: { deliver: true },
      email: { deliver: true },
    };
    t.same(await decide('nobody', null), all, 'no preferences: everything');
    t.same(await decide('nobody', 'unknown-category'), all, 'an unknown category says nothing');
    t.same(
      await decide('nobody', 'billing'),
      {
        in_app: { deliver: true },
        push: { deliver: false, reason: 'category_disabled' },
        sms: { deliver: false, reason: 'category_disabled' },
        email: { deliver: true },
      },
      "the category's default channels",
    );
    t.same(await decide('nobody', 'invoices'), await decide('nobody', 'invoices'));
    t.match(await decide('nobody', 'invoices'), { in_app: { deliver: true } });

    await store.subscribers.upsert('t1', { id: 'u' }, 0);
    await prefs.update('t1', 'u', { channels: { sms: { enabled: false } } });
    t.match(await decide('u', null), {
      sms: { deliver: false, reason: 'channel_disabled' },
      push: { deliver: true },
    });
    await prefs.updateCategory('t1', 'u', 'billing', { channels: { push: true, email: false } });
    t.match(
      await decide('u', 'invoices'),
      {
        push: { deliver: true },
        email: { deliver: false, reason: 'category_disabled' },
      },
      "a parent's switches apply to its children",
    );
    await prefs.updateCategory('t1', 'u', 'invoices', { channels: { email: true } });
    t.match(await decide('u', 'invoices'), { email: { deliver: true } }, 'the nearest decides');
    await prefs.updateCategory('t1', 'u', 'billing', { is_muted: true });
    t.match(await decide('u', 'invoices'), {
      in_app: { deliver: false, reason: 'category_muted' },
    });
    await prefs.update('t1', 'u', { global_enabled: false });
    t.match(await decide('u', 'billing'), {
      in_app: { deliver: false, reason: 'global_disabled' },
    });
    t.same(await decide('u', 'reset'), all, 'mandatory (by its parent) ignores every opt-out');
  },
);

t.test('decide: quiet hours in the subscriber’s zone; urgent goes through', async (t) => {
  // 23:30 in Paris on Monday 5 January 2026 (UTC+1).
  const at = Date.UTC(2026, 0, 5, 22, 30);
  const { prefs, decide, store } = await decider(at);
  await store.subscribers.upsert('t1', { id: 'p', timezone: 'Europe/Paris' }, 0);
  await prefs.update('t1', 'p', {
    quiet_hours: { enabled: true, start_time: '22:00', end_time: '07:00' },
  });
  const until = Date.UTC(2026, 0, 6, 6, 0); // 07:00 in Paris
  t.same(await decide('p', null), {
    in_app: { deliver: true },
    push: { deliver: true, defer_until: until },
    sms: { deliver: true, defer_until: until },
    email: { deliver: true, defer_until: until },
  });
  t.same(await decide('p', null, 'urgent'), {
    in_app: { deliver: true },
    push: { deliver: true },
    sms: { deliver: true },
    email: { deliver: true },
  });
  t.same(
    await decide('p', null, 'normal', Date.UTC(2026, 0, 6, 5, 59)),
    await decide('p', null),
    'still quiet at 06:59',
  );
  t.match(await decide('p', null, 'normal', Date.UTC(2026, 0, 6, 6, 0)), {
    push: { deliver: true },
  });
  t.notOk('defer_until' in (await decide('p', null, 'normal', Date.UTC(2026, 0, 6, 6, 0))).push!);
  t.notOk(
    'defer_until' in (await decide('p', null, 'normal', Date.UTC(2026, 0, 5, 20, 59))).push!,
    '21:59 is before',
  );

  // The zone of the quiet hours wins over the subscriber's; days and channels narrow it.
  await prefs.update('t1', 'p', {
    quiet_hours: {
      enabled: true,
      start_time: '09:00',
      end_time: '17:00',
      timezone: 'America/New_York',
      days: ['monday'],
      channels_affected: ['in_app'],
    },
  });
  const monday = Date.UTC(2026, 0, 5, 15); // 10:00 in New York, Monday
  t.same((await decide('p', null, 'normal', monday)).in_app, {
    deliver: true,
    defer_until: Date.UTC(2026, 0, 5, 22),
  });
  t.same((await decide('p', null, 'normal', monday)).push, { deliver: true });
  t.same(
    (await decide('p', null, 'normal', monday + 86_400_000)).in_app,
    { deliver: true },
    'not on Tuesday',
  );

  // An overnight window that started on a day not named does not hold the next morning.
  await prefs.update('t1', 'p', {
    quiet_hours: { enabled: true, start_time: '22:00', end_time: '07:00', days: ['sunday'] },
  });
  t.match(
    (await decide('p', null, 'normal', Date.UTC(2026, 0, 5, 5))).push,
    { defer_until: Date.UTC(2026, 0, 5, 6) },
    'Monday 06:00 after Sunday 22:00',
  );
  t.same(
    (await decide('p', null, 'normal', Date.UTC(2026, 0, 6, 5))).push,
    { deliver: true },
    'Tuesday 06:00 after Monday',
  );
  t.same(
    (await decide('p', null, 'normal', Date.UTC(2026, 0, 5, 22))).push,
    { deliver: true },
    'Monday 23:00',
  );

  // Across a clock change: Paris goes to summer time at 02:00 on 29 March 2026.
  await prefs.update('t1', 'p', {
    quiet_hours: { enabled: true, start_time: '22:00', end_time: '07:00' },
  });
  t.same((await decide('p', null, 'normal', Date.UTC(2026, 2, 28, 22))).push, {
    deliver: true,
    defer_until: Date.UTC(2026, 2, 29, 5), // 07:00 CEST
  });
  // A window of no length, or switched off, holds nothing.
  await prefs.update('t1', 'p', {
    quiet_hours: { enabled: true, start_time: '22:00', end_time: '22:00' },
  });
  t.same((await decide('p', null)).push, { deliver: true });
  await prefs.update('t1', 'p', {
    quiet_hours: { enabled: false, start_time: '00:00', end_time: '23:59' },
  });
  t.same((await decide('p', null)).push, { deliver: true });
  // No zone anywhere: UTC.
  await store.subscribers.upsert('t1', { id: 'z' }, 0);
  await prefs.update('t1', 'z', {
    quiet_hours: { enabled: true, start_time: '22:00', end_time: '23:00' },
  });
  t.same((await decide('z', null)).push, { deliver: true, defer_until: Date.UTC(2026, 0, 5, 23) });
});
