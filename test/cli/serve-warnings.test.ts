/**
 * What `notifyd serve` warns of at start about end-user tokens: no key at all (every user
 * connection would be refused), or an HS256 secret too short to resist guessing offline.
 */
import t from 'tap';
import { warnWithoutTokenKey } from '../../src/cli/serve.js';
import { loadConfig } from '../../src/config/load.js';
import type { Logger } from '../../src/core/logger.js';

function warnings(env: Record<string, string>): string[] {
  const said: string[] = [];
  const logger = { warn: (msg: string) => said.push(msg) } as unknown as Logger;
  warnWithoutTokenKey(loadConfig({ env, cwd: t.testdir() }), logger);
  return said;
}

t.test('no key for end-user tokens', async (t) => {
  const said = warnings({});
  t.equal(said.length, 1);
  t.match(said[0], /No key for end-user tokens/);
});

t.test('a short HS256 secret is named, with its length only', async (t) => {
  const said = warnings({ JWT_SECRET: 'hunter2xyz' });
  t.equal(said.length, 1);
  t.match(said[0], /auth\.jwt\.secret \(JWT_SECRET\) is 10 bytes: HS256 wants at least 32/);
  t.notMatch(said[0], /hunter2xyz/, 'the secret itself is never printed');
});

t.test('a secret of 32 bytes or more says nothing', async (t) => {
  t.same(warnings({ JWT_SECRET: 'x'.repeat(32) }), []);
});
