import t from 'tap';
import { ADMIN_KEY, startServer } from '../helpers/server.js';

t.test('health, readiness, metrics and the OpenAPI document', async (t) => {
  const s = await startServer(t);
  t.same((await s.api('GET', '/healthz')).body, { status: 'ok' });
  t.same((await s.api('GET', '/readyz')).body, { status: 'ready' });

  await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'a',
    content: { title: 't', body: 'b' },
  });
  const metrics = await fetch(`${s.url}/metrics`);
  t.match(metrics.headers.get('content-type'), /text\/plain/);
  const text = await metrics.text();
  t.match(
    text,
    /notifyd_http_requests_total\{method="POST",route="\/api\/v1\/notifications",status="202"\} 1/,
  );
  t.match(text, /notifyd_notifications_accepted_total\{tenant="default"\} 1/);
  t.match(text, /notifyd_http_request_duration_seconds_bucket/);
  t.match(text, /notifyd_ws_connections 0/);

  const doc = (await s.api('GET', '/openapi.json')).body;
  t.equal(doc.openapi, '3.1.0');
  const post = doc.paths['/api/v1/notifications'].post;
  // A send names recipient_id or recipient, and content or a template: checked by the service.
  t.match(post.requestBody.content['application/json'].schema.properties, {
    recipient_id: {},
    recipient: {},
    content: {},
    template: {},
  });
  t.ok(post.responses['202'].content['application/json'].schema);
  t.match(post.responses['429'].description, /USER_CAP_EXCEEDED/, 'a send past the caps is 429');
  t.ok(doc.paths['/api/v1/me/notifications/{id}'].delete, 'path parameters in OpenAPI form');
  t.same(
    doc.paths['/api/v1/me/notifications'].get.parameters.map((p: { name: string }) => p.name),
    [
      'cursor',
      'limit',
      'read',
      'category',
      'priority',
      'dismissed',
      'created_after',
      'created_before',
    ],
  );

  // The real-time doors are served beside the router: described all the same.
  const ws = doc.paths['/api/v1/ws'].get;
  t.ok(ws.responses['101'], 'the WebSocket answers 101 Switching Protocols');
  t.match(ws.responses['429'].content['application/json'].schema.properties, { error: {} });
  t.match(ws.responses['426'], {
    description: /UPGRADE_REQUIRED/,
    headers: { Upgrade: { schema: { enum: ['websocket'] } } },
    content: { 'application/json': { schema: { properties: { error: {} } } } },
  });
  t.same(ws.security, [{ userToken: [] }, {}], 'a user JWT, which may come in the first frame');
  t.same(
    ws.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`),
    ['query:token', 'query:last_id', 'query:presence', 'header:Sec-WebSocket-Protocol'],
  );
  t.match(ws.description, /authenticate/);
  const sse = doc.paths['/api/v1/sse'].get;
  t.ok(sse.responses['200'].content['text/event-stream'], 'an event stream');
  t.ok(sse.responses['401'], 'a refused token answers before the stream starts');
  t.same(
    sse.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`),
    ['query:token', 'query:last_id', 'query:channels', 'query:presence', 'header:Last-Event-ID'],
  );
  for (const path of ['/ws', '/sse', '/api/v1/stats']) {
    t.notOk(doc.paths[path], `${path}: only with compat.ara.enabled`);
  }
});

t.test('the Ara door adds its real-time paths and its stats', async (t) => {
  const s = await startServer(t, { compat: { ara: { enabled: true } } } as never);
  const doc = (await s.api('GET', '/openapi.json')).body;
  t.ok(doc.paths['/api/v1/ws'].get, "notifyd's own door stays");
  t.match(doc.paths['/ws'].get, { tags: ['ara'], responses: { 101: {}, 401: {}, 426: {} } });
  t.match(doc.paths['/ws'].get.summary, /compat\.ara\.enabled/);
  t.match(doc.paths['/sse'].get, { tags: ['ara'], responses: { 200: {} } });
  t.ok(doc.paths['/api/v1/stats'].get, "Ara's stats");
  t.equal((await s.api('GET', '/api/v1/stats')).status, 200);
});

