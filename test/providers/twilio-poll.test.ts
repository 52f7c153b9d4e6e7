import { join } from 'node:path';
import t, { type Test } from 'tap';
import twilio from 'twilio';
import { FakeClock } from '../../src/core/clock.js';
import type { AnyEvent } from '../../src/events/types.js';
import { STATUS_POLL } from '../../src/providers/status-poll.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { startTwilioPeer } from '../helpers/peers/twilio-peer.js';
import { type Running, startServer } from '../helpers/server.js';

const ACCOUNT = `AC${'0a'.repeat(16)}`;
const API_KEY = `SK${'1b'.repeat(16)}`;
const TOKEN = 'auth-token-1';
const PUBLIC = 'https://notify.example.test';
const CALLBACK = `${PUBLIC}/api/v1/providers/twilio/status`;
/** The polls' schedule in these tests: 1 s, 2 s, 4 s, 4 s; four polls at most. */
const POLL = { first_ms: 1000, max_ms: 4000, max_polls: 4 };

/**
 * notifyd on SQLite with a fake clock, sending SMS through the twilio plugin to a Twilio
 * peer without a callback to notifyd: with an API key, or (`callbackElsewhere`) with an auth
 * token and status callbacks going to another URL, while notifyd's own route still takes
 * callbacks signed for it. The scheduler's loop is off: the test runs due jobs itself.
 */
async function setup(t: Test, callbackElsewhere = false) {
  const clock = new FakeClock(Date.UTC(2026, 11, 7, 9));
  const peer = await startTwilioPeer(t, ACCOUNT, { [ACCOUNT]: TOKEN, [API_KEY]: 'key-secret-1' });
  const store = openSqliteStore({ path: join(t.testdir(), 'notifyd.db') });
  const credentials = callbackElsewhere
    ? { auth_token: TOKEN, status_callback_url: 'https://hooks.example.test/twilio' }
    : { api_key_sid: API_KEY, api_key_secret: 'key-secret-1' };
  const s = await startServer(
    t,
    {
      server: { public_url: PUBLIC },
      scheduler: { enabled: false },
      delivery: { status_poll: POLL },
      providers: {
        sms: [
          {
            plugin: 'twilio',
            options: {
              account_sid: ACCOUNT,
              from: '+15005550006',
              base_url: peer.url,
              ...credentials,
            },
          },
        ],
      },
    } as never,
    store,
    { clock },
  );
  const events: AnyEvent[] = [];
  s.server.events.subscribe((e) => {
    events.push(e);
  });
  await s.api('PUT', '/api/v1/subscribers/ada', { phone: '+33612345678' });
  return { peer, s, events, clock };
}

const polls = (s: Running) =>
  s.server.scheduler.list('default', { kind: STATUS_POLL, status: 'scheduled' }, 10);

/** Sends an SMS to ada; waits until the worker has handed it to Twilio and its first poll is scheduled. */
async function sendSms(s: Running) {
  const sent = await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'ada',
    channels: ['sms'],
    content: { title: 'Code', body: 'Your code is 123456' },
  });
  const id = sent.body.notification_id as string;
  for (let i = 0; i < 400; i++) {
    const row = (await s.store.deliveries.listByNotification('default', id))[0];
    const polled = (await polls(s)).some((j) => j.payload.delivery_id === row?.id);
    if (row?.status === 'sent' && polled) return row;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the SMS was not sent');
}
const typed = (events: AnyEvent[], type: string) => events.filter((e) => e.type === type);
const metrics = (s: Running) => fetch(`${s.url}/metrics`).then((r) => r.text());

/** Posts a status callback signed with the auth token for notifyd's own URL, as Twilio does. */
function callback(s: Running, sid: string, status: string) {
  const form = { AccountSid: ACCOUNT, MessageSid: sid, MessageStatus: status };
  return fetch(`${s.url}/api/v1/providers/twilio/status`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, CALLBACK, form),
    },
    body: new URLSearchParams(form),
  });
}

t.test('an API-key SMS is polled with backoff until Twilio says delivered', async (t) => {
  const { peer, s, events, clock } = await setup(t);
  const row = await sendSms(s);
  const sid = row.provider_message_id as string;
  t.equal(sid, peer.received[0]?.sid);
  t.notOk(peer.received[0]?.form.StatusCallback, 'no callback asked for');
  t.same(typed(events, 'notification.delivered'), [], 'sent, not yet delivered');
  const sentAt = clock.now();
  t.match(await polls(s), [
    {
      kind: STATUS_POLL,
      run_at: sentAt + 1000,
      payload: { delivery_id: row.id, provider_message_id: sid, poll: 1 },
    },
  ]);

  t.equal(await s.server.scheduler.runDue(), 0, 'not due before first_ms');
  clock.advance(1000);
  peer.statuses.set(sid, { status: 'sent' });
  t.equal(await s.server.scheduler.runDue(), 1);
  t.same(peer.fetched, [sid], 'one fetch of the message');
  t.match(await polls(s), [{ run_at: sentAt + 1000 + 2000, payload: { poll: 2 } }], 'doubled');
  t.match(await s.store.deliveries.listByNotification('default', row.notification_id), [
    { status: 'sent' },
  ]);

  clock.advance(2000);
  peer.statuses.set(sid, { status: 'delivered' });
  t.equal(await s.server.scheduler.runDue(), 1);
  t.match(await s.store.deliveries.listByNotification('default', row.notification_id), [
    { id: row.id, status: 'delivered' },
  ]);
  t.match(typed(events, 'notification.delivered'), [
    { data: { delivery_id: row.id, provider: 'twilio', provider_message_id: sid } },
  ]);
  t.same(await polls(s), [], 'no poll after a final status');
  clock.advance(60_000);
  t.equal(await s.server.scheduler.runDue(), 0);
  t.equal(peer.fetched.length, 2);

  const text = await metrics(s);
  t.match(text, /notifyd_deliveries_total\{channel="sms",outcome="sent"\} 1/);
  t.match(text, /notifyd_deliveries_total\{channel="sms",outcome="delivered"\} 1/);
  t.match(
    text,
    /notifyd_provider_status_polls_total\{provider="twilio",channel="sms",result="pending"\} 1/,
  );
  t.match(
    text,
    /notifyd_provider_status_polls_total\{provider="twilio",channel="sms",result="delivered"\} 1/,
  );
});

