import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { startServer } from '../helpers/server.js';

type Delivery = { channel: string; status: string; skip_reason: string | null };

/** Sends one inline email notification to a new subscriber; answers the send's body. */
async function sendEmail(s: Awaited<ReturnType<typeof startServer>>) {
  const res = await s.api('POST', '/api/v1/notifications', {
    recipient: { id: 'ann', email: 'ann@example.com' },
    channels: ['in_app', 'email'],
    content: { title: 'Welcome', body: 'Hello Ann' },
  });
  return res;
}

t.test('with no provider configured, the built-in console serves every channel', async (t) => {
  const s = await startServer(t);
  const listed = await s.api('GET', '/api/v1/providers');
  t.equal(listed.status, 200);
  const names = (listed.body.data as Array<{ name: string; channel: string }>).map(
    (p) => `${p.name}:${p.channel}`,
  );
  t.same(names.sort(), [
    'console-email:email',
    'console-push:push',
    'console-sms:sms',
    'console-webhook:webhook',
  ]);

  const sent = await sendEmail(s);
  t.equal(sent.status, 202);
  t.same(sent.body.channels_targeted, ['in_app', 'email'], 'email is routed, not skipped');
  // The worker sends it through the console: wait for the row to settle.
  let email: Delivery | undefined;
  for (;;) {
    const rows = await s.api(
      'GET',
      `/api/v1/notifications/${sent.body.notification_id}/deliveries`,
    );
    email = (rows.body.data as Delivery[]).find((d) => d.channel === 'email');
    if (email?.status !== 'pending') break;
    await sleep(50);
  }
  t.match(email, { channel: 'email', status: 'sent' });
});

t.test('delivery.console_fallback: false leaves unserved channels skipped', async (t) => {
  const s = await startServer(t, { delivery: { console_fallback: false } });
  const listed = await s.api('GET', '/api/v1/providers');
  t.same(listed.body.data, []);
  const sent = await sendEmail(s);
  t.equal(sent.status, 202);
  t.same(sent.body.channels_targeted, ['in_app']);
  t.match(sent.body.channels_skipped, { email: 'no_provider' });
});

t.test('a configured provider replaces the fallback entirely', async (t) => {
  const s = await startServer(t, {
    providers: { email: [{ name: 'mail', plugin: 'console' }] },
  });
  const listed = await s.api('GET', '/api/v1/providers');
  t.same(
    (listed.body.data as Array<{ name: string }>).map((p) => p.name),
    ['mail'],
  );
  const sent = await sendEmail(s);
  t.same(sent.body.channels_targeted, ['in_app', 'email']);
});
