import { join } from 'node:path';
import t, { type Test } from 'tap';
import twilio from 'twilio';
import type { AnyEvent } from '../../src/events/types.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { startTwilioPeer } from '../helpers/peers/twilio-peer.js';
import { type Running, startServer } from '../helpers/server.js';

const ACCOUNT = `AC${'0a'.repeat(16)}`;
const TOKEN = 'auth-token-1';
const PUBLIC = 'https://notify.example.test';
const CALLBACK = `${PUBLIC}/api/v1/providers/twilio/status`;

/** A running notifyd on SQLite sending SMS through the twilio plugin to a Twilio peer. */
async function setup(t: Test) {
  const peer = await startTwilioPeer(t, ACCOUNT, { [ACCOUNT]: TOKEN });
  const store = openSqliteStore({ path: join(t.testdir(), 'notifyd.db') });
  const s = await startServer(
    t,
    {
      server: { public_url: `${PUBLIC}/` },
      providers: {
        sms: [
          {
            plugin: 'twilio',
            options: {
              account_sid: ACCOUNT,
              auth_token: TOKEN,
              from: '+15005550006',
              base_url: peer.url,
            },
          },
        ],
      },
    } as never,
    store,
  );
  const events: AnyEvent[] = [];
  s.server.events.subscribe((e) => {
    events.push(e);
  });
  await s.api('PUT', '/api/v1/subscribers/ada', { phone: '+33612345678' });
  return { peer, s, events };
}

/** Sends an SMS to ada and waits until the worker has handed it to Twilio. */
async function sendSms(s: Running) {
  const sent = await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'ada',
    channels: ['sms'],
    content: { title: 'Code', body: 'Your code is 123456' },
  });
  const id = sent.body.notification_id as string;
  for (let i = 0; i < 400; i++) {
    const row = (await s.store.deliveries.listByNotification('default', id))[0];
    if (row?.status === 'sent') return row;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the SMS was not sent');
}

