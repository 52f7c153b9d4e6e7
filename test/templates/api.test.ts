import t from 'tap';
import { type Running, startServer } from '../helpers/server.js';

const T = '/api/v1/templates';

const welcome = {
  key: 'welcome',
  name: 'Welcome',
  description: 'Sent on sign-up',
  category: 'account',
  channels: {
    in_app: {
      title: 'Welcome, {{ user.name }}!',
      body: 'You joined {{ team }}.',
      action_url: 'https://app.example.com/teams/{{ team | url_encode }}',
      image_url: '{{ avatar }}',
      actions: [
        { id: 'open', label: 'Open {{ team }}', type: 'primary', url: 'https://x.test/{{ team }}' },
        { id: 'later', label: 'Later', type: 'secondary', callback_key: 'later' },
      ],
    },
    push: {
      title: 'Welcome',
      body: 'Hi {{ user.name }}',
      data: { team: '{{ team }}' },
      icon: 'https://cdn.test/i.png',
    },
    sms: { body: 'Welcome to {{ team }}, {{ user.name }}' },
    email: {
      subject: 'Welcome to {{ team }}',
      html: '<h1>Hello {{ user.name }}</h1><p>Join <a href="https://x.test/t">{{ team }}</a></p>',
    },
    webhook: { body: { event: 'welcome', user: '{{ user.name }}', n: 3, tags: ['{{ team }}'] } },
  },
  locales: {
    fr: {
      in_app: { title: 'Bienvenue, {{ user.name }} !' },
      email: { subject: 'Bienvenue dans {{ team }}' },
    },
  },
  variables: [
    { name: 'team', type: 'string', required: true, description: 'The team joined' },
    { name: 'avatar', type: 'url' },
    { name: 'seats', type: 'number', default_value: 5 },
  ],
};

const payload = { user: { name: 'Ada <Lovelace>' }, team: 'R&D' };

async function keyWith(s: Running, scopes: string[], tenant?: string | null): Promise<string> {
  const res = await s.api('POST', '/api/v1/keys', {
    name: scopes.join(' '),
    scopes,
    ...(tenant !== undefined ? { tenant_id: tenant } : {}),
  });
  return res.body.key;
}

