/**
 * `twilio`: SMS through Twilio's Messages API with the `twilio` library: account SID and
 * auth token (or an API key), from a number or a messaging service, status callbacks to
 * notifyd's `POST /api/v1/providers/twilio/status` when `server.public_url` is set, and
 * status polls (`messages(sid).fetch()`) when no callback comes to notifyd. Twilio's error
 * codes decide the failure: 21211 (invalid `To`) and 21614 (not a mobile number) mark the
 * number dead; 429 and 5xx are retried.
 */
import { type Static, Type } from '@sinclair/typebox';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { definePlugin, type MessageStatus, type SendResult } from '../../src/providers/plugin.js';
import { TWILIO_STATUS_PATH } from '../../src/providers/twilio-status-route.js';

const TwilioOptions = Type.Object(
  {
    account_sid: Type.String({ pattern: '^AC[0-9a-fA-F]{32}$' }),
    auth_token: Type.Optional(
      Type.String({ minLength: 1, description: "The account's auth token (or use an API key)." }),
    ),
    api_key_sid: Type.Optional(Type.String({ pattern: '^SK[0-9a-fA-F]{32}$' })),
    api_key_secret: Type.Optional(Type.String({ minLength: 1 })),
    from: Type.Optional(
      Type.String({ pattern: '^\\+[1-9]\\d{6,14}$', description: 'Sender number (E.164).' }),
    ),
    messaging_service_sid: Type.Optional(
      Type.String({
        pattern: '^MG[0-9a-fA-F]{32}$',
        description: 'Send through a messaging service instead of `from`.',
      }),
    ),
    status_callback_url: Type.Optional(
      Type.String({
        pattern: '^https?://',
        description:
          'Where Twilio posts delivery status. Default: notifyd’s own callback (`server.public_url` + /api/v1/providers/twilio/status) when `server.public_url` is set and the provider has an auth token (the callback’s signature is checked with it).',
      }),
    ),
    status_poll: Type.Boolean({
      default: true,
      description:
        'When no status callback comes to notifyd (an API key, or status_callback_url elsewhere): ask Twilio for each message’s status on the delivery.status_poll schedule until it is delivered, undelivered or failed. Off: accepted counts as delivered.',
    }),
    base_url: Type.Optional(
      Type.String({
        pattern: '^https?://',
        description:
          'Send API requests to this origin instead of https://api.twilio.com (a proxy, a test peer).',
      }),
    ),
    timeout_ms: Type.Integer({ minimum: 100, maximum: 120_000, default: 15_000 }),
  },
  { additionalProperties: false },
);
export type TwilioOptions = Static<typeof TwilioOptions>;

/** Twilio error codes of a number that cannot receive SMS. */
const DEAD_NUMBER = new Set([21211, 21614]);

/** Twilio's final message statuses, and those of a message that will never arrive. */
const DELIVERED = new Set(['delivered', 'read']);
const UNDELIVERED = new Set(['undelivered', 'failed', 'canceled']);

/**
 * A message's status as Twilio reports it, as a status poll takes it: delivered (or read),
 * undelivered, failed or canceled are final; queued, accepted, scheduled, sending, sent are not.
 */
export function twilioStatus(status: string, errorCode: number | null | undefined): MessageStatus {
  if (DELIVERED.has(status)) return { state: 'delivered' };
  if (UNDELIVERED.has(status)) {
    const message = `Twilio reports the message ${status}`;
    return errorCode
      ? { state: 'failed', message, code: String(errorCode) }
      : { state: 'failed', message };
  }
  return { state: 'pending', detail: status };
}

/** What the library's RestException (or a network error) carries. */
interface TwilioError extends Error {
  status?: number;
  code?: number | string;
}

/** Maps a failed `messages.create` to what the worker should do. */
export function twilioFailure(err: TwilioError): SendResult {
  const message = err.message.slice(0, 300);
  if (typeof err.status !== 'number') {
    // No HTTP answer: connection refused, reset, timeout.
    return { ok: false, kind: 'retryable', message, code: err.code ? String(err.code) : undefined };
  }
  const code = String(err.code ?? err.status);
  if (typeof err.code === 'number' && DEAD_NUMBER.has(err.code)) {
    return { ok: false, kind: 'invalid_recipient', message, code };
  }
  if (err.status === 429 || err.status >= 500)
    return { ok: false, kind: 'retryable', message, code };
  return { ok: false, kind: 'permanent', message, code };
}

export default definePlugin<TwilioOptions, 'sms'>({
  name: 'twilio',
  channel: 'sms',
  options: TwilioOptions,
  secrets: ['auth_token', 'api_key_secret'],
  async create(options, ctx) {
    const byToken = options.auth_token !== undefined;
    const byKey = options.api_key_sid !== undefined && options.api_key_secret !== undefined;
    if (byToken === byKey) {
      throw new Error('twilio: give auth_token, or api_key_sid with api_key_secret (not both)');
    }
    if ((options.from === undefined) === (options.messaging_service_sid === undefined)) {
      throw new Error('twilio: give exactly one of from and messaging_service_sid');
    }
    // notifyd's own status callback verifies Twilio's signature with the auth token, so an
    // API-key provider (which has none) asks for no callback unless given a URL.
    const publicUrl = ctx.links?.publicUrl;
    const statusCallback =
      options.status_callback_url ??
      (publicUrl && byToken ? `${publicUrl}${TWILIO_STATUS_PATH}` : undefined);
    // Callbacks to notifyd's own route settle the delivery; to another URL, notifyd never
    // hears, so it asks (status polls) unless told not to.
    const confirmsHere = statusCallback?.endsWith(TWILIO_STATUS_PATH) ?? false;
    const confirmsLater = confirmsHere ? true : options.status_poll ? 'poll' : false;
    const twilio = (await import('twilio')).default;
    const base = options.base_url ? new URL(options.base_url) : null;
    // The documented way to change how the client talks HTTP: a custom httpClient. This
    // one only moves requests to `base_url`, keeping paths, auth and bodies as they are.
    class Client extends twilio.RequestClient {
      override request<T>(opts: RequestClient.RequestOptions<T>) {
        if (base) {
          const uri = new URL(opts.uri);
          opts = { ...opts, uri: `${base.origin}${uri.pathname}${uri.search}` };
        }
        return super.request<T>(opts);
      }
    }
    const httpClient = new Client({ timeout: options.timeout_ms, keepAlive: true });
    const client = byToken
      ? twilio(options.account_sid, options.auth_token, { httpClient })
      : twilio(options.api_key_sid, options.api_key_secret, {
          accountSid: options.account_sid,
          httpClient,
        });

    return {
      async send(message) {
        const to = message.recipient.phone;
        if (!to) return { ok: false, kind: 'permanent', message: 'the subscriber has no phone' };
        try {
          const sent = await client.messages.create({
            to,
            body: message.content.body,
            ...(options.from ? { from: options.from } : {}),
            ...(options.messaging_service_sid
              ? { messagingServiceSid: options.messaging_service_sid }
              : {}),
            ...(statusCallback ? { statusCallback } : {}),
          });
          return { ok: true, provider_message_id: sent.sid, confirms_later: confirmsLater };
        } catch (err) {
          return twilioFailure(err as TwilioError);
        }
      },
      async status(sid) {
        const found = await client.messages(sid).fetch();
        return twilioStatus(found.status, found.errorCode);
      },
      async test() {
        try {
          const account = await client.api.v2010.accounts(options.account_sid).fetch();
          return { ok: true, detail: `account ${account.friendlyName} is ${account.status}` };
        } catch (err) {
          return { ok: false, message: (err as Error).message };
        }
      },
    };
  },
});
