/**
 * `webhook`: POSTs the rendered JSON body to a URL (the subscriber's own, or the one
 * configured), signed like notifyd's outgoing webhooks: `x-notifyd-signature:
 * t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. Redirects are not followed, and
 * connections to `denied_networks` are refused on every connection (DNS included).
 */
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type Static, Type } from '@sinclair/typebox';
import { definePlugin, type SendResult } from '../../src/providers/plugin.js';
import { signatureHeader } from '../../src/webhooks/signature.js';
import { DeniedAddressError, WebhookTransport } from '../../src/webhooks/transport.js';
import { retryAfterMs } from '../retry-after.js';

/** As `webhooks.denied_networks` by default: metadata services, link-local, multicast. */
const DEFAULT_DENIED = [
  '0.0.0.0/8',
  '::/128',
  '169.254.0.0/16',
  'fe80::/10',
  '224.0.0.0/4',
  'ff00::/8',
  '100.100.100.200/32',
  'fd00:ec2::254/128',
];

const WebhookOptions = Type.Object(
  {
    url: Type.Optional(
      Type.String({
        pattern: '^https?://',
        description: 'Where messages go when the subscriber has no URL of their own.',
      }),
    ),
    subscriber_url_field: Type.String({
      default: 'webhook_url',
      minLength: 1,
      description: "The subscriber `data` field holding the subscriber's own URL (preferred).",
    }),
    secret: Type.String({
      minLength: 16,
      description: 'HMAC-SHA256 key of the `x-notifyd-signature` header.',
    }),
    timeout_ms: Type.Integer({
      minimum: 100,
      maximum: 120_000,
      default: 10_000,
      description: 'How long a POST may take before it counts as a retryable failure.',
    }),
    denied_networks: Type.Array(Type.String(), {
      default: DEFAULT_DENIED,
      description: 'Addresses and CIDR ranges never connected to (as webhooks.denied_networks).',
    }),
  },
  { additionalProperties: false },
);
export type WebhookOptions = Static<typeof WebhookOptions>;

/** What a status means: 2xx sent; 408, 429 and 5xx retryable; other answers permanent. */
function fromStatus(status: number, retryAfter: number | undefined, body: string): SendResult {
  const message = `receiver answered ${status}${body ? `: ${body.slice(0, 200)}` : ''}`;
  if (status === 408 || status === 429 || status >= 500) {
    return {
      ok: false,
      kind: 'retryable',
      message,
      code: String(status),
      retry_after_ms: retryAfter,
    };
  }
  return { ok: false, kind: 'permanent', message, code: String(status) };
}

export default definePlugin<WebhookOptions, 'webhook'>({
  name: 'webhook',
  channel: 'webhook',
  options: WebhookOptions,
  secrets: ['secret'],
  create(options, ctx) {
    const transport = new WebhookTransport(options.denied_networks);

    function urlFor(data: Record<string, unknown> | null): URL | string {
      const own = data?.[options.subscriber_url_field];
      const raw = typeof own === 'string' && own !== '' ? own : options.url;
      if (raw === undefined) return 'no URL: neither the subscriber nor the provider has one';
      try {
        const url = new URL(raw);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
        return url;
      } catch {
        return `not an http(s) URL: ${raw.slice(0, 100)}`;
      }
    }

    return {
      send(message) {
        const url = urlFor(message.recipient.data);
        if (typeof url === 'string') {
          return Promise.resolve({ ok: false, kind: 'permanent', message: url });
        }
        const refusal = transport.refusal(url);
        if (refusal) {
          return Promise.resolve({ ok: false, kind: 'permanent', message: refusal.message });
        }
        const body = JSON.stringify({
          delivery_id: message.delivery_id,
          notification_id: message.notification_id,
          tenant_id: message.tenant_id,
          recipient_id: message.recipient.id,
          priority: message.priority,
          data: message.content.body,
        });
        const now = ctx.clock.now();
        const send = url.protocol === 'https:' ? httpsRequest : request;
        return new Promise<SendResult>((resolve) => {
          const req = send(url, {
            method: 'POST',
            agent: transport.agentFor(url),
            timeout: options.timeout_ms,
            signal: ctx.signal,
            headers: {
              'content-type': 'application/json',
              'user-agent': 'notifyd-webhook-provider',
              'x-notifyd-delivery': message.delivery_id,
              'x-notifyd-signature': signatureHeader(options.secret, Math.floor(now / 1000), body),
            },
          });
          req.on('timeout', () => req.destroy(new Error(`no answer in ${options.timeout_ms} ms`)));
          req.on('error', (err) => {
            resolve(
              err instanceof DeniedAddressError
                ? { ok: false, kind: 'permanent', message: err.message }
                : { ok: false, kind: 'retryable', message: err.message },
            );
          });
          req.on('response', (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('error', (err) =>
              resolve({ ok: false, kind: 'retryable', message: err.message }),
            );
            res.on('data', (c: Buffer) => {
              // Only the start of an answer is kept, for the error message.
              if (size < 1024) chunks.push(c);
              size += c.length;
            });
            res.on('end', () => {
              const status = res.statusCode ?? 0;
              if (status >= 200 && status < 300) {
                const id = res.headers['x-message-id'];
                resolve({ ok: true, provider_message_id: typeof id === 'string' ? id : null });
                return;
              }
              const text = Buffer.concat(chunks).toString('utf8');
              resolve(fromStatus(status, retryAfterMs(res.headers['retry-after'], now), text));
            });
          });
          req.end(body);
        });
      },
      async close() {
        transport.http.destroy();
        transport.https.destroy();
      },
    };
  },
});
