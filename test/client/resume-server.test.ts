import t from 'tap';
import { clientOf, notify } from '../helpers/client.js';
import { startServer } from '../helpers/server.js';

t.test(
  'a client that missed notifications gets them from the server, oldest first, once',
  async (t) => {
    const s = await startServer(t);
    const n1 = await notify(s, 'vic', 'N1');
    const missed = [
      await notify(s, 'vic', 'N2'),
      await notify(s, 'vic', 'N3'),
      await notify(s, 'vic', 'N4'),
    ];
    const paths: string[] = [];
    const client = await clientOf(t, s, 'vic', {
      lastId: n1,
      fetch: (input, init) => {
        paths.push(new URL(String(input)).pathname);
        return fetch(input, init);
      },
    });
    const loop = client.notifications();
    await client.connect();
    const got: string[] = [];
    for (let i = 0; i < 3; i++) got.push((await loop.next()).value!.id);
    t.same(got, missed, 'replayed by the server after last_id');
    t.same(paths, [], 'no feed request was needed');
    t.equal(client.lastId, missed[2]);
  },
);

t.test('more missed than the server replays: the rest comes from the feed, once', async (t) => {
  const s = await startServer(t);
  const n0 = await notify(s, 'wyn', 'first');
  const ids: string[] = [];
  for (let i = 0; i < 505; i++) ids.push(await notify(s, 'wyn', `n${i}`));
  const client = await clientOf(t, s, 'wyn', { lastId: n0 });
  const order: string[] = [];
  client.on('notification', (n) => order.push(n.id));
  const loop = client.notifications();
  await client.connect();
  for (let i = 0; i < ids.length; i++) await loop.next();
  t.equal(order.length, ids.length, 'each once');
  t.same(order, ids, 'oldest first, with no gap');
});
