import t, { type Test } from 'tap';
import { runCli } from '../../src/cli/program.js';
import { cliIO } from '../helpers/cli.js';

const webpush = (await import('web-push')).default;

/** A usable pair: a 65-byte uncompressed P-256 point, a 32-byte scalar, and web-push signs with it. */
function checkPair(t: Test, publicKey: string, privateKey: string) {
  const pub = Buffer.from(publicKey, 'base64url');
  t.equal(pub.length, 65);
  t.equal(pub[0], 4, 'uncompressed point');
  t.equal(Buffer.from(privateKey, 'base64url').length, 32);
  const headers = webpush.getVapidHeaders(
    'https://push.example',
    'mailto:ops@example.com',
    publicKey,
    privateKey,
    'aes128gcm',
  );
  t.match(headers.Authorization, /^vapid t=.+, k=/);
}

t.test('vapid generate prints a new pair as the provider options', async (t) => {
  const r = cliIO();
  t.equal(await runCli(['vapid', 'generate'], r.io), 0);
  const m = /^vapid_public_key: (\S+)\nvapid_private_key: (\S+)\n/.exec(r.out());
  t.ok(m, r.out());
  checkPair(t, m![1]!, m![2]!);
  t.equal(r.err(), '');
});

t.test('vapid generate --json; each run a new pair', async (t) => {
  const a = cliIO();
  const b = cliIO();
  t.equal(await runCli(['vapid', 'generate', '--json'], a.io), 0);
  t.equal(await runCli(['vapid', 'generate', '--json'], b.io), 0);
  const one = JSON.parse(a.out());
  const two = JSON.parse(b.out());
  t.same(Object.keys(one), ['public_key', 'private_key']);
  checkPair(t, one.public_key, one.private_key);
  t.not(one.private_key, two.private_key);
});