t.test('create, get by id and key, list, update into versions, activate, delete', async (t) => {
  const s = await startServer(t);
  const events: string[] = [];
  s.server.events.subscribe((e) => {
    events.push(`${e.type}:${(e.data as { version: number }).version}`);
  });
  const created = await s.api('POST', T, welcome);
  t.equal(created.status, 201, JSON.stringify(created.body));
  t.match(created.body, {
    id: /^tpl_/,
    key: 'welcome',
    tenant_id: 'default',
    name: 'Welcome',
    category: 'account',
    default_locale: 'en',
    is_active: true,
    version: 1,
    restored_from: null,
    variables: [
      { name: 'team', type: 'string', required: true, default: null },
      { name: 'avatar', type: 'url', required: false, default: null, description: null },
      { name: 'seats', type: 'number', required: false, default: 5 },
    ],
  });
  const { id } = created.body;
  t.same((await s.api('GET', `${T}/${id}`)).body, created.body);
  t.same((await s.api('GET', `${T}/welcome`)).body, created.body, 'the key works as the id');
  t.equal((await s.api('POST', T, welcome)).body.error.code, 'ALREADY_EXISTS');
  t.equal((await s.api('POST', T, { ...welcome, key: 'tpl_x' })).status, 400);

  const array = await s.api('POST', T, {
    key: 'digest',
    name: 'Digest',
    is_active: false,
    channels: [
      { channel: 'in_app', title: 'Digest', body: '{{ count }} new' },
      { channel: 'sms', body: '{{ count }} new' },
    ],
  });
  t.equal(array.status, 201, 'the seed array form is accepted');
  t.same(Object.keys(array.body.channels), ['in_app', 'sms']);
  const dup = await s.api('POST', T, {
    key: 'dup',
    name: 'Dup',
    channels: [
      { channel: 'sms', body: 'a' },
      { channel: 'sms', body: 'b' },
    ],
  });
  t.equal(dup.status, 400);

  const list = await s.api('GET', `${T}?per_page=1`);
  t.match(list.body, { page: 1, per_page: 1, total: 2, data: [{ key: 'welcome' }] });
  t.equal((await s.api('GET', `${T}?is_active=false`)).body.data[0].key, 'digest');
  t.equal((await s.api('GET', `${T}?category=account`)).body.total, 1);
  t.equal((await s.api('GET', `${T}?q=DIG`)).body.data[0].key, 'digest');

  let v2 = await s.api('PATCH', `${T}/welcome`, {
    name: 'Welcome!',
    channels: { sms: { body: 'Hi {{ user.name }}' } },
    variables: [],
  });
  t.equal(v2.body.error?.code, 'VALIDATION_ERROR', 'fr still varies in_app and email');
  v2 = await s.api('PATCH', `${T}/welcome`, {
    name: 'Welcome!',
    channels: { sms: { body: 'Hi {{ user.name }}' } },
    locales: {},
    variables: [],
  });
  t.equal(v2.status, 200);
  t.match(v2.body, {
    version: 2,
    name: 'Welcome!',
    channels: { sms: { body: 'Hi {{ user.name }}' } },
  });
  t.notOk(v2.body.channels.email, 'channels are replaced as a whole');
  const v3 = await s.api('PATCH', `${T}/${id}`, { key: 'welcome-v', version: 2 });
  t.match(v3.body, { version: 3, key: 'welcome-v' });
  t.equal(
    (await s.api('PATCH', `${T}/${id}`, { name: 'x', version: 2 })).body.error.code,
    'VERSION_CONFLICT',
  );

  const versions = await s.api('GET', `${T}/${id}/versions`);
  t.equal(versions.status, 200);
  t.equal(versions.body.total, 3);
  t.same(
    versions.body.data.map((v: { version: number; current: boolean; key: string }) => [
      v.version,
      v.current,
      v.key,
    ]),
    [
      [3, true, 'welcome-v'],
      [2, false, 'welcome'],
      [1, false, 'welcome'],
    ],
  );
  const page2 = await s.api('GET', `${T}/${id}/versions?page=2&per_page=2`);
  t.same(
    page2.body.data.map((v: { version: number }) => v.version),
    [1],
  );
  const old = await s.api('GET', `${T}/welcome-v/versions/1`);
  t.match(old.body, { version: 1, current: false, name: 'Welcome', template_id: id });
  t.ok(old.body.channels.email, 'version 1 still has its email');
  t.equal((await s.api('GET', `${T}/${id}/versions/3`)).body.current, true);
  for (const n of [4, 99]) {
    const missing = await s.api('GET', `${T}/${id}/versions/${n}`);
    t.equal(missing.status, 404);
    t.equal(missing.body.error.code, 'TEMPLATE_VERSION_NOT_FOUND');
  }

  const preview1 = await s.api('POST', `${T}/${id}/render`, { payload, version: 1 });
  t.equal(preview1.status, 200);
  t.match(preview1.body.template, { id, key: 'welcome', version: 1 });

  await s.api('PATCH', `${T}/${id}`, { is_active: false });
  const rolled = await s.api('POST', `${T}/${id}/versions/1/activate`, { expected_version: 4 });
  t.equal(rolled.status, 200, JSON.stringify(rolled.body));
  t.match(rolled.body, {
    version: 5,
    restored_from: 1,
    is_active: true,
    name: 'Welcome',
    key: 'welcome-v',
  });
  t.ok(rolled.body.channels.email);
  const stale = await s.api('POST', `${T}/${id}/versions/1/activate`, { expected_version: 4 });
  t.equal(stale.body.error.code, 'VERSION_CONFLICT');
  t.equal((await s.api('POST', `${T}/${id}/versions/9/activate`)).status, 404);

  t.equal((await s.api('DELETE', `${T}/welcome-v`)).status, 204);
  const gone = await s.api('GET', `${T}/${id}`);
  t.equal(gone.status, 404);
  t.equal(gone.body.error.code, 'TEMPLATE_NOT_FOUND');
  t.equal((await s.store.objects.list({ kind: 'notification_template_version' })).total, 0);
  t.equal((await s.api('DELETE', `${T}/${id}`)).status, 404);
  await new Promise((r) => setImmediate(r));
  t.same(events, [
    'notification.template.created:1',
    'notification.template.created:1',
    'notification.template.updated:2',
    'notification.template.updated:3',
    'notification.template.updated:4',
    'notification.template.updated:5',
    'notification.template.deleted:5',
  ]);
});

