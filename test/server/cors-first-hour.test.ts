import t from 'tap';
import { NotifydClient } from '../../src/client/rest.js';
import { startServer } from '../helpers/server.js';

t.test('an origin configured with a trailing slash is allowed', async (t) => {
  const s = await startServer(t, { server: { cors_origins: ['https://app.example.com/'] } });
  const pre = await fetch(`${s.url}/api/v1/me/notifications`, {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' },
  });
  t.equal(pre.status, 204);
  t.equal(pre.headers.get('access-control-allow-origin'), 'https://app.example.com');
  t.match(pre.headers.get('access-control-allow-headers'), /idempotency-key/);
  const get = await fetch(`${s.url}/healthz`, { headers: { origin: 'https://app.example.com' } });
  t.equal(get.headers.get('access-control-allow-origin'), 'https://app.example.com');
});

t.test('from a page on another origin, a failed request names CORS and the option', async (t) => {
  // What a browser does when the CORS answer does not allow the page: a bare TypeError.
  const blocked = (() => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch;
  const g = globalThis as { location?: { origin: string } };
  const before = g.location;
  t.teardown(() => {
    if (before === undefined) delete g.location;
    else g.location = before;
  });

  g.location = { origin: 'https://app.example.com' };
  const client = new NotifydClient({ url: 'https://notify.example.com', fetch: blocked });
  await t.rejects(client.request('GET', '/api/v1/me/unread-count'), {
    code: 'NETWORK_ERROR',
    message: /CORS.*https:\/\/app\.example\.com.*server\.cors_origins/,
  });

  g.location = { origin: 'https://notify.example.com' };
  const sameOrigin = new NotifydClient({ url: 'https://notify.example.com', fetch: blocked });
  const err = await sameOrigin.request('GET', '/x').catch((e: Error) => e);
  t.notMatch((err as Error).message, /CORS/, 'same origin: CORS cannot be the cause');

  delete g.location;
  const node = new NotifydClient({ url: 'http://127.0.0.1:1', fetch: blocked });
  const nodeErr = await node.request('GET', '/x').catch((e: Error) => e);
  t.match((nodeErr as Error).message, /^cannot reach http:\/\/127\.0\.0\.1:1: Failed to fetch$/);
});
