import t from 'tap';
import twilioPlugin, { twilioFailure, twilioStatus } from '../../plugins/twilio/index.js';
import { message, startProvider, subscriber } from '../helpers/peers/plugin-harness.js';
import { startTwilioPeer } from '../helpers/peers/twilio-peer.js';

const ACCOUNT = `AC${'0a'.repeat(16)}`;
const API_KEY = `SK${'1b'.repeat(16)}`;
const SERVICE = `MG${'2c'.repeat(16)}`;
const credentials = { [ACCOUNT]: 'auth-token-1', [API_KEY]: 'key-secret-1' };
const sms = { body: 'Your code is 123456' };

t.test('sends from a number with the auth token', async (t) => {
  const peer = await startTwilioPeer(t, ACCOUNT, credentials);
  const { provider } = await startProvider(t, twilioPlugin, {
    account_sid: ACCOUNT,
    auth_token: 'auth-token-1',
    from: '+15005550006',
    status_callback_url: 'https://notifyd.example/api/v1/providers/twilio/status',
    base_url: peer.url,
  });
  const result = await provider.send(
    message('sms', sms, { recipient: subscriber({ phone: '+33612345678' }) }),
  );
  t.same(peer.rejected, []);
  // Its status callback comes to notifyd's route: delivered waits for it.
  t.same(result, { ok: true, provider_message_id: peer.received[0]?.sid, confirms_later: true });
  t.same(peer.received[0]?.form, {
    To: '+33612345678',
    From: '+15005550006',
    Body: 'Your code is 123456',
    StatusCallback: 'https://notifyd.example/api/v1/providers/twilio/status',
  });
  t.equal(peer.received[0]?.user, ACCOUNT);
  t.same(await provider.test?.(), { ok: true, detail: 'account Acme is active' });
});

t.test('sends through a messaging service with an API key', async (t) => {
  const peer = await startTwilioPeer(t, ACCOUNT, credentials);
  const { provider } = await startProvider(t, twilioPlugin, {
    account_sid: ACCOUNT,
    api_key_sid: API_KEY,
    api_key_secret: 'key-secret-1',
    messaging_service_sid: SERVICE,
    base_url: peer.url,
  });
  // No callback is asked for (no auth token to check it with): notifyd polls the status.
  t.same(await provider.send(message('sms', sms)), {
    ok: true,
    provider_message_id: peer.received[0]?.sid,
    confirms_later: 'poll',
  });
  t.same(peer.received[0]?.form, {
    To: '+15005550006',
    MessagingServiceSid: SERVICE,
    Body: sms.body,
  });
  t.equal(peer.received[0]?.user, API_KEY, 'Basic auth with the API key');
});

t.test('status asks Twilio for the message and maps its status', async (t) => {
  const peer = await startTwilioPeer(t, ACCOUNT, credentials);
  const { provider } = await startProvider(t, twilioPlugin, {
    account_sid: ACCOUNT,
    api_key_sid: API_KEY,
    api_key_secret: 'key-secret-1',
    from: '+15005550006',
    base_url: peer.url,
  });
  const sent = await provider.send(message('sms', sms));
  const sid = peer.received[0]?.sid as string;
  t.match(sent, { ok: true, provider_message_id: sid, confirms_later: 'poll' });
  t.same(await provider.status?.(sid), { state: 'pending', detail: 'queued' });
  peer.statuses.set(sid, { status: 'sent' });
  t.same(await provider.status?.(sid), { state: 'pending', detail: 'sent' });
  peer.statuses.set(sid, { status: 'delivered' });
  t.same(await provider.status?.(sid), { state: 'delivered' });
  peer.statuses.set(sid, { status: 'undelivered', error_code: 30003 });
  t.same(await provider.status?.(sid), {
    state: 'failed',
    message: 'Twilio reports the message undelivered',
    code: '30003',
  });
  t.same(peer.fetched, [sid, sid, sid, sid], 'GET Messages/{sid}.json, with the API key');
  t.same(peer.rejected, []);
  await t.rejects(provider.status!(`SM${'f'.repeat(32)}`), /not found/, 'an unknown SID throws');

  for (const s of ['queued', 'accepted', 'scheduled', 'sending', 'sent']) {
    t.match(twilioStatus(s, null), { state: 'pending' }, s);
  }
  t.same(twilioStatus('read', null), { state: 'delivered' });
  t.same(twilioStatus('failed', 30008), {
    state: 'failed',
    message: 'Twilio reports the message failed',
    code: '30008',
  });
  t.match(twilioStatus('canceled', null), { state: 'failed' });

  // Polls off: accepted is delivered.
  const off = await startProvider(t, twilioPlugin, {
    account_sid: ACCOUNT,
    api_key_sid: API_KEY,
    api_key_secret: 'key-secret-1',
    from: '+15005550006',
    status_poll: false,
    base_url: peer.url,
  });
  t.match(await off.provider.send(message('sms', sms)), { ok: true, confirms_later: false });
});