t.test('preview renders every channel, in a locale with fallback', async (t) => {
  const s = await startServer(t);
  const { id } = (await s.api('POST', T, welcome)).body;
  const res = await s.api('POST', `${T}/${id}/render`, { payload });
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.same(res.body.template, { id, key: 'welcome', version: 1, category: 'account' });
  t.equal(res.body.locale, 'en');
  t.same(res.body.channels, ['in_app', 'push', 'sms', 'email', 'webhook']);
  const c = res.body.contents;
  t.same(c.in_app, {
    title: 'Welcome, Ada <Lovelace>!',
    body: 'You joined R&D.',
    action_url: 'https://app.example.com/teams/R%26D',
    actions: [
      { id: 'open', label: 'Open R&D', type: 'primary', url: 'https://x.test/R&D' },
      { id: 'later', label: 'Later', type: 'secondary', callback_key: 'later' },
    ],
  });
  t.notOk('image_url' in c.in_app, 'an optional field rendering empty is left out');
  t.same(c.push, {
    title: 'Welcome',
    body: 'Hi Ada <Lovelace>',
    icon: 'https://cdn.test/i.png',
    data: { team: 'R&D' },
  });
  t.same(c.sms, { body: 'Welcome to R&D, Ada <Lovelace>' });
  t.same(c.email, {
    subject: 'Welcome to R&D',
    html: '<h1>Hello Ada &lt;Lovelace&gt;</h1><p>Join <a href="https://x.test/t">R&amp;D</a></p>',
    text: 'Hello Ada <Lovelace>\n\nJoin R&D (https://x.test/t)',
  });
  t.same(c.webhook, { body: { event: 'welcome', user: 'Ada <Lovelace>', n: 3, tags: ['R&D'] } });

  const fr = await s.api('POST', `${T}/welcome/render`, {
    payload,
    locale: 'fr-CA',
    channels: ['in_app', 'email'],
  });
  t.equal(fr.body.locale, 'fr');
  t.same(fr.body.channels, ['in_app', 'email']);
  t.equal(fr.body.contents.in_app.title, 'Bienvenue, Ada <Lovelace> !');
  t.equal(fr.body.contents.in_app.body, 'You joined R&D.', 'a field not translated falls back');
  t.equal(fr.body.contents.email.subject, 'Bienvenue dans R&D');
  const de = await s.api('POST', `${T}/welcome/render`, { payload, locale: 'de' });
  t.equal(de.body.locale, 'en', 'an unknown locale falls back to the default');
  t.equal(
    (await s.api('POST', `${T}/welcome/render`, { payload, locale: 'en-GB' })).body.locale,
    'en',
  );
});

