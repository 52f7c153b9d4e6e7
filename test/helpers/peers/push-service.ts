import {
  createDecipheriv,
  createECDH,
  createPublicKey,
  type ECDH,
  hkdfSync,
  randomBytes,
} from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import type { Test } from 'tap';
import { SERVER_CERT, SERVER_KEY } from './plugin-harness.js';

/** A browser's push subscription: what it hands the app, and the private half it keeps. */
export interface BrowserSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  ecdh: ECDH;
  authSecret: Buffer;
}

/** One message the push service accepted for delivery (or refused, as told). */
export interface PushReceived {
  path: string;
  headers: IncomingHttpHeaders;
  /** The decrypted payload, parsed. */
  // biome-ignore lint/suspicious/noExplicitAny: the payload as JSON
  payload: any;
  /** The verified VAPID claims. */
  claims: { aud: string; exp: number; sub: string };
  /** The VAPID public key the JWT was checked with (`k=`). */
  vapidKey: string;
}

export interface PushService {
  origin: string;
  received: PushReceived[];
  /** Requests refused because VAPID or decryption failed, with the reason. */
  rejected: string[];
  /** What to answer to the n-th accepted request to `path` (default 201). */
  answer: (path: string, n: number) => { status: number; headers?: Record<string, string> };
  /** A new subscription on this service, as a browser would create it. */
  subscribe(id?: string): BrowserSubscription;
}

/** Decrypts an aes128gcm body (RFC 8188/8291) with the subscription's private key. */
export function decryptAes128gcm(body: Buffer, sub: BrowserSubscription): Buffer {
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  const senderKey = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  if (ciphertext.length > rs) throw new Error('more than one record');
  const shared = sub.ecdh.computeSecret(senderKey);
  const keyInfo = Buffer.concat([
    Buffer.from('WebPush: info\0'),
    sub.ecdh.getPublicKey(),
    senderKey,
  ]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, sub.authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, 'Content-Encoding: aes128gcm\0', 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, 'Content-Encoding: nonce\0', 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([
    decipher.update(ciphertext.subarray(0, ciphertext.length - 16)),
    decipher.final(),
  ]);
  // The last record ends with the delimiter 0x02, then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('no last-record delimiter');
  return padded.subarray(0, end);
}

/** Verifies `Authorization: vapid t=<jwt>, k=<key>` for `origin` (RFC 8292). */
async function verifyVapid(header: string, origin: string) {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header);
  if (!match) throw new Error(`not a vapid authorization: ${header.slice(0, 40)}`);
  const [, token, k] = match as unknown as [string, string, string];
  const point = Buffer.from(k, 'base64url');
  if (point.length !== 65 || point[0] !== 4) throw new Error('k is not a P-256 point');
  const key = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url'),
    },
    format: 'jwk',
  });
  const { payload, protectedHeader } = await jwtVerify(token, key, {
    audience: origin,
    algorithms: ['ES256'],
  });
  if (protectedHeader.typ !== 'JWT') throw new Error('typ is not JWT');
  const exp = payload.exp!;
  if (exp > Date.now() / 1000 + 24 * 3600) throw new Error('exp more than 24 hours ahead');
  if (!/^(mailto:|https:)/.test(String(payload.sub))) throw new Error('sub is not mailto/https');
  return { claims: { aud: String(payload.aud), exp, sub: String(payload.sub) }, vapidKey: k };
}

/**
 * A push service on loopback over HTTPS (test certificate) that checks what a real one
 * checks: the VAPID JWT (ES256 signature, aud, exp, sub), the headers, and that the body
 * decrypts with the subscription's keys. Refusals answer 401/400 and are listed in `rejected`.
 */
export async function startPushService(t: Test): Promise<PushService> {
  const subscriptions = new Map<string, BrowserSubscription>();
  const counts = new Map<string, number>();
  const service: PushService = {
    origin: '',
    received: [],
    rejected: [],
    answer: () => ({ status: 201 }),
    subscribe(id = randomBytes(8).toString('hex')) {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const authSecret = randomBytes(16);
      const sub: BrowserSubscription = {
        endpoint: `${service.origin}/push/${id}`,
        keys: {
          p256dh: ecdh.getPublicKey().toString('base64url'),
          auth: authSecret.toString('base64url'),
        },
        ecdh,
        authSecret,
      };
      subscriptions.set(`/push/${id}`, sub);
      return sub;
    },
  };
  const refuse = (res: import('node:http').ServerResponse, status: number, why: string) => {
    service.rejected.push(why);
    res.writeHead(status, { 'content-type': 'text/plain' }).end(why);
  };
  const server = createServer({ cert: SERVER_CERT, key: SERVER_KEY }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const path = req.url ?? '/';
      const sub = subscriptions.get(path);
      if (req.method !== 'POST' || !sub) return refuse(res, 404, `no subscription at ${path}`);
      let vapid: Awaited<ReturnType<typeof verifyVapid>>;
      try {
        vapid = await verifyVapid(String(req.headers.authorization ?? ''), service.origin);
      } catch (err) {
        return refuse(res, 401, `vapid: ${(err as Error).message}`);
      }
      if (req.headers['content-encoding'] !== 'aes128gcm') {
        return refuse(res, 400, 'content-encoding is not aes128gcm');
      }
      if (!/^\d+$/.test(String(req.headers.ttl))) return refuse(res, 400, 'no TTL');
      let payload: unknown;
      try {
        payload = JSON.parse(decryptAes128gcm(Buffer.concat(chunks), sub).toString('utf8'));
      } catch (err) {
        return refuse(res, 400, `decrypt: ${(err as Error).message}`);
      }
      service.received.push({ path, headers: req.headers, payload, ...vapid });
      const n = (counts.get(path) ?? 0) + 1;
      counts.set(path, n);
      const { status, headers } = service.answer(path, n);
      res
        .writeHead(status, {
          ...(status === 201
            ? { location: `${service.origin}/message/${path.slice(6)}-${n}` }
            : {}),
          ...headers,
        })
        .end(status === 201 ? '' : `status ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  service.origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return service;
}
