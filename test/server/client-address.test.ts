import t from 'tap';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/core/logger.js';
import { ClientAddresses } from '../../src/server/client-address.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { startServer } from '../helpers/server.js';

t.test('X-Forwarded-For is believed only from trusted proxies, read from the right', async (t) => {
  const none = new ClientAddresses(false, []);
  t.equal(none.of('127.0.0.1', '10.0.0.5'), '127.0.0.1', 'no proxy is trusted');
  const all = new ClientAddresses(true, []);
  t.equal(all.of('127.0.0.1', '10.0.0.5, 192.168.1.1'), '10.0.0.5', 'trust_proxy: the first hop');
  const some = new ClientAddresses(false, ['127.0.0.1', '192.168.0.0/16']);
  t.equal(some.of('127.0.0.1', '10.0.0.5'), '10.0.0.5');
  t.equal(some.of('127.0.0.1', '6.6.6.6, 10.0.0.5, 192.168.1.1'), '10.0.0.5', 'our hops skipped');
  t.equal(some.of('8.8.8.8', '10.0.0.5'), '8.8.8.8', 'an untrusted peer is the client');
  t.equal(some.of('127.0.0.1', 'not-an-address'), '127.0.0.1', 'garbage: the peer');
  t.equal(some.of('127.0.0.1', '192.168.1.2'), '192.168.1.2', 'all ours: the farthest');
  t.equal(some.of('::ffff:127.0.0.1', '10.0.0.5'), '10.0.0.5', 'v4-mapped peer');
  t.equal(some.of('127.0.0.1', undefined), '127.0.0.1');
});

t.test('a key used from outside its allowlist gets 403, and it is logged', async (t) => {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (s: string) => void lines.push(JSON.parse(s)) },
  });
  const s = await startServer(
    t,
    { server: { trusted_proxies: ['127.0.0.1'] } },
    createMemoryStore(),
    { logger },
  );
  const created = await s.api('POST', '/api/v1/keys', {
    name: 'office',
    scopes: ['notifications:send'],
    ip_allowlist: ['10.0.0.0/24'],
  });
  const call = (forwarded?: string) =>
    fetch(`${s.url}/api/v1/presence/u`, {
      headers: {
        authorization: `Bearer ${created.body.key}`,
        ...(forwarded ? { 'x-forwarded-for': forwarded } : {}),
      },
    });
  t.equal((await call('10.0.0.5')).status, 200, 'from the office, through our proxy');
  const outside = await call('6.6.6.6');
  t.equal(outside.status, 403);
  t.equal((await outside.json()).error.code, 'IP_NOT_ALLOWED');
  t.equal((await call('10.0.0.5, 6.6.6.6')).status, 403, 'a forged first hop does not help');
  t.equal((await call()).status, 403, 'the proxy itself is not in the allowlist');
  t.ok(
    lines.some((l) => String(l.msg).includes('allowlist') && l.address === '6.6.6.6'),
    'the refusal is logged with the address',
  );

  const direct = await startServer(t);
  const key = await direct.api('POST', '/api/v1/keys', {
    name: 'office',
    scopes: ['notifications:send'],
    ip_allowlist: ['10.0.0.0/24'],
  });
  const forged = await fetch(`${direct.url}/api/v1/presence/u`, {
    headers: { authorization: `Bearer ${key.body.key}`, 'x-forwarded-for': '10.0.0.5' },
  });
  t.equal(forged.status, 403, 'without trusted proxies the header is ignored');
});

t.test('a trusted proxy that is not an address stops start-up', async (t) => {
  t.throws(
    () => loadConfig({ env: {}, overrides: { server: { trusted_proxies: ['10.0.0.0/40'] } } }),
    /server\.trusted_proxies/,
  );
});
