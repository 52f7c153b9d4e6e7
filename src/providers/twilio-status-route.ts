/**
 * `POST /providers/twilio/status`: Twilio's status callbacks. Twilio posts a form (MessageSid,
 * MessageStatus, ErrorCode, AccountSid…) signed with the account's auth token over the URL
 * it was given (`server.public_url` + this path, query included) and the form's fields; the
 * signature is checked with the `twilio` library's own `validateRequest` against every
 * configured twilio provider of that account that has an auth token (a missing or wrong one:
 * 403 TWILIO_SIGNATURE_INVALID). No API key: Twilio has none to send.
 *
 * `delivered` makes the `sent` delivery with that message id `delivered` and emits
 * `notification.delivered`; `failed` and `undelivered` make it `failed` (a dead letter, the
 * ErrorCode in its error) and emit `notification.failed` (the path status polls take too,
 * `later-outcomes.ts`: whichever report comes first settles it); other statuses (queued,
 * sent…) change nothing. A callback for a message id notifyd does not know (or for a delivery
 * already settled) is answered 204 too, as Twilio would retry anything else, and counted.
 */
import { Type } from '@sinclair/typebox';
import { Counter, type Registry } from 'prom-client';
import { NotifydError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { errors } from '../http/responses.js';
import { type AnyRoute, defineRoute } from '../http/route.js';
import type { LaterOutcomes } from './later-outcomes.js';
import type { RegisteredProvider } from './registry.js';

export const TWILIO_STATUS_PATH = '/api/v1/providers/twilio/status';

/** A status callback is a small form; Twilio's are well under 2 KiB. */
const CALLBACK_BODY_LIMIT = 16 * 1024;

const StatusForm = Type.Object(
  {
    MessageSid: Type.String({ minLength: 1, maxLength: 64 }),
    MessageStatus: Type.String({
      minLength: 1,
      maxLength: 32,
      description:
        'queued, sending, sent, delivered, undelivered, failed, read…; only delivered, failed and undelivered change the delivery.',
    }),
    AccountSid: Type.String({ minLength: 1, maxLength: 64 }),
    ErrorCode: Type.Optional(Type.String({ maxLength: 16 })),
  },
  { additionalProperties: Type.String(), description: "Twilio's status callback form." },
);

/** How one callback ended, for the counter. */
type Outcome = 'delivered' | 'failed' | 'ignored' | 'unknown' | 'already_settled';

export interface TwilioStatusDeps {
  /** The twilio providers running now (the file's and the API's). */
  twilioProviders(): RegisteredProvider[];
  /** `server.public_url` without a trailing slash; '' when unset (every callback is refused). */
  publicUrl: string;
  /** Where a delivered, failed or undelivered status settles its delivery. */
  outcomes: LaterOutcomes;
  logger: Logger;
  registry: Registry;
}

export function twilioStatusRoutes(deps: TwilioStatusDeps): AnyRoute[] {
  const counted = new Counter({
    name: 'notifyd_twilio_status_callbacks_total',
    help: 'Twilio status callbacks with a valid signature, by outcome: delivered, failed, ignored (an intermediate status), unknown (no delivery has the message SID), already_settled.',
    labelNames: ['outcome'] as const,
    registers: [deps.registry],
  });
  // The library loads on the first callback, as the plugin loads it on start.
  let validateRequest:
    | ((token: string, signature: string, url: string, form: Record<string, string>) => boolean)
    | null = null;

  /** The provider whose auth token signed this callback, or null. */
  async function signer(
    signature: string,
    url: string,
    form: Record<string, string>,
  ): Promise<RegisteredProvider | null> {
    validateRequest ??= (await import('twilio')).default.validateRequest;
    for (const p of deps.twilioProviders()) {
      const token = p.options.auth_token;
      if (p.options.account_sid !== form.AccountSid || typeof token !== 'string') continue;
      if (validateRequest(token, signature, url, form)) return p;
    }
    return null;
  }

  /** Settles through the path status polls take too: the first report wins. */
  async function settle(
    provider: RegisteredProvider,
    form: Record<string, string>,
  ): Promise<Outcome> {
    const status = form.MessageStatus;
    if (status !== 'delivered' && status !== 'failed' && status !== 'undelivered') {
      return 'ignored';
    }
    if (status === 'delivered') {
      return deps.outcomes.settle(provider, form.MessageSid, { state: 'delivered' });
    }
    const code = form.ErrorCode ? ` (${form.ErrorCode})` : '';
    const error = `${provider.name}: Twilio reports the message ${status}${code}`;
    return deps.outcomes.settle(provider, form.MessageSid, { state: 'failed', error });
  }

  return [
    defineRoute({
      method: 'POST',
      path: TWILIO_STATUS_PATH,
      summary:
        "Twilio's status callback: a delivered SMS becomes delivered, a failed or undelivered one failed (signed with X-Twilio-Signature; no API key)",
      tag: 'providers',
      auth: { kind: 'none' },
      form: true,
      bodyLimit: CALLBACK_BODY_LIMIT,
      body: StatusForm,
      responses: {
        204: { description: 'Taken (also for a message SID notifyd does not know).' },
        ...errors(400, 403, 413),
      },
      async handler({ body, request }) {
        const form = body as Record<string, string>;
        const signature = request.headers['x-twilio-signature'] ?? '';
        const url = `${deps.publicUrl}${request.path}${request.query ? `?${request.query}` : ''}`;
        const provider = deps.publicUrl && signature ? await signer(signature, url, form) : null;
        if (!provider) {
          deps.logger.warn(
            { account_sid: form.AccountSid, message_sid: form.MessageSid },
            'a Twilio status callback was refused: its signature is missing or wrong (check server.public_url and the auth token)',
          );
          throw new NotifydError('TWILIO_SIGNATURE_INVALID');
        }
        const outcome = await settle(provider, form);
        counted.inc({ outcome });
        if (outcome === 'unknown' || outcome === 'already_settled') {
          deps.logger.info(
            {
              provider: provider.name,
              message_sid: form.MessageSid,
              status: form.MessageStatus,
              outcome,
            },
            'a Twilio status callback names no sent delivery; acknowledged and ignored',
          );
        }
        return { status: 204 };
      },
    }),
  ];
}
