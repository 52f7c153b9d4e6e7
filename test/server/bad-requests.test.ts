import t from 'tap';
import { rng } from '../helpers/random.js';
import { rawRequest } from '../helpers/raw-http.js';
import { ADMIN_KEY, startServer, userToken } from '../helpers/server.js';

const PATHS = [
  '/api/v1/notifications',
  '/api/v1/notifications/ntf_x/deliveries',
  '/api/v1/me/notifications',
  '/api/v1/me/notifications/%ZZ',
  '/api/v1/me/notifications/ntf_01/read',
  '/api/v1/me/notifications/read-all',
  '/api/v1/me/unread-count',
  '/api/v1/keys',
  '/api/v1/keys/key_1',
  '/api/v1/nope',
  '/healthz/extra',
];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const BODIES = [
  '',
  '{',
  'null',
  '[]',
  '"text"',
  '123',
  '{"recipient_id":null}',
  '{"recipient_id":"a","content":{"title":"","body":"b"}}',
  '{"recipient_id":"a","content":{"title":"t","body":"b"},"priority":"urgent"}',
  '{"recipient_id":"a","content":"x"}',
  '{"recipient_id":"a","content":{"title":"t","body":"b"},"extra":1}',
  '{"recipient_id":"","content":{"title":"t","body":"b"}}',
  '{"name":"","scopes":[]}',
  '{"name":"k","scopes":["root"]}',
  '{"name":"k","scopes":["notifications:send"],"ip_allowlist":["999.1.1.1/8"]}',
  '{"name":"k","scopes":["notifications:send"],"tenant_id":"bad tenant"}',
  '{"category":5}',
  '\u0000\u0001\u0002',
  '{"a":'.repeat(200),
];

t.test('thousands of generated bad requests get a 4xx with the error envelope', async (t) => {
  const s = await startServer(t, { server: { body_limit: 4096 } });
  const user = await userToken('fuzz');
  const AUTHS: Array<Record<string, string>> = [
    {},
    { authorization: `Bearer ${ADMIN_KEY}` },
    { authorization: 'Bearer nk_wrong' },
    { authorization: `Bearer ${user}` },
    { authorization: 'Basic abc' },
    { 'x-api-key': ADMIN_KEY, 'x-tenant-id': '../../etc' },
  ];
  const CONTENT_TYPES = ['application/json', 'text/plain', 'application/x-www-form-urlencoded', ''];
  const next = rng(20261123);
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)]!;
  const QUERIES = [
    '',
    '?limit=-1',
    '?limit=abc',
    '?cursor=%%%',
    '?read=maybe',
    '?cursor=a.b',
    '?x=1',
  ];
  const failures: string[] = [];
  let checked = 0;
  const total = 3000;
  const worker = async () => {
    while (checked < total) {
      checked++;
      const method = pick(METHODS);
      const path = pick(PATHS) + pick(QUERIES);
      let body = pick(BODIES);
      if (next() < 0.05) body = 'x'.repeat(5000);
      const contentType = pick(CONTENT_TYPES);
      const headers: Record<string, string> = { ...pick(AUTHS) };
      if (contentType) headers['content-type'] = contentType;
      const label = `${method} ${path} ${JSON.stringify(headers)} ${body.slice(0, 60)}`;
      let res: { status: number; body: string };
      try {
        res = await rawRequest(s.port, method, path, headers, method === 'GET' ? '' : body);
      } catch (err) {
        failures.push(`${(err as Error).message}: ${label}`);
        continue;
      }
      if (res.status >= 500 || res.status < 200) {
        failures.push(`${res.status} ${label}`);
        continue;
      }
      if (res.status >= 400) {
        try {
          const parsed = JSON.parse(res.body);
          if (
            typeof parsed.error?.code !== 'string' ||
            typeof parsed.error?.request_id !== 'string'
          ) {
            failures.push(`bad envelope ${label}: ${res.body}`);
          }
        } catch {
          failures.push(`non-JSON error ${res.status} ${label}: ${res.body.slice(0, 80)}`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  t.same(failures.slice(0, 20), [], `no 5xx and always the envelope (${total} requests)`);
  t.equal((await s.api('GET', '/healthz')).status, 200, 'the server is still up');
});
