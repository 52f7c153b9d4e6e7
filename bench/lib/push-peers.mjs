// The receiving ends of bench/push.mjs, run in a child process of their own so that the
// sender's CPU time is the sender's alone:
// - a web push service over HTTPS (the tests' certificate) that does what the test peer does
//   (test/helpers/peers/push-service.ts): verifies the VAPID JWT (ES256 signature, aud, exp,
//   sub) and decrypts the aes128gcm body with the subscription's private key;
// - an SMTP server (smtp-server) that accepts every mail and reads it to the end.
// Started by bench/push.mjs with fork(); answers {push_origin, smtp_port, subscriptions} on
// IPC, then {received, rejected} when asked.
import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { jwtVerify } from 'jose';
import { SMTPServer } from 'smtp-server';

const tls = (name) =>
  readFileSync(new URL(`../../test/helpers/peers/tls/${name}`, import.meta.url), 'utf8');
const SUBSCRIPTIONS = Number(process.argv[2] ?? 100);

const subs = new Map();
let received = 0;
const rejected = [];
let mails = 0;

function decrypt(body, sub) {
  const salt = body.subarray(0, 16);
  const idlen = body[20];
  const senderKey = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  const shared = sub.ecdh.computeSecret(senderKey);
  const keyInfo = Buffer.concat([
    Buffer.from('WebPush: info\0'),
    sub.ecdh.getPublicKey(),
    senderKey,
  ]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, sub.auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, 'Content-Encoding: aes128gcm\0', 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, 'Content-Encoding: nonce\0', 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([
    decipher.update(ciphertext.subarray(0, ciphertext.length - 16)),
    decipher.final(),
  ]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('no last-record delimiter');
  return padded.subarray(0, end);
}

const keys = new Map();
async function verifyVapid(header, origin) {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header);
  if (!match) throw new Error('not a vapid authorization');
  const [, token, k] = match;
  let key = keys.get(k);
  if (!key) {
    const point = Buffer.from(k, 'base64url');
    key = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: point.subarray(1, 33).toString('base64url'),
        y: point.subarray(33).toString('base64url'),
      },
      format: 'jwk',
    });
    keys.set(k, key);
  }
  const { payload } = await jwtVerify(token, key, { audience: origin, algorithms: ['ES256'] });
  if (payload.exp > Date.now() / 1000 + 24 * 3600) throw new Error('exp too far ahead');
  if (!/^(mailto:|https:)/.test(String(payload.sub))) throw new Error('bad sub');
}

let origin = '';
const push = createServer({ cert: tls('server.pem'), key: tls('server-key.pem') }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const sub = subs.get(req.url);
    const refuse = (status, why) => {
      if (rejected.length < 20) rejected.push(why);
      res.writeHead(status).end(why);
    };
    if (!sub) return refuse(404, `no subscription at ${req.url}`);
    try {
      await verifyVapid(String(req.headers.authorization ?? ''), origin);
    } catch (err) {
      return refuse(401, `vapid: ${err.message}`);
    }
    if (req.headers['content-encoding'] !== 'aes128gcm') return refuse(400, 'not aes128gcm');
    try {
      JSON.parse(decrypt(Buffer.concat(chunks), sub).toString('utf8'));
    } catch (err) {
      return refuse(400, `decrypt: ${err.message}`);
    }
    received++;
    res.writeHead(201, { location: `${origin}/message/${received}` }).end();
  });
});
push.keepAliveTimeout = 60_000;
let connections = 0;
push.on('secureConnection', () => connections++);
await new Promise((resolve) => push.listen(0, '127.0.0.1', resolve));
origin = `https://127.0.0.1:${push.address().port}`;

const subscriptions = [];
for (let i = 0; i < SUBSCRIPTIONS; i++) {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  subs.set(`/push/${i}`, { ecdh, auth });
  subscriptions.push({
    endpoint: `${origin}/push/${i}`,
    keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
  });
}

const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, _session, done) {
    stream.on('data', () => {});
    stream.on('end', () => {
      mails++;
      done();
    });
  },
});
await new Promise((resolve) => smtp.listen(0, '127.0.0.1', resolve));

process.on('message', (m) => {
  if (m === 'counts') process.send({ received, rejected, mails, connections });
  if (m === 'stop') {
    push.closeAllConnections();
    push.close();
    smtp.close(() => process.exit(0));
  }
});
process.send({ push_origin: origin, smtp_port: smtp.server.address().port, subscriptions });