t.test('an undelivered status fails the SMS once, with its error code', async (t) => {
  const { peer, s, events, clock } = await setup(t);
  const row = await sendSms(s);
  const sid = row.provider_message_id as string;
  peer.statuses.set(sid, { status: 'undelivered', error_code: 30003 });
  clock.advance(1000);
  t.equal(await s.server.scheduler.runDue(), 1);
  t.match(await s.store.deliveries.listByNotification('default', row.notification_id), [
    { status: 'failed', last_error: 'twilio: Twilio reports the message undelivered (30003)' },
  ]);
  t.match(typed(events, 'notification.failed'), [
    { data: { delivery_id: row.id, status: 'failed', kind: 'permanent', error: /30003/ } },
  ]);
  t.same(typed(events, 'notification.delivered'), []);
  const dead = await s.api('GET', '/api/v1/deliveries/dead');
  t.match(dead.body.data, [{ id: row.id }], 'a dead letter');
  t.match(await metrics(s), /notifyd_deliveries_total\{channel="sms",outcome="undelivered"\} 1/);
});

t.test('polls stop after max_polls; the delivery stays sent', async (t) => {
  const { peer, s, events, clock } = await setup(t);
  const row = await sendSms(s);
  const sid = row.provider_message_id as string;
  peer.statuses.set(sid, { status: 'sent' });
  for (const wait of [1000, 2000, 4000, 4000]) {
    clock.advance(wait);
    t.equal(await s.server.scheduler.runDue(), 1, `a poll after ${wait} ms`);
  }
  t.equal(peer.fetched.length, 4);
  t.same(await polls(s), [], 'none scheduled after the fourth');
  clock.advance(3_600_000);
  t.equal(await s.server.scheduler.runDue(), 0);
  t.match(await s.store.deliveries.listByNotification('default', row.notification_id), [
    { status: 'sent' },
  ]);
  t.same(typed(events, 'notification.delivered'), []);
  t.match(
    await metrics(s),
    /notifyd_provider_status_polls_total\{provider="twilio",channel="sms",result="gave_up"\} 1/,
  );
});

t.test('a Twilio error while polling is asked again', async (t) => {
  const { peer, s, clock } = await setup(t);
  const row = await sendSms(s);
  const sid = row.provider_message_id as string;
  // The peer forgets the message for a moment: Twilio's 404 (20404) is an error, not final.
  const kept = peer.received.splice(0);
  clock.advance(1000);
  t.equal(await s.server.scheduler.runDue(), 1);
  t.match(await polls(s), [{ payload: { poll: 2 } }]);
  peer.received.push(...kept);
  peer.statuses.set(sid, { status: 'delivered' });
  clock.advance(2000);
  t.equal(await s.server.scheduler.runDue(), 1);
  t.match(await s.store.deliveries.listByNotification('default', row.notification_id), [
    { status: 'delivered' },
  ]);
  t.match(
    await metrics(s),
    /notifyd_provider_status_polls_total\{provider="twilio",channel="sms",result="error"\} 1/,
  );
});

t.test('a callback and a poll confirm the delivery once, whichever comes first', async (t) => {
  const { peer, s, events, clock } = await setup(t, true);
  // Callback first: the next poll sees the delivery settled and does not ask Twilio.
  const first = await sendSms(s);
  const sid1 = first.provider_message_id as string;
  t.equal(peer.received[0]?.form.StatusCallback, 'https://hooks.example.test/twilio');
  t.equal((await callback(s, sid1, 'delivered')).status, 204);
  peer.statuses.set(sid1, { status: 'delivered' });
  clock.advance(1000);
  t.equal(await s.server.scheduler.runDue(), 1);
  t.same(peer.fetched, [], 'settled already: Twilio is not asked');
  t.equal(typed(events, 'notification.delivered').length, 1);

  // Poll first: the callback that follows is acknowledged and changes nothing.
  const second = await sendSms(s);
  const sid2 = second.provider_message_id as string;
  t.not(sid2, sid1);
  peer.statuses.set(sid2, { status: 'delivered' });
  clock.advance(1000);
  t.equal(await s.server.scheduler.runDue(), 1);
  t.same(peer.fetched, [sid2]);
  t.equal((await callback(s, sid2, 'delivered')).status, 204);
  const delivered = typed(events, 'notification.delivered');
  t.same(
    delivered.map((e) => (e.data as { delivery_id: string }).delivery_id),
    [first.id, second.id],
    'one notification.delivered per delivery',
  );
  const text = await metrics(s);
  t.match(text, /notifyd_deliveries_total\{channel="sms",outcome="delivered"\} 2/);
  t.match(text, /notifyd_twilio_status_callbacks_total\{outcome="already_settled"\} 1/);
  t.match(
    text,
    /notifyd_provider_status_polls_total\{provider="twilio",channel="sms",result="already_settled"\} 1/,
  );
});
