import t from 'tap';
import consolePlugin from '../../plugins/console/index.js';
import { device, message, startProvider } from '../helpers/peers/plugin-harness.js';

t.test('logs each channel with a masked address and answers sent', async (t) => {
  const { provider, lines } = await startProvider(t, consolePlugin, {}, 'dev-console');
  const email = await provider.send(
    message<string>('email', { subject: 'Hi', html: '<p>Hi</p>', text: 'Hi' }),
  );
  t.same(email, { ok: true, provider_message_id: 'console-dlv_01' });
  const sms = await provider.send(message<string>('sms', { body: 'code 1234' }));
  t.ok(sms.ok);
  await provider.send(
    message<string>(
      'push',
      { title: 'T', body: 'B' },
      { device: device({ id: 'dev_9', kind: 'fcm' }) },
    ),
  );
  await provider.send(
    message<string>(
      'in_app',
      { title: 'T', body: 'B' },
      { recipient: { ...message('x', {}).recipient } },
    ),
  );
  const [first, second, third, fourth] = lines;
  t.equal(first?.level, 'info');
  t.equal(first?.provider, 'dev-console');
  t.equal(first?.channel, 'email');
  t.equal(first?.to, 'a***@example.com', 'email masked');
  t.same(first?.content, { subject: 'Hi', html: '<p>Hi</p>', text: 'Hi' });
  t.equal(second?.to, '***06', 'phone masked');
  t.equal(third?.to, 'fcm:dev_9');
  t.equal(fourth?.to, 'subscriber:user-1');
  t.match(String(first?.msg), /\[email\] notification ntf_01/);
  t.same(await provider.test?.(), { ok: true, detail: 'messages are written to the log' });
});

t.test('level and content are options', async (t) => {
  const { provider, lines } = await startProvider(t, consolePlugin, {
    level: 'debug',
    include_content: false,
  });
  await provider.send(
    message<string>(
      'sms',
      { body: 'secret code' },
      { recipient: { ...message('x', {}).recipient, phone: null } },
    ),
  );
  t.equal(lines[0]?.level, 'debug');
  t.notOk('content' in (lines[0] ?? {}), 'content left out');
  t.equal(lines[0]?.to, 'subscriber:user-1');
});

t.test('rejects unknown options', async (t) => {
  await t.rejects(startProvider(t, consolePlugin, { colour: true }), /console/);
});
