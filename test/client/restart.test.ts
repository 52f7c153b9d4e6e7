import t from 'tap';
import type { StatusChange } from '../../src/client/index.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { clientOf, freePort, nextEvent, notifyAndReceive } from '../helpers/client.js';
import { startServer } from '../helpers/server.js';

/**
 * Waits until `url` is served by the new server. Node's fetch may still hold a keep-alive
 * connection to the stopped one, which answers 503 and closes it.
 */
async function servedByNew(url: string): Promise<void> {
  for (let i = 0; i < 10; i++) if ((await fetch(`${url}/readyz`)).status === 200) return;
  throw new Error('the old server still answers');
}

t.test(
  'a server restart: the client backs off, comes back, and hears what is sent after',
  async (t) => {
    const port = await freePort();
    const store = createMemoryStore();
    // No advertised delay: the client's own backoff drives the return.
    const options = { server: { port }, realtime: { reconnect_after_s: 0 } };
    const before = await startServer(t, options, store);
    const client = await clientOf(t, before, 'quinn');
    await client.connect();
    await notifyAndReceive(before, client, 'quinn', 'before');

    const waits: number[] = [];
    client.on('status', (c: StatusChange) => {
      if (c.status === 'reconnecting') waits.push(c.delayMs!);
    });
    const thirdWait = new Promise<void>((resolve) => {
      const off = client.on('status', () => {
        if (waits.length < 3) return;
        off();
        resolve();
      });
    });
    await before.server.close();
    // While the server is down every attempt is refused, and each wait is longer.
    await thirdWait;
    t.same(waits.slice(0, 3), [20, 40, 80], 'exponential backoff (jitter off)');

    const after = await startServer(t, options, store);
    await servedByNew(after.url);
    await nextEvent(client, 'status', (c) => c.status === 'open');
    const { id: second, received } = await notifyAndReceive(after, client, 'quinn', 'after');
    t.equal(received.id, second, 'the next notification is the one sent after the restart');
    t.equal(client.lastId, second);
    t.equal((await client.feed()).data.length, 2, 'the same store served both');
  },
);

t.test("the server's shutdown delay is honoured", async (t) => {
  const port = await freePort();
  const store = createMemoryStore();
  const options = { server: { port }, realtime: { reconnect_after_s: 1 } };
  const before = await startServer(t, options, store);
  const client = await clientOf(t, before, 'rosa');
  await client.connect();
  const waiting = nextEvent(client, 'status', (c) => c.status === 'reconnecting');
  await before.server.close();
  t.equal((await waiting).delayMs, 1000 + 20, 'the advertised second, plus the first backoff');
  const after = await startServer(t, options, store);
  await servedByNew(after.url);
  await nextEvent(client, 'status', (c) => c.status === 'open');
  const { id, received } = await notifyAndReceive(after, client, 'rosa');
  t.equal(received.id, id);
});
