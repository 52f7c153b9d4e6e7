import t from 'tap';
import WebSocket from 'ws';
import { backoffDelay } from '../../src/client/backoff.js';
import { validChannel } from '../../src/client/channels.js';
import { Emitter } from '../../src/client/emitter.js';
import { type CatchUp, FeedApi } from '../../src/client/feed.js';
import {
  createClient,
  type FeedPage,
  type Notification,
  type WebSocketConstructor,
} from '../../src/client/index.js';
import { ItemStream } from '../../src/client/item-stream.js';
import { NotificationFlow } from '../../src/client/notification-flow.js';
import { SeenWindow } from '../../src/client/seen-window.js';
import { realtimeUrl } from '../../src/client/websocket.js';
import type {
  NotificationView,
  FeedPage as ServerFeedPage,
} from '../../src/notifications/schemas.js';
import { CHANNEL_PATTERN } from '../../src/server/realtime/protocol.js';
import { tappedWebSocket } from '../helpers/client.js';

// Compile-time checks: the client's copies of the wire types match the server's schemas,
// and both WebSocket implementations fit the constructor option.
const toClient = (n: NotificationView): Notification => n;
const toServer = (n: Notification): NotificationView => n;
const page = (p: ServerFeedPage): FeedPage => p;
const wsFits: WebSocketConstructor = WebSocket;
void [toClient, toServer, page, wsFits];

t.test('backoff: exponential, capped, full jitter', async (t) => {
  const opts = { initialDelayMs: 100, maxDelayMs: 1000, jitter: false };
  t.same(
    [0, 1, 2, 3, 4, 5000].map((a) => backoffDelay(a, opts)),
    [100, 200, 400, 800, 1000, 1000],
  );
  const jittered = { ...opts, jitter: true };
  t.equal(
    backoffDelay(3, jittered, () => 0.5),
    400,
  );
  t.equal(
    backoffDelay(3, jittered, () => 0),
    0,
  );
  const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(10, jittered)));
  t.ok(spread.size > 1, 'random by default');
  t.ok([...spread].every((d) => d >= 0 && d <= 1000));
});

t.test('the seen window drops duplicates and forgets the oldest', async (t) => {
  const seen = new SeenWindow(2);
  t.equal(seen.add('a'), true);
  t.equal(seen.add('a'), false);
  seen.add('b');
  seen.add('c');
  t.equal(seen.add('a'), true, 'forgotten once the window moved on');
  t.equal(seen.add('c'), false);
});

t.test('an item stream buffers, ends, and throws a failure once', async (t) => {
  const done: string[] = [];
  const stream = new ItemStream<number>(() => done.push('done'));
  stream.push(1);
  stream.push(2);
  t.same(await stream.next(), { value: 1, done: false });
  const waiting = stream.next();
  t.same(await waiting, { value: 2, done: false });
  const pending = stream.next();
  stream.push(3);
  t.same(await pending, { value: 3, done: false });
  const failed = stream.next();
  stream.end(new Error('gone'));
  await t.rejects(failed, { message: 'gone' });
  stream.end();
  stream.push(4);
  t.same(await stream.next(), { value: undefined, done: true });
  t.same(done, ['done'], 'onDone once');

  const ended = new ItemStream<number>(() => {});
  ended.push(1);
  ended.end(new Error('late'));
  t.same(await ended.next(), { value: 1, done: false }, 'what was buffered comes first');
  await t.rejects(ended.next(), { message: 'late' });
  t.same(await ended.next(), { value: undefined, done: true });

  const broken = new ItemStream<number>(() => {});
  broken.push(1);
  for await (const n of broken) {
    t.equal(n, 1);
    break;
  }
  broken.push(2);
  t.same(await broken.next(), { value: undefined, done: true }, 'break stops the stream');
});

t.test('the emitter: listeners and unsubscribe', async (t) => {
  const emitter = new Emitter<{ tick: number }>();
  const got: number[] = [];
  const off = emitter.on('tick', (n) => got.push(n));
  t.equal(emitter.has('tick'), true);
  emitter.emit('tick', 1);
  off();
  t.equal(emitter.has('tick'), false);
  emitter.emit('tick', 2);
  t.same(got, [1]);
});

t.test('the WebSocket URL follows the base URL', async (t) => {
  t.equal(realtimeUrl('http://h:8080').href, 'ws://h:8080/api/v1/ws');
  t.equal(realtimeUrl('https://h/notify/').href, 'wss://h/notify/api/v1/ws');
  t.equal(realtimeUrl('wss://h').href, 'wss://h/api/v1/ws');
});

