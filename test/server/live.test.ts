import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { connect, startServer, userToken } from '../helpers/server.js';

t.test(
  'a channel message reaches the tenant sessions subscribed to it, and no others',
  async (t) => {
    const s = await startServer(t);
    const token = (user: string, tenant?: string) =>
      userToken(user, {
        ...(tenant ? { tenant } : {}),
        claims: { channels: ['orders', 'team-*'] },
      });
    const sub = await connect(t, `${s.wsUrl}?token=${await token('ann')}`);
    const idle = await connect(t, `${s.wsUrl}?token=${await token('ben')}`);
    const elsewhere = await connect(t, `${s.wsUrl}?token=${await token('cat', 'acme')}`);
    for (const c of [sub, idle, elsewhere]) await c.next('authenticated');
    sub.send({ type: 'subscribe', channel: 'orders' });
    t.same(await sub.next('subscribed'), { type: 'subscribed', data: { channel: 'orders' } });
    sub.send({ type: 'subscribe', channel: 'team-red' });
    await sub.next('subscribed');
    elsewhere.send({ type: 'subscribe', channel: 'orders' });
    await elsewhere.next('subscribed');

    const res = await s.api('POST', '/api/v1/channels/orders/messages', {
      event: 'order.updated',
      data: { order: 42, tags: ['x'] },
    });
    t.equal(res.status, 202);
    t.match(res.body, { message_id: /^msg_/, sent_at: String });
    t.match(await sub.next('channel_message'), {
      data: {
        id: res.body.message_id,
        channel: 'orders',
        event: 'order.updated',
        data: { order: 42, tags: ['x'] },
      },
    });
    await sleep(50);
    t.notOk(
      idle.frames.some((f) => f.type === 'channel_message'),
      'not subscribed: nothing',
    );
    t.notOk(
      elsewhere.frames.some((f) => f.type === 'channel_message'),
      "another tenant's channel of the same name: nothing",
    );

    sub.send({ type: 'unsubscribe', channel: 'orders' });
    await sub.next('unsubscribed');
    await s.api('POST', '/api/v1/channels/orders/messages', { data: { after: true } });
    await s.api('POST', '/api/v1/channels/team-red/messages', { data: { team: true } });
    t.match(await sub.next('channel_message'), { data: { channel: 'team-red', event: null } });
    t.equal(sub.frames.filter((f) => f.type === 'channel_message').length, 2, 'none after leaving');
  },
);

t.test('a channel the token does not allow is refused; the socket stays open', async (t) => {
  const s = await startServer(t);
  const c = await connect(
    t,
    `${s.wsUrl}?token=${await userToken('dee', { claims: { channels: ['team-*'] } })}`,
  );
  await c.next('authenticated');
  c.send({ type: 'subscribe', channel: 'payroll' });
  t.match(await c.next('error'), {
    data: { code: 'CHANNEL_FORBIDDEN', details: { channel: 'payroll' } },
  });
  c.send({ type: 'subscribe', channel: 'no spaces/or slashes' });
  t.match(await c.next('error'), { data: { code: 'VALIDATION_ERROR' } });
  c.send({ type: 'ping', id: 'alive' });
  t.same(await c.next('pong'), { type: 'pong', id: 'alive' });
  const plain = await connect(t, `${s.wsUrl}?token=${await userToken('eve')}`);
  await plain.next('authenticated');
  plain.send({ type: 'subscribe', channel: 'team-a' });
  t.match(
    await plain.next('error'),
    { data: { code: 'CHANNEL_FORBIDDEN' } },
    'no claim, no channel',
  );
  const bad = await connect(
    t,
    `${s.wsUrl}?token=${await userToken('fay', { claims: { channels: 'orders' } })}`,
  );
  t.match(await bad.next('error'), { data: { code: 'AUTH_FAILED' } }, 'a malformed claim');
});

t.test('a broadcast reaches every session of the tenant, and only that tenant', async (t) => {
  const s = await startServer(t);
  const a1 = await connect(t, `${s.wsUrl}?token=${await userToken('gus')}`);
  const a2 = await connect(t, `${s.wsUrl}?token=${await userToken('hal')}`);
  const b = await connect(t, `${s.wsUrl}?token=${await userToken('ida', { tenant: 'acme' })}`);
  for (const c of [a1, a2, b]) await c.next('authenticated');
  const res = await s.api('POST', '/api/v1/broadcast', {
    event: 'maintenance',
    data: { at: 'noon' },
  });
  t.equal(res.status, 202);
  for (const c of [a1, a2]) {
    t.match(await c.next('broadcast'), {
      data: { id: res.body.message_id, event: 'maintenance', data: { at: 'noon' } },
    });
  }
  await sleep(50);
  t.notOk(
    b.frames.some((f) => f.type === 'broadcast'),
    'other tenants hear nothing',
  );
});

t.test('bad live messages get a 4xx with the error envelope', async (t) => {
  const s = await startServer(t);
  const cases: Array<[string, unknown, number]> = [
    ['/api/v1/channels/orders/messages', {}, 400],
    ['/api/v1/channels/orders/messages', { data: 'text' }, 400],
    ['/api/v1/channels/orders/messages', { data: {}, extra: 1 }, 400],
    ['/api/v1/channels/orders/messages', { data: {}, event: '' }, 400],
    ['/api/v1/channels/bad%20name/messages', { data: {} }, 400],
    ['/api/v1/broadcast', { data: [] }, 400],
  ];
  for (const [path, body, status] of cases) {
    const res = await s.api('POST', path, body);
    t.equal(res.status, status, `${path} ${JSON.stringify(body)}`);
    t.match(res.body, { error: { code: String, request_id: String } });
  }
  const key = await s.api('POST', '/api/v1/keys', { name: 'reader', scopes: ['analytics:read'] });
  const forbidden = await s.api('POST', '/api/v1/broadcast', { data: {} }, key.body.key);
  t.equal(forbidden.status, 403, 'needs notifications:send');
});
