/**
 * `apns`: Apple Push Notification service over HTTP/2 (node:http2) with token-based auth:
 * an ES256 provider token (jose) signed with the .p8 key, `kid` = key id, `iss` = team id,
 * reused for 50 minutes (Apple refuses tokens older than an hour and refreshes more often
 * than every 20 minutes). One HTTP/2 connection is kept and reused for every request.
 * No listed library does APNs token auth on HTTP/2, hence node:http2 + jose.
 */
import { createPrivateKey, type KeyObject, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type ClientHttp2Session, connect, constants } from 'node:http2';
import { rootCertificates } from 'node:tls';
import { type Static, Type } from '@sinclair/typebox';
import { definePlugin, type ProviderMessage, type SendResult } from '../../src/providers/plugin.js';
import { collapseIdOf } from '../group-key.js';
import { retryAfterMs } from '../retry-after.js';

const ApnsOptions = Type.Object(
  {
    team_id: Type.String({ pattern: '^[A-Z0-9]{10}$', description: 'Apple developer team id.' }),
    key_id: Type.String({ pattern: '^[A-Z0-9]{10}$', description: 'Id of the .p8 key.' }),
    private_key: Type.Optional(
      Type.String({ minLength: 1, description: 'The .p8 key (PEM), inline.' }),
    ),
    private_key_file: Type.Optional(
      Type.String({ minLength: 1, description: 'Path of the .p8 key file.' }),
    ),
    topic: Type.String({ minLength: 1, description: "The app's bundle id (`apns-topic`)." }),
    production: Type.Boolean({
      default: true,
      description: 'api.push.apple.com; false: api.sandbox.push.apple.com (development builds).',
    }),
    endpoint: Type.Optional(
      Type.String({
        pattern: '^https://',
        description: 'Another APNs origin (a proxy, a test peer); overrides `production`.',
      }),
    ),
    sound: Type.Optional(Type.String({ description: 'Sound of alerts, e.g. `default`.' })),
    timeout_ms: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 }),
    ca: Type.Optional(
      Type.String({ description: 'PEM certificates trusted besides the system ones.' }),
    ),
  },
  { additionalProperties: false },
);
export type ApnsOptions = Static<typeof ApnsOptions>;

/** How long a provider token is reused. */
const TOKEN_LIFETIME_MS = 50 * 60 * 1000;
/** Reasons that say the device token is dead. */
const DEAD_TOKEN = new Set(['BadDeviceToken', 'Unregistered', 'DeviceTokenNotForTopic']);

export { collapseIdOf };

function failure(status: number, reason: string, retryAfter: number | undefined): SendResult {
  const message = `APNs answered ${status}${reason ? ` ${reason}` : ''}`;
  const code = reason || String(status);
  if (status === 410 || DEAD_TOKEN.has(reason)) {
    return { ok: false, kind: 'invalid_recipient', message, code };
  }
  // ExpiredProviderToken: the next attempt signs a new token.
  if (status === 429 || status >= 500 || reason === 'ExpiredProviderToken') {
    return { ok: false, kind: 'retryable', message, code, retry_after_ms: retryAfter };
  }
  return { ok: false, kind: 'permanent', message, code };
}

/** The APNs JSON payload: an alert, or a background (content-available) update. */
function payloadOf(message: ProviderMessage<'push'>, sound: string | undefined) {
  const { title, body, image, url, data } = message.content;
  const alert = Boolean(title || body);
  const aps: Record<string, unknown> = alert
    ? {
        alert: { title, body },
        ...(sound ? { sound } : {}),
        ...(image ? { 'mutable-content': 1 } : {}),
      }
    : { 'content-available': 1 };
  return {
    alert,
    json: JSON.stringify({
      aps,
      ...data,
      ...(url ? { url } : {}),
      ...(image ? { image } : {}),
      notification_id: message.notification_id,
      delivery_id: message.delivery_id,
    }),
  };
}

