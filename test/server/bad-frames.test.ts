import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { rng } from '../helpers/random.js';
import { connect, startServer, userToken } from '../helpers/server.js';

const BAD: Array<string | Buffer> = [
  '',
  '{',
  'null',
  '[]',
  '"text"',
  '42',
  Buffer.from([0xff, 0xfe, 0x00]),
  '{"type":"unknown"}',
  '{"no":"type"}',
  '{"type":"ack"}',
  '{"type":"ack","notification_ids":[]}',
  '{"type":"ack","notification_id":""}',
  '{"type":"mark_read","notification_ids":"x"}',
  '{"type":"mark_read","notification_ids":[1,2]}',
  '{"type":"subscribe"}',
  '{"type":"subscribe","channel":"has space"}',
  '{"type":"subscribe","channel":"forbidden"}',
  '{"type":"unsubscribe","channel":""}',
  '{"type":"mark_all_read","category":""}',
  '{"type":"dismiss","notification_id":"ntf_nobody"}',
  '{"type":"ping","id":123}',
  '{"type":"refresh"}',
  '{"type":"refresh","token":"not-a-token"}',
  '{"type":"authenticate","token":"again"}',
  '{"type":"ack","notification_id":"ntf_someone_else"}',
];

t.test(
  'thousands of bad frames each get an error frame with a code; the socket stays',
  async (t) => {
    const s = await startServer(t, { realtime: { max_payload_bytes: 4096 } });
    const c = await connect(t, `${s.wsUrl}?token=${await userToken('fuzz')}`);
    await c.next('authenticated');
    // Someone else's notification, to ack and dismiss as the wrong user.
    const theirs = await s.api('POST', '/api/v1/notifications', {
      recipient_id: 'other',
      content: { title: 'not yours', body: 'x' },
    });
    const random = rng(7);
    const frames = Array.from({ length: 2000 }, () => {
      const pick = BAD[Math.floor(random() * BAD.length)]!;
      return typeof pick === 'string'
        ? pick.replace('ntf_someone_else', theirs.body.notification_id)
        : pick;
    });
    for (const frame of frames) c.ws.send(frame);
    c.send({ type: 'ping', id: 'end' });
    await c.next('pong', 20_000);
    // Frames that reach the store or check a token answer later than the pong.
    const errorsNow = () => c.frames.filter((f) => f.type === 'error');
    for (let i = 0; i < 100 && errorsNow().length < frames.length; i++) await sleep(50);
    const errors = errorsNow();
    t.equal(errors.length, frames.length, 'one error frame per bad frame');
    const codes = new Set(errors.map((e) => e.data.code));
    t.same(
      [...codes].sort(),
      [
        'AUTH_FAILED',
        'CHANNEL_FORBIDDEN',
        'INVALID_JSON',
        'NOTIFICATION_NOT_FOUND',
        'VALIDATION_ERROR',
      ],
      'each with a code that says why',
    );
    t.ok(
      errors.every((e) => typeof e.data.message === 'string' && e.data.message.length > 0),
      'and a message',
    );
    t.equal(c.ws.readyState, c.ws.OPEN, 'none of them closes the socket');
    const feed = await s.asUser('other', 'GET', '/api/v1/me/notifications');
    t.equal(feed.body.data.length, 1, "the other user's notification was not dismissed");
  },
);

t.test('frames before authenticating, and huge frames, close as the protocol says', async (t) => {
  const s = await startServer(t, { realtime: { max_payload_bytes: 4096 } });
  const early = await connect(t, s.wsUrl);
  early.send({ type: 'mark_read', notification_id: 'ntf_x' });
  t.match(await early.next('error'), { data: { code: 'AUTH_FAILED' } });
  t.equal((await early.closed).code, 4001);

  const huge = await connect(t, `${s.wsUrl}?token=${await userToken('big')}`);
  await huge.next('authenticated');
  huge.ws.send(JSON.stringify({ type: 'ping', id: 'x'.repeat(10_000) }));
  t.equal((await huge.closed).code, 1009, 'a frame over max_payload_bytes closes with 1009');
});