t.test("channel names are checked with the server's own pattern", async (t) => {
  const server = new RegExp(CHANNEL_PATTERN);
  for (const name of [
    'orders',
    'team-red',
    'a.b:c_d',
    'x'.repeat(128),
    'x'.repeat(129),
    'a b',
    '',
    'é',
  ]) {
    t.equal(validChannel(name), server.test(name), name.slice(0, 20));
  }
});

t.test('no WebSocket at hand: createClient says what to pass', async (t) => {
  const saved = (globalThis as { WebSocket?: unknown }).WebSocket;
  (globalThis as { WebSocket?: unknown }).WebSocket = undefined;
  t.teardown(() => {
    (globalThis as { WebSocket?: unknown }).WebSocket = saved;
  });
  t.throws(() => createClient({ url: 'http://h', token: 't' }), {
    message: /import WebSocket from 'ws'/,
  });
  const { WebSocket: Tapped } = tappedWebSocket();
  (globalThis as { WebSocket?: unknown }).WebSocket = Tapped;
  t.equal(createClient({ url: 'http://h', token: 't' }).status, 'idle', 'the global one is used');
});

t.test('catching up pages the feed down to the last id, within a limit', async (t) => {
  const item = (n: number) => ({ id: `ntf_${String(n).padStart(5, '0')}` }) as Notification;
  // A feed of ids 0..2999, newest first, pages of `limit`.
  const fakeFetch = (async (input: string | URL | Request) => {
    const url = new URL(String(input));
    const limit = Number(url.searchParams.get('limit'));
    const from = Number(url.searchParams.get('cursor') ?? 2999);
    const data = Array.from({ length: limit }, (_, i) => item(from - i)).filter(
      (n) => n.id >= item(0).id,
    );
    const body = {
      data,
      cursor: String(from - limit),
      has_more: from - limit >= 0,
      unread_count: 0,
      unread_by_category: {},
    };
    return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  const api = new FeedApi('http://feed', async () => 'token', fakeFetch);

  const near = await api.missedSince(item(2750).id);
  t.equal(near.complete, true);
  t.equal(near.missed.length, 249);
  t.equal(near.missed[0]!.id, item(2751).id, 'oldest first');
  t.equal(near.missed.at(-1)!.id, item(2999).id);

  const far = await api.missedSince(item(10).id);
  t.equal(far.complete, false, 'stops after ten pages');
  t.equal(far.missed.length, 1000);

  const short = new FeedApi(
    'http://feed',
    async () => 'token',
    (async () =>
      new Response(
        JSON.stringify({
          data: [item(1)],
          cursor: null,
          has_more: false,
          unread_count: 0,
          unread_by_category: {},
        }),
      )) as typeof fetch,
  );
  t.same(
    await short.missedSince('ntf_'),
    { missed: [item(1)], complete: true },
    'the feed ran out',
  );
});

t.test('a catch-up of an ended session leaves the next session alone', async (t) => {
  const got: string[] = [];
  const reports: string[] = [];
  const flow = new NotificationFlow(10, null, (n) => got.push(n.id));
  const n = (id: string) => ({ id }) as Notification;
  let releaseOld!: (c: CatchUp) => void;
  const old = flow.catchUp(
    () =>
      new Promise((r) => {
        releaseOld = r;
      }),
    () => false,
    () => {},
  );
  flow.end();
  let releaseNew!: (c: CatchUp) => void;
  const current = flow.catchUp(
    () =>
      new Promise((r) => {
        releaseNew = r;
      }),
    () => true,
    (e) => reports.push((e as { code?: string }).code ?? e.message),
  );
  flow.receive(n('ntf_c'));
  releaseOld({ missed: [n('ntf_x')], complete: true });
  await old;
  t.same(got, [], 'the ended one delivers nothing, and keeps nothing held');
  releaseNew({ missed: [n('ntf_b'), n('ntf_a')], complete: false });
  await current;
  t.same(got, ['ntf_a', 'ntf_b', 'ntf_c'], 'missed and held together, oldest first');
  t.same(reports, ['RESUME_INCOMPLETE']);
  t.equal(flow.lastId, 'ntf_c', 'what the ended catch-up found was not taken');

  await flow.catchUp(
    () => Promise.reject('not an Error'),
    () => true,
    (e) => reports.push(e.message),
  );
  t.same(reports, ['RESUME_INCOMPLETE', 'not an Error']);
});