t.test('errors name the variable, channel, line and column', async (t) => {
  const s = await startServer(t);
  const bad = await s.api('POST', T, {
    key: 'bad',
    name: 'Bad',
    channels: { in_app: { title: 'ok', body: 'line one\n  {% if x %} never closed' } },
  });
  t.equal(bad.status, 400);
  t.match(bad.body.error, {
    code: 'TEMPLATE_SYNTAX_ERROR',
    details: { channel: 'in_app', field: 'body', line: 2, column: 3 },
  });
  const badLocale = await s.api('POST', T, {
    key: 'bad',
    name: 'Bad',
    channels: { sms: { body: 'ok' } },
    locales: { fr: { sms: { body: '{{ x ' } } },
  });
  t.match(badLocale.body.error, {
    code: 'TEMPLATE_SYNTAX_ERROR',
    details: { channel: 'sms', field: 'body', locale: 'fr', line: 1 },
  });
  const unknownFilter = await s.api('POST', T, {
    key: 'bad',
    name: 'Bad',
    channels: { sms: { body: '{{ x | nope }}' } },
  });
  t.equal(unknownFilter.body.error.code, 'TEMPLATE_SYNTAX_ERROR');
  const include = await s.api('POST', T, {
    key: 'bad',
    name: 'Bad',
    channels: { sms: { body: 'hi {% include "/etc/passwd" %}' } },
  });
  t.match(include.body.error, { code: 'TEMPLATE_SYNTAX_ERROR', details: { column: 4 } });
  t.match(include.body.error.message, /cannot include/);
  const noPart = await s.api('POST', T, {
    key: 'bad',
    name: 'Bad',
    channels: { email: { subject: 'x' } },
  });
  t.equal(noPart.body.error.code, 'VALIDATION_ERROR');
  const stray = await s.api('POST', T, {
    key: 'bad',
    name: 'Bad',
    channels: { sms: { body: 'x' } },
    locales: { fr: { push: { title: 'x' } } },
  });
  t.equal(stray.body.error.code, 'VALIDATION_ERROR');
  const twice = await s.api('POST', T, {
    key: 'bad',
    name: 'Bad',
    channels: { sms: { body: 'x' } },
    variables: [{ name: 'a' }, { name: 'a' }],
  });
  t.equal(twice.body.error.code, 'VALIDATION_ERROR');

  const { id } = (await s.api('POST', T, welcome)).body;
  const badUpdate = await s.api('PATCH', `${T}/${id}`, {
    channels: { sms: { body: '{% for %}' } },
    locales: {},
  });
  t.equal(badUpdate.body.error.code, 'TEMPLATE_SYNTAX_ERROR');
  t.equal((await s.api('GET', `${T}/${id}`)).body.version, 1, 'a refused change makes no version');

  const missing = await s.api('POST', `${T}/${id}/render`, { payload: { user: { name: 'A' } } });
  t.equal(missing.status, 400);
  t.match(missing.body.error, {
    code: 'MISSING_VARIABLE',
    details: { variable: 'team', channel: 'in_app' },
  });
  const undeclared = await s.api('POST', `${T}/${id}/render`, { payload: { team: 'x' } });
  t.match(undeclared.body.error, {
    code: 'MISSING_VARIABLE',
    details: { variable: 'user', channel: 'in_app', field: 'title', line: 1 },
  });
  const smsOnly = await s.api('POST', `${T}/${id}/render`, {
    payload: { team: 'x' },
    channels: ['webhook'],
  });
  t.match(smsOnly.body.error.details, { variable: 'user', channel: 'webhook', field: 'body.user' });
  const wrongType = await s.api('POST', `${T}/${id}/render`, {
    payload: { ...payload, avatar: 'not a url' },
  });
  t.match(wrongType.body.error, {
    code: 'TEMPLATE_RENDER_ERROR',
    details: { variable: 'avatar', channel: 'in_app', expected: 'url' },
  });
  const notUsed = await s.api('POST', T, {
    key: 'n',
    name: 'N',
    channels: { sms: { body: 'hi' } },
    variables: [{ name: 'count', type: 'number', required: true }],
  });
  const noChannel = await s.api('POST', `${T}/${notUsed.body.id}/render`, {});
  t.match(noChannel.body.error, {
    code: 'MISSING_VARIABLE',
    details: { variable: 'count', channel: null },
  });
  const badCount = await s.api('POST', `${T}/n/render`, { payload: { count: '3' } });
  t.match(badCount.body.error, { code: 'TEMPLATE_RENDER_ERROR', details: { channel: null } });
  t.equal((await s.api('POST', `${T}/nothing/render`, {})).body.error.code, 'TEMPLATE_NOT_FOUND');
});

t.test('render an unsaved template', async (t) => {
  const s = await startServer(t);
  const openapi = (await s.api('GET', '/openapi.json')).body;
  for (const path of [
    '/api/v1/templates',
    '/api/v1/templates/render',
    '/api/v1/templates/{id}',
    '/api/v1/templates/{id}/render',
    '/api/v1/templates/{id}/versions',
    '/api/v1/templates/{id}/versions/{version}',
    '/api/v1/templates/{id}/versions/{version}/activate',
  ]) {
    t.ok(openapi.paths[path], `${path} is in /openapi.json`);
  }
  const res = await s.api('POST', `${T}/render`, {
    template: {
      channels: { email: { subject: 'Hi {{ n | plus: 1 }}', text: 'a < b\nc' } },
      category: 'x',
    },
    payload: { n: 1 },
  });
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.same(res.body, {
    template: { id: null, key: null, version: null, category: 'x' },
    locale: 'en',
    channels: ['email'],
    contents: { email: { subject: 'Hi 2', text: 'a < b\nc', html: 'a &lt; b<br>\nc' } },
  });
  const keyed = await s.api('POST', `${T}/render`, {
    template: {
      key: 'k',
      channels: { sms: { body: 'x' } },
      locales: { de: { sms: { body: 'y' } } },
      default_locale: 'fr',
    },
    locale: 'de-AT',
  });
  t.match(keyed.body, {
    template: { key: 'k', category: null },
    locale: 'de',
    contents: { sms: { body: 'y' } },
  });
  const bad = await s.api('POST', `${T}/render`, {
    template: { channels: { sms: { body: '{{' } } },
  });
  t.equal(bad.body.error.code, 'TEMPLATE_SYNTAX_ERROR');
});