t.test("Twilio's errors map to failure kinds", async (t) => {
  const peer = await startTwilioPeer(t, ACCOUNT, credentials);
  const answers: Record<string, { status: number; code?: number; message?: string }> = {
    '+10000000001': {
      status: 400,
      code: 21211,
      message: "The 'To' number is not a valid phone number.",
    },
    '+10000000002': {
      status: 400,
      code: 21614,
      message: "'To' number is not a valid mobile number",
    },
    '+10000000003': {
      status: 400,
      code: 21610,
      message: 'Attempt to send to unsubscribed recipient',
    },
    '+10000000004': { status: 429, code: 20429, message: 'Too Many Requests' },
    '+10000000005': { status: 503, code: 20500, message: 'Service unavailable' },
  };
  peer.answer = (to) => answers[to] ?? null;
  const { provider } = await startProvider(t, twilioPlugin, {
    account_sid: ACCOUNT,
    auth_token: 'auth-token-1',
    from: '+15005550006',
    base_url: peer.url,
  });
  const to = (phone: string | null) =>
    provider.send(message('sms', sms, { recipient: subscriber({ phone }) }));
  t.match(await to('+10000000001'), {
    ok: false,
    kind: 'invalid_recipient',
    code: '21211',
    message: /not a valid phone/,
  });
  t.match(await to('+10000000002'), { ok: false, kind: 'invalid_recipient', code: '21614' });
  t.match(await to('+10000000003'), { ok: false, kind: 'permanent', code: '21610' });
  t.match(await to('+10000000004'), { ok: false, kind: 'retryable', code: '20429' });
  t.match(await to('+10000000005'), { ok: false, kind: 'retryable', code: '20500' });
  t.match(await to(null), { ok: false, kind: 'permanent', message: /no phone/ });
  t.same(peer.rejected, []);
});

t.test('wrong credentials are permanent; no server is retryable', async (t) => {
  const peer = await startTwilioPeer(t, ACCOUNT, credentials);
  const { provider } = await startProvider(t, twilioPlugin, {
    account_sid: ACCOUNT,
    auth_token: 'wrong',
    from: '+15005550006',
    base_url: peer.url,
  });
  t.match(await provider.send(message('sms', sms)), {
    ok: false,
    kind: 'permanent',
    code: '20003',
  });
  t.match(await provider.test?.(), { ok: false, message: 'Authenticate' });
  const down = await startProvider(t, twilioPlugin, {
    account_sid: ACCOUNT,
    auth_token: 'auth-token-1',
    from: '+15005550006',
    base_url: 'http://127.0.0.1:1',
  });
  t.match(await down.provider.send(message('sms', sms)), {
    ok: false,
    kind: 'retryable',
    code: 'ECONNREFUSED',
  });
  t.match(twilioFailure(new Error('odd')), { kind: 'retryable', code: undefined });
});

t.test('options', async (t) => {
  const base = { account_sid: ACCOUNT, from: '+15005550006' };
  await t.rejects(startProvider(t, twilioPlugin, base), /auth_token, or api_key_sid/);
  await t.rejects(
    startProvider(t, twilioPlugin, {
      ...base,
      auth_token: 'x',
      api_key_sid: API_KEY,
      api_key_secret: 'y',
    }),
    /not both/,
  );
  await t.rejects(
    startProvider(t, twilioPlugin, { ...base, auth_token: 'x', messaging_service_sid: SERVICE }),
    /exactly one of from/,
  );
  await t.rejects(
    startProvider(t, twilioPlugin, { ...base, account_sid: 'AC1', auth_token: 'x' }),
    /account_sid/,
  );
  const real = await startProvider(t, twilioPlugin, { ...base, auth_token: 'x' });
  t.ok(real.provider, 'no base_url: api.twilio.com (not called here)');
});
