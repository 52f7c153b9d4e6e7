import { SignJWT } from 'jose';
import t from 'tap';
import WebSocket from 'ws';
import { JWT_SECRET, startServer } from '../helpers/server.js';
import { openSse } from '../helpers/sse.js';

/** A token the verifier must refuse, signed with the right secret. */
const bad = (claims: Record<string, unknown>) =>
  new SignJWT({ sub: 'mallory', ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(JWT_SECRET));

/** The close code and first frame of a WebSocket opened with `token`. */
function wsRefusal(wsUrl: string, token: string) {
  return new Promise<{ code: number; frame: string }>((resolve, reject) => {
    const ws = new WebSocket(`${wsUrl}?token=${encodeURIComponent(token)}`);
    let frame = '';
    ws.on('message', (m) => {
      frame ||= m.toString();
    });
    ws.on('close', (code) => resolve({ code, frame }));
    ws.on('error', reject);
  });
}

t.test('REST, WebSocket and SSE refuse the same bad tokens', async (t) => {
  const s = await startServer(t);
  const now = Math.floor(Date.now() / 1000);
  const tokens: Record<string, string> = {
    'no exp': await bad({ iat: now }),
    'iat in the future': await bad({ iat: now + 3600, exp: now + 4000 }),
    'a lifetime of a year': await bad({ iat: now, exp: now + 365 * 86400 }),
    'a control character in sub': await bad({ sub: 'mal\u0000lory', iat: now, exp: now + 60 }),
  };
  for (const [name, token] of Object.entries(tokens)) {
    const rest = await fetch(`${s.url}/api/v1/me/notifications`, {
      headers: { authorization: `Bearer ${token}` },
    });
    t.equal(rest.status, 401, `REST: ${name}`);
    t.match(await rest.json(), { error: { code: 'AUTH_FAILED' } });
    const ws = await wsRefusal(s.wsUrl, token);
    t.equal(ws.code, 4001, `WebSocket: ${name}`);
    t.match(JSON.parse(ws.frame), { type: 'error', data: { code: 'AUTH_FAILED' } });
    const sse = await openSse(`${s.url}/api/v1/sse?token=${encodeURIComponent(token)}`);
    t.equal(sse.status, 401, `SSE: ${name}`);
    sse.close();
  }
});
