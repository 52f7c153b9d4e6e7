import { createServer } from 'node:net';
import t from 'tap';
import smtpPlugin, { smtpFailure } from '../../plugins/smtp/index.js';
import { message, startProvider, subscriber, TEST_CA } from '../helpers/peers/plugin-harness.js';
import { startSmtpPeer } from '../helpers/peers/smtp-peer.js';

const credentials = { user: 'notifyd', pass: 's3cret-pass' };
const content = {
  subject: 'Your order #42 shipped',
  html: '<p>Your order <b>#42</b> is on its way. Déjà!</p>',
  text: 'Your order #42 is on its way. Déjà!',
};
const optionsFor = (port: number) => ({
  host: '127.0.0.1',
  port,
  username: credentials.user,
  password: credentials.pass,
  from: '"Acme" <notify@acme.test>',
  reply_to: 'support@acme.test',
  ca: TEST_CA,
});

t.test('sends HTML and text over STARTTLS with auth', async (t) => {
  const peer = await startSmtpPeer(t, credentials);
  const { provider } = await startProvider(t, smtpPlugin, optionsFor(peer.port));
  const result = await provider.send(message('email', content));
  t.match(result, { ok: true, provider_message_id: /^<.+@acme\.test>$/ });
  const [mail] = peer.mails;
  t.equal(mail?.user, 'notifyd', 'authenticated');
  t.ok(mail?.secure, 'upgraded with STARTTLS');
  t.equal(mail?.from, 'notify@acme.test');
  t.same(mail?.to, ['ada@example.com']);
  t.equal(mail?.headers.subject, 'Your order #42 shipped');
  t.equal(mail?.headers['reply-to'], 'support@acme.test');
  t.equal(mail?.headers['x-notifyd-delivery'], 'dlv_01');
  t.equal(mail?.headers['x-notifyd-notification'], 'ntf_01');
  t.equal(
    mail?.headers['message-id'],
    (result as { provider_message_id: string }).provider_message_id,
  );
  t.match(mail?.headers['content-type'], /^multipart\/alternative/);
  const plain = mail?.parts.find((p) => p.headers['content-type']?.startsWith('text/plain'));
  const html = mail?.parts.find((p) => p.headers['content-type']?.startsWith('text/html'));
  t.equal(plain?.body, content.text);
  t.equal(html?.body, content.html);
  t.same(await provider.test?.(), { ok: true, detail: `connected to 127.0.0.1:${peer.port}` });
});

t.test('without a pool, one connection per message', async (t) => {
  const peer = await startSmtpPeer(t, credentials);
  const { provider } = await startProvider(t, smtpPlugin, {
    ...optionsFor(peer.port),
    pool: false,
    reply_to: undefined,
  });
  t.ok((await provider.send(message('email', content))).ok);
  t.ok((await provider.send(message('email', content, { delivery_id: 'dlv_02' }))).ok);
  t.equal(peer.mails.length, 2);
  t.notOk('reply-to' in (peer.mails[0]?.headers ?? {}));
});

t.test('SMTP replies map to failure kinds', async (t) => {
  const peer = await startSmtpPeer(t, credentials);
  peer.onRcpt = (address) => {
    if (address.startsWith('gone@')) return { code: 550, text: '5.1.1 No such user here' };
    if (address.startsWith('greylisted@')) return { code: 451, text: '4.7.1 Try again later' };
    if (address.startsWith('policy@')) return { code: 550, text: '5.7.1 Relaying denied' };
    return null;
  };
  peer.onData = (mail) =>
    mail.to[0]?.startsWith('spam@') ? { code: 554, text: '5.7.1 Message rejected as spam' } : null;
  const { provider } = await startProvider(t, smtpPlugin, optionsFor(peer.port));
  const to = (email: string) =>
    provider.send(message('email', content, { recipient: subscriber({ email }) }));
  t.match(await to('gone@example.com'), {
    ok: false,
    kind: 'invalid_recipient',
    code: '550',
    message: /5\.1\.1/,
  });
  t.match(await to('greylisted@example.com'), { ok: false, kind: 'retryable', code: '451' });
  t.match(await to('policy@example.com'), { ok: false, kind: 'permanent', code: '550' });
  t.match(await to('spam@example.com'), { ok: false, kind: 'permanent', code: '554' });
  t.match(
    await provider.send(message('email', content, { recipient: subscriber({ email: null }) })),
    {
      ok: false,
      kind: 'permanent',
      message: /no email/,
    },
  );
  t.equal(peer.mails.length, 0);
});

t.test('wrong credentials are permanent; a missing server is retryable', async (t) => {
  const peer = await startSmtpPeer(t, credentials);
  const { provider } = await startProvider(t, smtpPlugin, {
    ...optionsFor(peer.port),
    password: 'wrong',
  });
  t.match(await provider.send(message('email', content)), {
    ok: false,
    kind: 'permanent',
    code: '535',
  });
  t.match(await provider.test?.(), { ok: false, message: /Invalid login|Authentication/ });

  const closed = await startProvider(t, smtpPlugin, { ...optionsFor(1), pool: false });
  t.match(await closed.provider.send(message('email', content)), {
    ok: false,
    kind: 'retryable',
    code: 'ESOCKET',
  });
});

t.test('a server that never greets times out, retryably', async (t) => {
  const silent = createServer(() => {
    // accepts and says nothing
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.teardown(() => silent.close());
  const port = (silent.address() as { port: number }).port;
  const { provider } = await startProvider(t, smtpPlugin, {
    ...optionsFor(port),
    pool: false,
    timeout_ms: 200,
  });
  t.match(await provider.send(message('email', content)), {
    ok: false,
    kind: 'retryable',
    code: 'ETIMEDOUT',
  });
});

t.test('failure mapping without a reply', async (t) => {
  t.match(smtpFailure(Object.assign(new Error('TLS required'), { code: 'EREQUIRETLS' })), {
    kind: 'permanent',
  });
  t.match(smtpFailure(new Error('odd')), { kind: 'retryable', code: undefined });
});

t.test('options', async (t) => {
  await t.rejects(
    startProvider(t, smtpPlugin, { host: 'x', from: 'a@b.c', username: 'only' }),
    /username and password go together/,
  );
  await t.rejects(startProvider(t, smtpPlugin, { host: 'x' }), /from/);
});
