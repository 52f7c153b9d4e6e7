import t from 'tap';
import {
  isSealed,
  parseEncryptionKey,
  readSecret,
  SecretBox,
  SecretOpenError,
  writeSecret,
} from '../../src/core/secrets.js';

const HEX = 'a1'.repeat(32);

t.test('keys: 64 hex digits or base64 of 32 bytes, nothing else', async (t) => {
  t.same(parseEncryptionKey(HEX), Buffer.alloc(32, 0xa1));
  const b64 = Buffer.alloc(32, 3).toString('base64');
  t.same(parseEncryptionKey(b64), Buffer.alloc(32, 3));
  t.same(parseEncryptionKey(Buffer.alloc(32, 250).toString('base64url')), Buffer.alloc(32, 250));
  for (const bad of [
    'short',
    'a1'.repeat(31),
    Buffer.alloc(16).toString('base64'),
    'ü'.repeat(44),
  ]) {
    t.match(parseEncryptionKey(bad), { reason: /32 bytes/ }, bad);
  }
  t.equal(SecretBox.fromKey('  '), null, 'empty: no box');
  t.throws(() => SecretBox.fromKey('nope'), /encryption\.key must be 32 bytes/);
});

t.test('seal and open; a fresh nonce each time; tampering and another key refused', async (t) => {
  const box = SecretBox.fromKey(HEX) as SecretBox;
  const a = box.seal('whsec_secret');
  const b = box.seal('whsec_secret');
  t.ok(isSealed(a));
  t.not(a, b, 'two seals of one secret differ');
  t.notMatch(a, 'whsec');
  t.equal(box.open(a), 'whsec_secret');
  const flipped = `${a.slice(0, -2)}${a.at(-2) === 'A' ? 'B' : 'A'}${a.at(-1)}`;
  t.throws(() => box.open(flipped), SecretOpenError);
  const other = SecretBox.fromKey('b2'.repeat(32)) as SecretBox;
  t.throws(() => other.open(a), /does not open/);
  t.throws(() => box.open('enc:v1:AAAA'), SecretOpenError);
});

t.test('plaintext from before the key still reads; sealed without a key does not', async (t) => {
  const box = SecretBox.fromKey(HEX);
  t.equal(readSecret(box, 'plain-old'), 'plain-old');
  t.equal(readSecret(null, 'plain-old'), 'plain-old');
  t.equal(writeSecret(null, 'x'), 'x');
  const sealed = writeSecret(box, 'x');
  t.ok(isSealed(sealed));
  t.equal(readSecret(box, sealed), 'x');
  t.throws(() => readSecret(null, sealed), /NOTIFYD_ENCRYPTION_KEY/);
});
