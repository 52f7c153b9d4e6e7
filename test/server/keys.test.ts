import t from 'tap';
import { startServer } from '../helpers/server.js';

const note = { recipient_id: 'a', content: { title: 't', body: 'b' } };

t.test('create, list, use and revoke a key', async (t) => {
  const s = await startServer(t);
  const created = await s.api('POST', '/api/v1/keys', {
    name: 'backend',
    scopes: ['notifications:send'],
  });
  t.equal(created.status, 201);
  t.match(created.body, {
    id: /^key_/,
    name: 'backend',
    key: /^nk_/,
    tenant_id: 'default',
    revoked_at: null,
  });
  t.equal(created.body.prefix, created.body.key.slice(0, 10));

  const listed = await s.api('GET', '/api/v1/keys');
  t.equal(listed.body.data.length, 1);
  t.notOk('key' in listed.body.data[0], 'a listing never shows the key');
  t.notOk('hash' in listed.body.data[0]);

  t.equal((await s.api('POST', '/api/v1/notifications', note, created.body.key)).status, 202);
  t.equal(
    (await s.api('GET', '/api/v1/keys', undefined, created.body.key)).status,
    403,
    'send keys cannot manage keys',
  );

  t.equal((await s.api('DELETE', `/api/v1/keys/${created.body.id}`)).status, 204);
  const after = await s.api('POST', '/api/v1/notifications', note, created.body.key);
  t.equal(after.status, 401, 'a revoked key stops working at once on this node');
  t.equal((await s.api('DELETE', `/api/v1/keys/${created.body.id}`)).status, 404);
  t.equal((await s.api('DELETE', '/api/v1/keys/key_nope')).status, 404);
  const revoked = await s.api('GET', '/api/v1/keys');
  t.type(revoked.body.data[0].revoked_at, 'string');
});

t.test('tenant keys act in their tenant and manage only its keys', async (t) => {
  const s = await startServer(t);
  const acmeAdmin = await s.api('POST', '/api/v1/keys', {
    name: 'acme admin',
    scopes: ['notifications:admin'],
    tenant_id: 'acme',
  });
  const k = acmeAdmin.body.key;
  const other = await s.api(
    'POST',
    '/api/v1/keys',
    { name: 'x', scopes: ['notifications:send'], tenant_id: 'globex' },
    k,
  );
  t.equal(other.status, 403);
  const own = await s.api(
    'POST',
    '/api/v1/keys',
    { name: 'acme send', scopes: ['notifications:send'] },
    k,
  );
  t.equal(own.status, 201);
  t.equal(own.body.tenant_id, 'acme');
  const listed = await s.api('GET', '/api/v1/keys', undefined, k);
  t.same(
    listed.body.data.map((x: { tenant_id: string }) => x.tenant_id),
    ['acme', 'acme'],
  );

  const res = await fetch(`${s.url}/api/v1/notifications`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${own.body.key}`,
      'content-type': 'application/json',
      'x-tenant-id': 'globex',
    },
    body: JSON.stringify({ recipient_id: 'zed', content: { title: 't', body: 'b' } }),
  });
  t.equal(res.status, 202);
  const globex = await s.asUser('zed', 'GET', '/api/v1/me/notifications', undefined, 'globex');
  t.same(globex.body.data, [], 'X-Tenant-ID cannot move a tenant key elsewhere');
  const acme = await s.asUser('zed', 'GET', '/api/v1/me/notifications', undefined, 'acme');
  t.equal(acme.body.data.length, 1);
});

t.test('IP allowlists and expiry', async (t) => {
  const s = await startServer(t);
  const local = await s.api('POST', '/api/v1/keys', {
    name: 'local',
    scopes: ['notifications:send'],
    ip_allowlist: ['127.0.0.0/8', '::1/128'],
  });
  t.equal((await s.api('POST', '/api/v1/notifications', note, local.body.key)).status, 202);
  const remote = await s.api('POST', '/api/v1/keys', {
    name: 'remote',
    scopes: ['notifications:send'],
    ip_allowlist: ['10.0.0.0/8', '2001:db8::/32'],
  });
  const refused = await s.api('POST', '/api/v1/notifications', note, remote.body.key);
  t.equal(refused.status, 403);
  t.equal(refused.body.error.code, 'IP_NOT_ALLOWED');
  const bad = await s.api('POST', '/api/v1/keys', {
    name: 'b',
    scopes: ['notifications:send'],
    ip_allowlist: ['10.0.0.0/99'],
  });
  t.equal(bad.status, 400);
  const expired = await s.api('POST', '/api/v1/keys', {
    name: 'old',
    scopes: ['notifications:send'],
    expires_at: '2020-01-01T00:00:00Z',
  });
  t.equal((await s.api('POST', '/api/v1/notifications', note, expired.body.key)).status, 401);
});

t.test('a key grants and revokes only scopes it holds itself', async (t) => {
  const s = await startServer(t);
  const create = (scopes: string[], key?: string) =>
    s.api('POST', '/api/v1/keys', { name: 'k', scopes, tenant_id: 'acme' }, key);
  const notifyAdmin = (await create(['notifications:admin'])).body.key;

  for (const scopes of [
    ['ratelimit:admin'],
    ['analytics:manage'],
    ['notifications:send', 'ratelimit:read'],
  ]) {
    const escalated = await create(scopes, notifyAdmin);
    t.equal(escalated.status, 403, `notifications:admin cannot grant ${scopes.join(', ')}`);
    t.match(escalated.body.error, { code: 'FORBIDDEN', message: /scopes it holds/ });
  }
  t.equal((await create(['notifications:send'], notifyAdmin)).status, 201, 'narrower: fine');
  t.equal((await create(['notifications:admin'], notifyAdmin)).status, 201, 'its own: fine');

  // The escalation the probe found: a bypass in its tenant through a minted ratelimit key.
  const bypass = await s.api(
    'POST',
    '/api/v1/ratelimit/bypass',
    { scope: 'api_key', identifier: 'x', reason: 'r' },
    notifyAdmin,
  );
  t.equal(bypass.status, 403, 'and it cannot create bypasses itself');

  const rlAdmin = await create(['ratelimit:admin']);
  const revoke = await s.api('DELETE', `/api/v1/keys/${rlAdmin.body.id}`, undefined, notifyAdmin);
  t.equal(revoke.status, 403, 'nor revoke a key with scopes beyond its own');
  t.equal((await s.api('DELETE', `/api/v1/keys/${rlAdmin.body.id}`)).status, 204, 'admin can');
});
