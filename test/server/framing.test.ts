import { connect } from 'node:net';
import t from 'tap';
import { startServer } from '../helpers/server.js';

/**
 * Sends raw bytes on one connection and collects everything until the server closes it
 * (or `quietMs` pass with the socket still open, which is then reported as `open`).
 */
function rawExchange(port: number, bytes: string, quietMs = 1500, afterFirstAnswer?: string) {
  return new Promise<{ text: string; closed: boolean }>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let text = '';
    let later = afterFirstAnswer;
    let timer = setTimeout(() => finish(false), quietMs);
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed });
    };
    socket.on('data', (d) => {
      text += d;
      if (later !== undefined && !socket.destroyed) socket.write(later, () => {});
      later = undefined;
      clearTimeout(timer);
      timer = setTimeout(() => finish(false), quietMs);
    });
    socket.on('close', () => finish(true));
    socket.on('error', reject);
  });
}

/** The status codes of every answer in a raw exchange, in order. */
const statuses = (text: string) =>
  [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

const SMUGGLED = 'GET /api/v1/nope HTTP/1.1\r\nHost: x\r\n\r\n';

t.test('ambiguous body framing gets 400 MALFORMED_REQUEST and the connection closes', async (t) => {
  const { port } = await startServer(t);
  const cases: Array<[string, string]> = [
    ['conflicting Content-Length', 'Content-Length: 5\r\nContent-Length: 52'],
    ['repeated equal Content-Length', 'Content-Length: 5\r\nContent-Length: 5'],
    ['repeated Transfer-Encoding', 'Transfer-Encoding: chunked\r\nTransfer-Encoding: identity'],
    ['Transfer-Encoding that is not only chunked', 'Transfer-Encoding: gzip, chunked'],
  ];
  for (const [name, framing] of cases) {
    for (const path of ['/healthz', '/api/v1/notifications', '/api/v1/nope']) {
      const head = `POST ${path} HTTP/1.1\r\nHost: x\r\n${framing}\r\n\r\n`;
      const body = framing.includes('chunked') ? '5\r\nhello\r\n0\r\n\r\n' : 'hello';
      const { text, closed } = await rawExchange(port, head + body + SMUGGLED);
      t.same(statuses(text), [400], `${name} on ${path}: one answer, 400`);
      t.match(text, /"code":"MALFORMED_REQUEST"/, `${name} on ${path}: the error envelope`);
      t.ok(closed, `${name} on ${path}: the connection is closed`);
    }
  }
});

t.test('a request sent after the refusal, on the same connection, is never read', async (t) => {
  const { port } = await startServer(t);
  const head =
    'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 52\r\n\r\nhello';
  const { text, closed } = await rawExchange(port, head, 1500, SMUGGLED);
  t.same(statuses(text), [400]);
  t.ok(closed);
});

t.test('the SSE and WebSocket endpoints refuse ambiguous framing too', async (t) => {
  const { port } = await startServer(t);
  for (const path of ['/api/v1/sse', '/api/v1/ws']) {
    const head = `GET ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 40\r\n\r\n`;
    const { text, closed } = await rawExchange(port, head + SMUGGLED);
    t.same(statuses(text), [400], `${path}: one answer, 400`);
    t.ok(closed, `${path}: closed`);
  }
});

t.test('a declared body over the limit gets 413 and the connection closes unread', async (t) => {
  const { port } = await startServer(t, { server: { body_limit: 1024 } });
  const head =
    'POST /api/v1/notifications HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n' +
    'Content-Length: 5000\r\n\r\n';
  const { text, closed } = await rawExchange(port, head);
  t.same(statuses(text), [413]);
  t.match(text, /"code":"PAYLOAD_TOO_LARGE"/);
  t.ok(closed);
});

t.test('what the uWS parser refuses itself is closed without processing anything', async (t) => {
  // uWS 20.30 closes these before the app sees them: no answer can be written (see the
  // README's deployment section), but nothing after them is taken as a request.
  const { port } = await startServer(t);
  const refused = [
    'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n',
    'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n',
    'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 52\r\n\r\nhello',
  ];
  for (const bytes of refused) {
    const { text, closed } = await rawExchange(port, bytes + SMUGGLED);
    t.same(statuses(text), [], JSON.stringify(bytes.split('\r\n')[2]));
    t.ok(closed);
  }
});

t.test('well-framed requests on one keep-alive connection still work', async (t) => {
  const { port } = await startServer(t);
  const one = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
  const post = 'POST /api/v1/nope HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}';
  const { text } = await rawExchange(port, one + post + one, 500);
  t.same(statuses(text), [200, 404, 200]);
});