t.test('tenancy: tenant keys see their own and global templates; scopes', async (t) => {
  const s = await startServer(t);
  const global = await s.api('POST', T, { ...welcome, key: 'global-welcome', tenant_id: null });
  t.equal(global.status, 201);
  t.equal(global.body.tenant_id, null);
  const acme = await keyWith(s, ['notifications:manage'], 'acme');
  const other = await keyWith(s, ['notifications:manage'], 'other');
  const sender = await keyWith(s, ['notifications:send'], 'acme');
  const own = await s.api('POST', T, { ...welcome, key: 'mine' }, acme);
  t.equal(own.body.tenant_id, 'acme');
  t.equal((await s.api('POST', T, { ...welcome, key: 'g2', tenant_id: null }, acme)).status, 403);
  t.equal((await s.api('GET', `${T}/mine`, undefined, other)).status, 404);
  t.equal((await s.api('GET', `${T}/${own.body.id}`, undefined, other)).status, 404);
  t.equal((await s.api('GET', `${T}/global-welcome`, undefined, other)).status, 200);
  t.equal(
    (await s.api('PATCH', `${T}/global-welcome`, { name: 'x' }, other)).status,
    403,
    'a tenant key cannot change a global template',
  );
  t.equal((await s.api('GET', T, undefined, acme)).body.total, 2);
  t.equal((await s.api('GET', T, undefined, sender)).status, 403);

  // The renderer (the send pipeline's port) works by tenant.
  const { templates } = s.server;
  const r = await templates.render('acme', 'mine', payload, { locale: 'fr', channels: ['sms'] });
  t.match(r, {
    template: { id: own.body.id, key: 'mine', version: 1, category: 'account' },
    channels: ['in_app', 'push', 'sms', 'email', 'webhook'],
    contents: { sms: { body: 'Welcome to R&D, Ada <Lovelace>' } },
  });
  t.same(Object.keys(r.contents), ['sms']);
  t.equal(
    (await templates.render('other', 'global-welcome', payload)).template.key,
    'welcome'.replace('welcome', 'global-welcome'),
  );
  await t.rejects(templates.render('other', 'mine', payload), { code: 'TEMPLATE_NOT_FOUND' });
  await s.api('PATCH', `${T}/mine`, { is_active: false }, acme);
  await t.rejects(templates.render('acme', 'mine', payload), {
    code: 'TEMPLATE_INACTIVE',
    status: 422,
  });
  const preview = await s.api('POST', `${T}/mine/render`, { payload }, acme);
  t.equal(preview.status, 200, 'an inactive template can still be previewed');
});

t.test("a template's priority, lifetime and in-app data reach its notifications", async (t) => {
  const s = await startServer(t);
  const created = await s.api('POST', T, {
    key: 'shipped',
    name: 'Shipped',
    channels: {
      in_app: {
        title: 'Order {{ order.id }}',
        body: '',
        data: {
          order: '{{ order.id }}',
          lines: ['{{ order.id }}-1', 2],
          open: { url: '/o/{{ order.id }}' },
        },
      },
    },
    priority: 'critical',
    ttl_seconds: 600,
  });
  t.equal(created.status, 201, JSON.stringify(created.body));
  t.match(created.body, { priority: 'urgent', ttl_seconds: 600 });
  const send = (extra: Record<string, unknown> = {}) =>
    s.api('POST', '/api/v1/notifications', {
      recipient_id: 'u1',
      template: 'shipped',
      payload: { order: { id: 'A7' } },
      ...extra,
    });
  t.equal((await send()).status, 202);
  t.equal((await send({ priority: 'low', ttl_seconds: 60 })).status, 202);
  const feed = await s.asUser('u1', 'GET', '/api/v1/me/notifications');
  const [own, defaults] = feed.body.data;
  t.match(defaults, { priority: 'urgent', content: { title: 'Order A7' } });
  t.same(defaults.content.data, { order: 'A7', lines: ['A7-1', 2], open: { url: '/o/A7' } });
  t.equal(Date.parse(defaults.expires_at) - Date.parse(defaults.created_at), 600_000);
  t.match(own, { priority: 'low' }, "the send's own priority wins");
  t.equal(Date.parse(own.expires_at) - Date.parse(own.created_at), 60_000, 'and its own ttl');

  const cleared = await s.api('PATCH', `${T}/shipped`, { priority: null, ttl_seconds: null });
  t.match(cleared.body, { priority: null, ttl_seconds: null, version: 2 });
  const bad = await s.api('POST', T, {
    key: 'bad',
    name: 'Bad',
    channels: { in_app: { title: 'x', body: '', data: { a: '{% if %}' } } },
  });
  t.equal(bad.status, 400);
  t.match(bad.body, { error: { code: 'TEMPLATE_SYNTAX_ERROR', details: { channel: 'in_app' } } });
});