export default definePlugin<ApnsOptions, 'push'>({
  name: 'apns',
  channel: 'push',
  options: ApnsOptions,
  secrets: ['private_key'],
  async create(options, ctx) {
    if ((options.private_key === undefined) === (options.private_key_file === undefined)) {
      throw new Error('apns: give exactly one of private_key and private_key_file');
    }
    const key: KeyObject = createPrivateKey(
      options.private_key ?? readFileSync(options.private_key_file!, 'utf8'),
    );
    if (key.asymmetricKeyType !== 'ec') throw new Error('apns: the key is not an EC (.p8) key');
    const { SignJWT } = await import('jose');
    const origin =
      options.endpoint ??
      (options.production ? 'https://api.push.apple.com' : 'https://api.sandbox.push.apple.com');

    let token: { value: string; at: number } | null = null;
    async function providerToken(): Promise<string> {
      const now = ctx.clock.now();
      if (token && now - token.at < TOKEN_LIFETIME_MS) return token.value;
      const value = await new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: options.key_id })
        .setIssuer(options.team_id)
        .setIssuedAt(Math.floor(now / 1000))
        .sign(key);
      token = { value, at: now };
      return value;
    }

    let session: ClientHttp2Session | null = null;
    function connection(): ClientHttp2Session {
      if (session && !session.closed && !session.destroyed) return session;
      const s = connect(origin, options.ca ? { ca: [...rootCertificates, options.ca] } : {});
      s.on('error', () => {
        // Reported to the streams in flight; the next send reconnects.
      });
      s.on('close', () => {
        if (session === s) session = null;
      });
      // An idle connection must not keep the daemon alive.
      s.unref();
      session = s;
      return s;
    }

    async function post(
      path: string,
      headers: Record<string, string>,
      body: string,
    ): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
      const s = connection();
      return new Promise((resolve, reject) => {
        const req = s.request(
          { ':method': 'POST', ':path': path, ...headers },
          { signal: ctx.signal },
        );
        req.setTimeout(options.timeout_ms, () =>
          req.close(constants.NGHTTP2_CANCEL, () => undefined),
        );
        let status = 0;
        let responseHeaders: Record<string, unknown> = {};
        const chunks: Buffer[] = [];
        req.on('response', (h) => {
          status = Number(h[':status']);
          responseHeaders = h;
        });
        req.on('data', (c: Buffer) => chunks.push(c));
        // 'close' comes last, after the body, an error, or the cancel of a timeout.
        req.on('close', () =>
          status
            ? resolve({ status, headers: responseHeaders, body: Buffer.concat(chunks).toString() })
            : reject(new Error(`no answer in ${options.timeout_ms} ms`)),
        );
        req.on('error', reject);
        req.end(body);
      });
    }

    return {
      async send(message) {
        const device = message.device;
        if (device?.kind !== 'apns' || !device.token) {
          return { ok: false, kind: 'permanent', message: 'not an APNs device' };
        }
        if (!/^[0-9a-fA-F]{16,200}$/.test(device.token)) {
          return { ok: false, kind: 'invalid_recipient', message: 'not an APNs device token' };
        }
        const { alert, json } = payloadOf(message, options.sound);
        const now = ctx.clock.now();
        const headers: Record<string, string> = {
          authorization: `bearer ${await providerToken()}`,
          'apns-topic': options.topic,
          'apns-push-type': alert ? 'alert' : 'background',
          // Background updates must be 5; low priority alerts may wait for power.
          'apns-priority': alert && message.priority !== 'low' ? '10' : '5',
          'apns-id': randomUUID(),
          'content-type': 'application/json',
        };
        if (message.ttl_seconds !== null) {
          headers['apns-expiration'] = String(Math.floor(now / 1000) + message.ttl_seconds);
        }
        if (message.group_key) headers['apns-collapse-id'] = collapseIdOf(message.group_key);
        try {
          const res = await post(`/3/device/${device.token}`, headers, json);
          if (res.status === 200) {
            return {
              ok: true,
              provider_message_id: String(res.headers['apns-id'] ?? headers['apns-id']),
            };
          }
          let reason = '';
          try {
            reason = String((JSON.parse(res.body) as { reason?: unknown }).reason ?? '');
          } catch {
            // Not JSON: the status alone decides.
          }
          if (reason === 'ExpiredProviderToken') token = null;
          return failure(
            res.status,
            reason,
            retryAfterMs(res.headers['retry-after'] as string | undefined, now),
          );
        } catch (err) {
          return { ok: false, kind: 'retryable', message: (err as Error).message };
        }
      },
      async close() {
        session?.close();
      },
    };
  },
});
