/**
 * `webpush`: the Web Push protocol (RFC 8030) through the `web-push` library: the payload
 * encrypted with aes128gcm (RFC 8291) for the subscription's keys, VAPID (RFC 8292)
 * authentication, TTL from the message or the options, urgency from the priority and the
 * `Topic` from the group key (so a newer notification of a group replaces an undelivered one).
 */
import { Agent } from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';
import { type Static, Type } from '@sinclair/typebox';
import type { Device } from '../../src/notifications/ports.js';
import { definePlugin, type SendResult } from '../../src/providers/plugin.js';
import { topicOf } from '../group-key.js';
import { retryAfterMs } from '../retry-after.js';

const WebPushOptions = Type.Object(
  {
    vapid_public_key: Type.String({
      minLength: 1,
      description:
        'VAPID public key (base64url, uncompressed P-256 point): `notifyd vapid generate`.',
    }),
    vapid_private_key: Type.String({ minLength: 1, description: 'VAPID private key (base64url).' }),
    subject: Type.String({
      pattern: '^(mailto:|https://)',
      description: 'Who push services may contact about this sender: `mailto:` or an https URL.',
    }),
    ttl_seconds: Type.Integer({
      minimum: 0,
      maximum: 2_419_200,
      default: 86_400,
      description:
        "How long a push service keeps an undelivered message, when the notification doesn't say.",
    }),
    timeout_ms: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 }),
    max_sockets: Type.Integer({
      minimum: 1,
      maximum: 1024,
      default: 64,
      description: 'Concurrent connections per push service.',
    }),
    ca: Type.Optional(
      Type.String({
        description:
          'PEM certificates trusted besides the system ones (a TLS-inspecting proxy, a test push service).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type WebPushOptions = Static<typeof WebPushOptions>;

const URGENCY = { low: 'low', normal: 'normal', high: 'high', urgent: 'high' } as const;

export { topicOf };

/** Whether a subscription's keys can be encrypted to (65-byte P-256 point, 16-byte auth). */
function usableKeys(keys: Device['keys']): boolean {
  if (!keys) return false;
  const p256dh = Buffer.from(keys.p256dh, 'base64url');
  const auth = Buffer.from(keys.auth, 'base64url');
  return p256dh.length === 65 && p256dh[0] === 4 && auth.length >= 16;
}

/** A VAPID JWT's lifetime (at most 24 hours, RFC 8292), and how long one is reused. */
const VAPID_EXP_S = 12 * 3600;
const VAPID_REUSE_MS = 11 * 3600 * 1000;

function failure(status: number, body: string, retryAfter: number | undefined): SendResult {
  const message = `push service answered ${status}${body ? `: ${body.slice(0, 200)}` : ''}`;
  const code = String(status);
  // 404 and 410: the subscription expired or was unsubscribed; it never comes back.
  if (status === 404 || status === 410)
    return { ok: false, kind: 'invalid_recipient', message, code };
  if (status === 429 || status >= 500) {
    return { ok: false, kind: 'retryable', message, code, retry_after_ms: retryAfter };
  }
  // 400, 401/403 (VAPID refused), 413 (payload too large): retrying the same would fail again.
  return { ok: false, kind: 'permanent', message, code };
}

export default definePlugin<WebPushOptions, 'push'>({
  name: 'webpush',
  channel: 'push',
  options: WebPushOptions,
  secrets: ['vapid_private_key'],
  async create(options, ctx) {
    const webpush = (await import('web-push')).default;
    // Bad keys or subject fail at start-up, not on the first message.
    webpush.getVapidHeaders(
      'https://push.example',
      options.subject,
      options.vapid_public_key,
      options.vapid_private_key,
      'aes128gcm',
    );
    const agent = new Agent({
      keepAlive: true,
      maxSockets: options.max_sockets,
      // One secure context made here: given as `ca`, the ~140 root certificates would be
      // joined into the agent's socket-pool name and parsed again on every request.
      ...(options.ca
        ? { secureContext: createSecureContext({ ca: [...rootCertificates, options.ca] }) }
        : {}),
    });
    // The VAPID JWT of each push service (audience), signed once per VAPID_REUSE_MS rather
    // than for every message: ES256 signing was a fifth of a push's CPU time.
    const signed = new Map<string, { authorization: string; until: number }>();
    const authorization = (endpoint: string): string => {
      const { protocol, host } = new URL(endpoint);
      const audience = `${protocol}//${host}`;
      const now = ctx.clock.now();
      const cached = signed.get(audience);
      if (cached && cached.until > now) return cached.authorization;
      const headers = webpush.getVapidHeaders(
        audience,
        options.subject,
        options.vapid_public_key,
        options.vapid_private_key,
        'aes128gcm',
        Math.floor(now / 1000) + VAPID_EXP_S,
      );
      // Subscriptions name a handful of push services; bound it all the same.
      if (signed.size >= 100) signed.clear();
      signed.set(audience, { authorization: headers.Authorization, until: now + VAPID_REUSE_MS });
      return headers.Authorization;
    };

    return {
      async send(message) {
        const device = message.device;
        if (device?.kind !== 'webpush') {
          return { ok: false, kind: 'permanent', message: 'not a web push device' };
        }
        if (!device.endpoint?.startsWith('https://') || !usableKeys(device.keys)) {
          return {
            ok: false,
            kind: 'invalid_recipient',
            message: 'the subscription has no https endpoint or unusable keys',
          };
        }
        const { title, body, icon, image, url, data } = message.content;
        const payload = JSON.stringify({
          title,
          body,
          icon,
          image,
          url,
          data,
          notification_id: message.notification_id,
          delivery_id: message.delivery_id,
        });
        const now = ctx.clock.now();
        try {
          const res = await webpush.sendNotification(
            { endpoint: device.endpoint, keys: device.keys! },
            payload,
            {
              // null (documented by web-push, not in its types): VAPID with the Authorization
              // given here; aes128gcm is still declared.
              vapidDetails: null as never,
              headers: { Authorization: authorization(device.endpoint) },
              TTL: message.ttl_seconds ?? options.ttl_seconds,
              urgency: URGENCY[message.priority],
              ...(message.group_key ? { topic: topicOf(message.group_key) } : {}),
              contentEncoding: 'aes128gcm',
              agent,
              timeout: options.timeout_ms,
            },
          );
          const location = res.headers.location;
          return { ok: true, provider_message_id: typeof location === 'string' ? location : null };
        } catch (err) {
          if (err instanceof webpush.WebPushError) {
            return failure(err.statusCode, err.body, retryAfterMs(err.headers['retry-after'], now));
          }
          return { ok: false, kind: 'retryable', message: (err as Error).message };
        }
      },
      async test() {
        return { ok: true, detail: `VAPID keys loaded, subject ${options.subject}` };
      },
      async close() {
        agent.destroy();
      },
    };
  },
});
