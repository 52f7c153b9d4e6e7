import { join } from 'node:path';
import t, { type Test } from 'tap';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/core/logger.js';
import { createServer } from '../../src/server/app.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { TEST_CA } from '../helpers/peers/plugin-harness.js';
import { type SmtpPeer, startSmtpPeer } from '../helpers/peers/smtp-peer.js';
import { type Running, startServer } from '../helpers/server.js';

const PUBLIC = 'https://notify.example.test';
const KEY = 'ab'.repeat(32);
const credentials = { user: 'notifyd', pass: 's3cret-pass' };

/** notifyd on SQLite mailing through the smtp plugin to an SMTP peer, with public_url set. */
async function setup(t: Test, publicUrl = PUBLIC) {
  const peer = await startSmtpPeer(t, credentials);
  const store = openSqliteStore({ path: join(t.testdir(), 'notifyd.db') });
  const s = await startServer(
    t,
    {
      server: { public_url: publicUrl },
      encryption: { key: KEY },
      providers: {
        email: [
          {
            plugin: 'smtp',
            options: {
              host: '127.0.0.1',
              port: peer.port,
              username: credentials.user,
              password: credentials.pass,
              from: '"Acme" <notify@acme.test>',
              ca: TEST_CA,
            },
          },
        ],
      },
    } as never,
    store,
  );
  await s.api('PUT', '/api/v1/subscribers/ada', { email: 'ada@example.com' });
  for (const [id, mandatory] of [
    ['newsletter', false],
    ['security', true],
  ] as const) {
    const body = { id, name: id, mandatory, default_channels: ['in_app', 'email'] };
    const res = await s.api('POST', '/api/v1/categories', body);
    t.equal(res.status, 201, `category ${id}`);
  }
  return { peer, s };
}

/** Mails ada a notification of `category` and waits for the peer to receive it. */
async function mail(s: Running, peer: SmtpPeer, category?: string) {
  const before = peer.mails.length;
  const res = await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'ada',
    channels: ['email'],
    ...(category ? { category } : {}),
    content: { title: 'News', body: 'This week' },
  });
  t.equal(res.status, 202);
  for (let i = 0; i < 500 && peer.mails.length === before; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const got = peer.mails[before];
  if (!got) {
    const rows = await s.store.deliveries.listByNotification('default', res.body.notification_id);
    throw new Error(`no mail arrived: ${JSON.stringify(res.body)} ${JSON.stringify(rows)}`);
  }
  return got;
}

/** The link in a List-Unsubscribe header, moved from the public address to the test server. */
const linkOf = (s: Running, header: string | undefined) => {
  const m = /^<(.+)>$/.exec(header ?? '');
  if (!m?.[1]?.startsWith(`${PUBLIC}/api/v1/unsubscribe?token=`)) throw new Error(`bad ${header}`);
  return s.url + m[1].slice(PUBLIC.length);
};

const oneClick = (url: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });

