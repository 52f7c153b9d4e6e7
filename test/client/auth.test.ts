import t from 'tap';
import { clientOf, nextEvent, notifyAndReceive } from '../helpers/client.js';
import { startServer, userToken } from '../helpers/server.js';

const expired = (user: string) =>
  userToken(user, { expiresIn: Math.floor(Date.now() / 1000) - 3600 });

t.test(
  'a refused token: the provider is asked for a fresh one, and the session opens',
  async (t) => {
    const s = await startServer(t);
    const tokens = [await expired('kim'), await userToken('kim')];
    let calls = 0;
    const client = await clientOf(t, s, 'kim', { token: () => tokens[calls++]! });
    const errors: string[] = [];
    client.on('error', (e) => errors.push((e as { code?: string }).code ?? ''));
    await client.connect();
    t.equal(calls, 2, 'called once more after AUTH_FAILED');
    t.same(errors, ['AUTH_FAILED']);
    const { id, received } = await notifyAndReceive(s, client, 'kim');
    t.equal(received.id, id);
    // The good token is kept: REST calls do not ask again.
    t.equal((await client.unreadCount()).unread_count, 1);
    t.equal(calls, 2);
  },
);

t.test('a token refused every time: bounded retries, then closed with the error', async (t) => {
  const s = await startServer(t);
  let calls = 0;
  const bad = await expired('lee');
  const client = await clientOf(t, s, 'lee', {
    token: async () => {
      calls++;
      return bad;
    },
  });
  const loop = client.notifications();
  const closed = nextEvent(client, 'status', (c) => c.status === 'closed');
  await t.rejects(client.connect(), { code: 'AUTH_FAILED' });
  const status = await closed;
  t.match(status.error, { code: 'AUTH_FAILED' });
  t.equal(calls, 3, 'the first token and one per retry (maxAuthRetries 2)');
  await t.rejects(loop.next(), { code: 'AUTH_FAILED' }, 'the loop throws the reason');
  t.same(await loop.next(), { value: undefined, done: true });
});

t.test('a token provider that fails is retried with backoff', async (t) => {
  const s = await startServer(t);
  let calls = 0;
  const good = await userToken('max');
  const client = await clientOf(t, s, 'max', {
    token: () => {
      if (calls++ === 0) throw new Error('identity service down');
      return good;
    },
  });
  const error = nextEvent(client, 'error');
  const retry = nextEvent(client, 'status', (c) => c.status === 'reconnecting');
  await client.connect();
  t.match(await error, { message: 'identity service down' });
  t.equal((await retry).delayMs, 20);
  t.equal(calls, 2);
});