/** Posts a status callback as Twilio does: a form, signed with `token` over the public URL. */
function callback(s: Running, form: Record<string, string>, token = TOKEN, query = '') {
  const signature = twilio.getExpectedTwilioSignature(token, `${CALLBACK}${query}`, form);
  return fetch(`${s.url}/api/v1/providers/twilio/status${query}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
    },
    body: new URLSearchParams(form),
  });
}

const form = (sid: string, status: string, extra: Record<string, string> = {}) => ({
  AccountSid: ACCOUNT,
  MessageSid: sid,
  MessageStatus: status,
  SmsSid: sid,
  SmsStatus: status,
  To: '+33612345678',
  From: '+15005550006',
  ApiVersion: '2010-04-01',
  ...extra,
});

t.test(
  'a delivered callback makes the SMS delivered and emits notification.delivered',
  async (t) => {
    const { peer, s, events } = await setup(t);
    const row = await sendSms(s);
    t.equal(peer.received[0]?.form.StatusCallback, CALLBACK, 'the plugin asked for the callback');
    t.equal(row.provider_message_id, peer.received[0]?.sid, 'the row keeps the message SID');
    const sid = row.provider_message_id as string;
    // Twilio accepting it is `notification.sent`; delivered waits for Twilio's word.
    for (let i = 0; i < 200 && !events.some((e) => e.type === 'notification.sent'); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    t.match(
      events.filter((e) => e.type.startsWith('notification.')),
      [
        { type: 'notification.accepted', data: { notification_id: row.notification_id } },
        { type: 'notification.sent', data: { delivery_id: row.id, provider_message_id: sid } },
      ],
      'accepted, then sent; not yet delivered',
    );
    t.same(
      events.filter((e) => e.type.startsWith('notification.')).map((e) => e.type),
      ['notification.accepted', 'notification.sent'],
    );

    const queued = await callback(s, form(sid, 'sent'));
    t.equal(queued.status, 204, 'an intermediate status is acknowledged');
    t.match(await s.store.deliveries.listByNotification('default', row.notification_id), [
      { status: 'sent' },
    ]);

    const before = events.length;
    t.equal((await callback(s, form(sid, 'delivered'), TOKEN, '?attempt=1')).status, 204);
    t.match(await s.store.deliveries.listByNotification('default', row.notification_id), [
      { id: row.id, status: 'delivered' },
    ]);
    const delivered = events.slice(before).filter((e) => e.type === 'notification.delivered');
    t.match(delivered, [
      {
        tenant_id: 'default',
        data: { delivery_id: row.id, channel: 'sms', provider: 'twilio', provider_message_id: sid },
      },
    ]);
    // Twilio may repeat itself: nothing changes twice.
    t.equal((await callback(s, form(sid, 'delivered'))).status, 204);
    t.equal(
      events.slice(before).filter((e) => e.type === 'notification.delivered').length,
      1,
      'a repeated callback emits nothing',
    );
    // An unknown SID is acknowledged (Twilio must not retry) and counted.
    t.equal((await callback(s, form(`SM${'9'.repeat(32)}`, 'delivered'))).status, 204);
    const metrics = await fetch(`${s.url}/metrics`).then((r) => r.text());
    t.match(metrics, /notifyd_twilio_status_callbacks_total\{outcome="unknown"\} 1/);
    t.match(metrics, /notifyd_twilio_status_callbacks_total\{outcome="delivered"\} 1/);
    t.match(metrics, /notifyd_twilio_status_callbacks_total\{outcome="already_settled"\} 1/);
    // The delivery outcome counted once, when the callback came (not when Twilio accepted it).
    t.match(metrics, /notifyd_deliveries_total\{channel="sms",outcome="sent"\} 1/);
    t.match(metrics, /notifyd_deliveries_total\{channel="sms",outcome="delivered"\} 1/);
  },
);

t.test('an undelivered callback fails the SMS with Twilio’s error code', async (t) => {
  const { s, events } = await setup(t);
  const row = await sendSms(s);
  const sid = row.provider_message_id as string;
  const res = await callback(s, form(sid, 'undelivered', { ErrorCode: '30003' }));
  t.equal(res.status, 204);
  t.match(await s.store.deliveries.listByNotification('default', row.notification_id), [
    { status: 'failed', last_error: /twilio: .*undelivered \(30003\)/ },
  ]);
  t.match(
    events.filter((e) => e.type === 'notification.failed'),
    [{ data: { delivery_id: row.id, status: 'failed', provider: 'twilio', error: /30003/ } }],
  );
  const dead = await s.api('GET', '/api/v1/deliveries/dead');
  t.match(dead.body.data, [{ id: row.id }], 'a dead letter, retryable from the API');
  const metrics = await fetch(`${s.url}/metrics`).then((r) => r.text());
  t.match(metrics, /notifyd_deliveries_total\{channel="sms",outcome="undelivered"\} 1/);
  t.notMatch(metrics, /notifyd_deliveries_total\{channel="sms",outcome="delivered"\}/);
});

t.test('a missing or wrong signature is 403, and changes nothing', async (t) => {
  const { s } = await setup(t);
  const row = await sendSms(s);
  const sid = row.provider_message_id as string;
  const wrong = await callback(s, form(sid, 'delivered'), 'not-the-token');
  t.equal(wrong.status, 403);
  t.match(await wrong.json(), {
    error: { code: 'TWILIO_SIGNATURE_INVALID', request_id: String },
  });
  // Signed for another URL (a query added after signing).
  const signature = twilio.getExpectedTwilioSignature(TOKEN, CALLBACK, form(sid, 'delivered'));
  const moved = await fetch(`${s.url}/api/v1/providers/twilio/status?x=1`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
    },
    body: new URLSearchParams(form(sid, 'delivered')),
  });
  t.equal(moved.status, 403);
  const unsigned = await fetch(`${s.url}/api/v1/providers/twilio/status`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form(sid, 'delivered')),
  });
  t.equal(unsigned.status, 403);
  const big = await fetch(`${s.url}/api/v1/providers/twilio/status`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...form(sid, 'delivered'), Body: 'x'.repeat(20_000) }),
  });
  t.equal(big.status, 413, 'a callback body is small');
  t.match(await s.store.deliveries.listByNotification('default', row.notification_id), [
    { status: 'sent' },
  ]);
  const doc = await fetch(`${s.url}/openapi.json`).then((r) => r.json());
  t.ok(
    doc.paths['/api/v1/providers/twilio/status'].post.requestBody.content[
      'application/x-www-form-urlencoded'
    ],
    'listed in /openapi.json as a form',
  );
});
