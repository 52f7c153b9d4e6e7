import { get, type IncomingMessage } from 'node:http';
import t from 'tap';
import { startServer, userToken } from '../helpers/server.js';
import { openSse } from '../helpers/sse.js';

const send = (recipient: string, title: string) => ({
  recipient_id: recipient,
  content: { title, body: 'x' },
});

t.test('an event stream gets notifications, read updates and broadcasts', async (t) => {
  const s = await startServer(t, { server: { cors_origins: ['https://app.example'] } });
  const token = await userToken('sam');
  const stream = await openSse(`${s.url}/api/v1/sse?token=${token}`, {
    origin: 'https://app.example',
  });
  t.teardown(() => stream.close());
  t.equal(stream.status, 200);
  t.match(stream.headers.get('content-type'), /^text\/event-stream/);
  t.equal(stream.headers.get('access-control-allow-origin'), 'https://app.example');
  t.match(await stream.next('authenticated'), { data: { user_id: 'sam', tenant_id: 'default' } });

  const sent = await s.api('POST', '/api/v1/notifications', send('sam', 'Hello'));
  const event = await stream.next('notification');
  t.equal(event.id, sent.body.notification_id, 'the event id is the notification id');
  t.match(event.data, { id: sent.body.notification_id, content: { title: 'Hello' } });

  await s.asUser('sam', 'POST', `/api/v1/me/notifications/${sent.body.notification_id}/read`);
  const read = await stream.next('read_status_updated');
  t.match(read, { data: { unread_count: 0 } });
  t.equal(read.id, undefined, 'only notifications carry ids');
  const b = await s.api('POST', '/api/v1/broadcast', { data: { x: 1 } });
  t.equal((await stream.next('broadcast')).data.id, b.body.message_id);
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  t.match(metrics, /^notifyd_sse_streams 1$/m);
  const where = await s.api('GET', '/api/v1/cluster/users/sam');
  t.match(where.body, { online: true, connections: 1 }, 'an SSE client is online');
});

t.test('Last-Event-ID resumes after the last notification seen, oldest first', async (t) => {
  const s = await startServer(t);
  const ids: string[] = [];
  for (const title of ['one', 'two', 'three']) {
    ids.push(
      (await s.api('POST', '/api/v1/notifications', send('tia', title))).body.notification_id,
    );
  }
  const token = await userToken('tia');
  const stream = await openSse(`${s.url}/api/v1/sse?token=${token}`, { 'last-event-id': ids[0]! });
  t.teardown(() => stream.close());
  t.equal((await stream.next('notification')).id, ids[1]);
  t.equal((await stream.next('notification')).id, ids[2]);
  t.same((await stream.next('resumed')).data, {
    count: 2,
    has_more: false,
    unread_count: 3,
    unread_by_category: { general: 3 },
    unread_by_priority: { normal: 3 },
  });
});

t.test('channels named in the query stream their messages; others are refused', async (t) => {
  const s = await startServer(t);
  const token = await userToken('uma', { claims: { channels: ['orders'] } });
  const stream = await openSse(`${s.url}/api/v1/sse?channels=orders`, {
    authorization: `Bearer ${token}`,
  });
  t.teardown(() => stream.close());
  t.same((await stream.next('authenticated')).data.channels, ['orders']);
  const m = await s.api('POST', '/api/v1/channels/orders/messages', { data: { n: 1 } });
  t.equal((await stream.next('channel_message')).data.id, m.body.message_id);

  const refusals: Array<[string, Record<string, string>, number, string]> = [
    [`${s.url}/api/v1/sse`, {}, 401, 'AUTH_FAILED'],
    [`${s.url}/api/v1/sse?token=nope`, {}, 401, 'AUTH_FAILED'],
    [`${s.url}/api/v1/sse?token=${token}&channels=payroll`, {}, 403, 'CHANNEL_FORBIDDEN'],
    [`${s.url}/api/v1/sse?token=${token}&channels=bad%20name`, {}, 400, 'VALIDATION_ERROR'],
  ];
  for (const [url, headers, status, code] of refusals) {
    const refused = await openSse(url, headers);
    t.equal(refused.status, status, code);
    t.match(refused.body, { error: { code, request_id: /^req_/ } });
    t.equal(refused.headers.get('x-request-id'), refused.body.error.request_id, 'X-Request-Id');
  }
});

t.test('on shutdown every stream gets a shutdown event and ends', async (t) => {
  const s = await startServer(t);
  const stream = await openSse(`${s.url}/api/v1/sse?token=${await userToken('val')}`);
  await stream.next('authenticated');
  await s.server.close();
  t.same((await stream.next('shutdown')).data, { reconnect_after_seconds: 5 });
  await stream.ended;
  const refused = await openSse(`${s.url}/api/v1/sse?token=${await userToken('val')}`).catch(
    () => null,
  );
  t.ok(refused === null || refused.status === 503, 'no new streams while draining');
});

t.test('a stream whose client does not read is ended, not buffered without bound', async (t) => {
  const s = await startServer(t, { realtime: { max_backpressure_bytes: 64 * 1024 } });
  const token = await userToken('wil');
  const res = await new Promise<IncomingMessage>((resolve) =>
    get(`${s.url}/api/v1/sse?token=${token}`, resolve),
  );
  t.equal(res.statusCode, 200);
  res.pause();
  const big = { blob: 'x'.repeat(100_000) };
  for (let i = 0; i < 60; i++) {
    await s.api('POST', '/api/v1/notifications', {
      recipient_id: 'wil',
      content: { title: `n${i}`, body: 'x' },
      data: big,
    });
  }
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    text += chunk;
  });
  res.resume();
  await new Promise((resolve) => res.once('end', resolve));
  const got = text.split('event: notification').length - 1;
  t.ok(got < 60, `the stream ended after ${got} of 60; the client resumes with Last-Event-ID`);
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  t.match(metrics, /^notifyd_sse_streams 0$/m, 'and it is forgotten');
});