t.test('unknown routes, wrong methods, bodies too large, wrong types, bad JSON', async (t) => {
  const s = await startServer(t, { server: { body_limit: 2048 } });
  const auth = { authorization: `Bearer ${ADMIN_KEY}` };
  const notFound = await s.api('GET', '/api/v1/nothing-here');
  t.equal(notFound.status, 404);
  t.equal(notFound.body.error.code, 'NOT_FOUND');
  t.match(notFound.body.error.request_id, /^req_/);

  const wrongMethod = await s.api('PUT', '/api/v1/notifications', {});
  t.equal(wrongMethod.status, 405);
  t.equal(wrongMethod.headers.get('allow'), 'POST, GET');
  // The real-time doors are mounted apart from the routes, and answer other methods alike.
  for (const door of ['/api/v1/ws', '/api/v1/sse']) {
    const posted = await s.api('POST', door, {});
    t.equal(posted.status, 405, `POST ${door}`);
    t.equal(posted.headers.get('allow'), 'GET');
    t.equal(posted.body.error.code, 'METHOD_NOT_ALLOWED');
  }

  const big = await fetch(`${s.url}/api/v1/notifications`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ recipient_id: 'a', content: { title: 't', body: 'x'.repeat(4096) } }),
  });
  t.equal(big.status, 413);
  t.equal((await big.json()).error.code, 'PAYLOAD_TOO_LARGE');

  const chunked = await fetch(`${s.url}/api/v1/notifications`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: new ReadableStream({
      start(c) {
        for (let i = 0; i < 8; i++) c.enqueue(new TextEncoder().encode('x'.repeat(1024)));
        c.close();
      },
    }),
    duplex: 'half',
  } as RequestInit);
  t.equal(chunked.status, 413, 'a chunked body without a length is cut off too');

  const text = await fetch(`${s.url}/api/v1/notifications`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'text/plain' },
    body: 'hello',
  });
  t.equal(text.status, 415);

  const broken = await s.api('POST', '/api/v1/notifications', '{"recipient_id":');
  t.equal(broken.status, 400);
  t.equal(broken.body.error.code, 'INVALID_JSON');

  // A hundred thousand levels (a few hundred kilobytes) overflowed the stack of
  // JSON.stringify on the way to the store: a 500. Any depth past the limit is refused.
  const nested = `${'['.repeat(400)}${']'.repeat(400)}`;
  const deep = await s.api(
    'POST',
    '/api/v1/notifications',
    `{"recipient_id":"a","content":{"title":"t","body":"b"},"data":{"x":${nested}}}`,
  );
  t.equal(deep.status, 400, 'a body nested 400 levels deep is refused');
  t.equal(deep.body.error.code, 'INVALID_JSON');
  t.match(deep.body.error.details.reason, /nest deeper than 64 levels/);

  const empty = await fetch(`${s.url}/api/v1/notifications`, { method: 'POST', headers: auth });
  t.equal(empty.status, 400);
  t.equal((await empty.json()).error.code, 'VALIDATION_ERROR');

  const ok = await s.api('POST', '/api/v1/notifications', {
    recipient_id: 'a',
    content: { title: 't', body: 'b' },
  });
  t.equal(ok.status, 202, 'the server still works');
});

t.test('CORS: preflight and headers for allowed origins only', async (t) => {
  const s = await startServer(t, { server: { cors_origins: ['https://app.example.com'] } });
  const pre = await fetch(`${s.url}/api/v1/me/notifications`, {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' },
  });
  t.equal(pre.status, 204);
  t.equal(pre.headers.get('access-control-allow-origin'), 'https://app.example.com');
  t.match(pre.headers.get('access-control-allow-headers'), /authorization/);
  const denied = await fetch(`${s.url}/api/v1/me/notifications`, {
    method: 'OPTIONS',
    headers: { origin: 'https://evil.example.com' },
  });
  t.equal(denied.status, 403);
  const get = await fetch(`${s.url}/healthz`, { headers: { origin: 'https://app.example.com' } });
  t.equal(get.headers.get('access-control-allow-origin'), 'https://app.example.com');
  const err = await fetch(`${s.url}/api/v1/me/notifications`, {
    headers: { origin: 'https://app.example.com' },
  });
  t.equal(err.status, 401);
  t.equal(err.headers.get('access-control-allow-origin'), 'https://app.example.com', 'errors too');
  const other = await fetch(`${s.url}/healthz`, {
    headers: { origin: 'https://evil.example.com' },
  });
  t.equal(other.headers.get('access-control-allow-origin'), null);
});