t.test('a mail carries one-click unsubscribe; POSTing it turns that email off', async (t) => {
  const { peer, s } = await setup(t);
  const got = await mail(s, peer, 'newsletter');
  t.equal(got.headers['list-unsubscribe-post'], 'List-Unsubscribe=One-Click');
  const url = linkOf(s, got.headers['list-unsubscribe']);

  const pageRes = await fetch(url);
  t.equal(pageRes.status, 200);
  t.match(pageRes.headers.get('content-type'), /^text\/html/);
  const html = await pageRes.text();
  t.match(html, /<form method="post" action="\/api\/v1\/unsubscribe\?token=/);
  t.match(html, /name="List-Unsubscribe" value="One-Click"/);

  const res = await oneClick(url);
  t.equal(res.status, 200);
  t.same(await res.json(), { unsubscribed: true, category: 'newsletter', channel: 'email' });
  const prefs = await s.api('GET', '/api/v1/subscribers/ada/preferences');
  t.equal(prefs.status, 200);
  t.match(JSON.stringify(prefs.body), /newsletter/);
  const one = prefs.body.categories?.find?.(
    (c: { category_id: string }) => c.category_id === 'newsletter',
  );
  t.match(one ?? prefs.body.categories?.newsletter, { channels: { email: false } }, 'email off');

  // A notification without a category is of the implicit `general`, which has no
  // preferences of its own: its link turns ada's email off as a whole, except what a
  // mandatory category sends.
  const plain = await mail(s, peer);
  const generalLink = linkOf(s, plain.headers['list-unsubscribe']);
  t.match(await (await fetch(generalLink)).text(), /Stop emails from this service\?/);
  const general = await oneClick(generalLink);
  t.equal(general.status, 200);
  t.same(await general.json(), { unsubscribed: true, category: null, channel: 'email' });
  const after = await s.api('GET', '/api/v1/subscribers/ada/preferences');
  t.match(after.body.channels, { email: { enabled: false } }, 'email off as a whole');
  const security = await mail(s, peer, 'security');
  t.ok(security, 'a mandatory category still mails');
  const sent = await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'ada',
    channels: ['email'],
    content: { title: 'News', body: 'again' },
  });
  t.equal(sent.status, 422, 'other email is not sent');
  t.match(sent.body, {
    error: { code: 'NO_DELIVERY_CHANNEL', details: { skipped: { email: 'channel_disabled' } } },
  });
});

t.test('forged links are refused; a mandatory category cannot be left', async (t) => {
  const { peer, s } = await setup(t);
  const url = linkOf(s, (await mail(s, peer, 'security')).headers['list-unsubscribe']);
  const mandatory = await oneClick(url);
  t.equal(mandatory.status, 403);
  t.match(await mandatory.json(), { error: { code: 'MANDATORY_CATEGORY' } });

  const token = new URL(url).searchParams.get('token') ?? '';
  const [v, payload, sig] = token.split('.');
  const other = Buffer.from(JSON.stringify(['default', 'bob', 'security'])).toString('base64url');
  for (const forged of [
    `${v}.${other}.${sig}`,
    `${v}.${payload}.${'A'.repeat(sig?.length ?? 43)}`,
    'nonsense',
  ]) {
    const res = await oneClick(`${s.url}/api/v1/unsubscribe?token=${encodeURIComponent(forged)}`);
    t.equal(res.status, 403, forged);
    t.match(await res.json(), { error: { code: 'UNSUBSCRIBE_LINK_INVALID', request_id: String } });
    t.equal(
      (await fetch(`${s.url}/api/v1/unsubscribe?token=${encodeURIComponent(forged)}`)).status,
      403,
    );
  }
  const doc = await fetch(`${s.url}/openapi.json`).then((r) => r.json());
  t.ok(doc.paths['/api/v1/unsubscribe'].post, 'POST listed in /openapi.json');
  t.ok(doc.paths['/api/v1/unsubscribe'].get, 'GET listed in /openapi.json');
});

t.test('without server.public_url, no unsubscribe headers', async (t) => {
  const { peer, s } = await setup(t, '');
  const got = await mail(s, peer, 'newsletter');
  t.notOk('list-unsubscribe' in got.headers);
  t.notOk('list-unsubscribe-post' in got.headers);
});

t.test('server.public_url with an smtp provider needs encryption.key', async (t) => {
  const config = loadConfig({
    env: {},
    overrides: {
      server: { host: '127.0.0.1', port: 0, public_url: PUBLIC },
      log: { level: 'silent' },
      providers: {
        email: [{ plugin: 'smtp', options: { host: '127.0.0.1', from: 'a@b.test' } }],
      } as never,
    },
  });
  const store = createMemoryStore();
  const server = createServer(config, { store, logger: createLogger({ level: 'silent' }) });
  await t.rejects(server.listen(), { message: /encryption\.key \(NOTIFYD_ENCRYPTION_KEY\)/ });
  await store.close();
});
