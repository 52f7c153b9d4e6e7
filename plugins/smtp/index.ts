/**
 * `smtp`: email through an SMTP server with `nodemailer`: HTML and text parts, attachments,
 * from and reply-to, STARTTLS or implicit TLS, pooled connections, and a signed one-click
 * unsubscribe (`List-Unsubscribe` + `List-Unsubscribe-Post`, RFC 8058) for a notification
 * with a category when `server.public_url` is set. SMTP's own answer decides what a
 * failure is: 4xx replies and broken connections are retryable, 5xx replies permanent, and
 * a 5.1.x "bad destination mailbox" reply marks the address as gone.
 */
import { type Static, Type } from '@sinclair/typebox';
import { definePlugin, type SendResult } from '../../src/providers/plugin.js';

const SmtpOptions = Type.Object(
  {
    host: Type.String({ minLength: 1, description: 'SMTP server host name.' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 587 }),
    secure: Type.Boolean({
      default: false,
      description: 'Implicit TLS from the first byte (port 465); otherwise STARTTLS when offered.',
    }),
    require_tls: Type.Boolean({
      default: true,
      description: 'Refuse to send when the server does not offer STARTTLS (secure: false).',
    }),
    username: Type.Optional(Type.String({ minLength: 1 })),
    password: Type.Optional(Type.String({ minLength: 1 })),
    from: Type.String({ minLength: 3, description: 'Sender, e.g. `"Acme" <notify@acme.test>`.' }),
    reply_to: Type.Optional(Type.String({ minLength: 3 })),
    pool: Type.Boolean({ default: true, description: 'Reuse connections between messages.' }),
    max_connections: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
    timeout_ms: Type.Integer({
      minimum: 100,
      maximum: 300_000,
      default: 30_000,
      description: 'Connection, greeting and socket inactivity timeout.',
    }),
    ca: Type.Optional(
      Type.String({ description: 'PEM certificates trusted besides the system ones.' }),
    ),
  },
  { additionalProperties: false },
);
export type SmtpOptions = Static<typeof SmtpOptions>;

/** What nodemailer's errors carry. */
interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
}

/** Enhanced status codes of a mailbox that does not exist (RFC 3463 X.1.1, X.1.2, X.1.3, X.1.6, X.1.10). */
const BAD_MAILBOX = /\b5\.1\.(1|2|3|6|10)\b/;

/** Maps a nodemailer error to what the worker should do. */
export function smtpFailure(err: SmtpError): SendResult {
  const message = (err.response ?? err.message).slice(0, 300);
  const reply = err.responseCode;
  if (reply !== undefined) {
    const code = String(reply);
    if (reply >= 400 && reply < 500) return { ok: false, kind: 'retryable', message, code };
    if (err.code === 'EENVELOPE' && BAD_MAILBOX.test(message)) {
      return { ok: false, kind: 'invalid_recipient', message, code };
    }
    return { ok: false, kind: 'permanent', message, code };
  }
  // No reply: credentials or configuration are wrong (the same next time), or the
  // connection failed (it may work later).
  const permanent = ['EAUTH', 'ENOAUTH', 'ECONFIG', 'EREQUIRETLS'].includes(err.code ?? '');
  return { ok: false, kind: permanent ? 'permanent' : 'retryable', message, code: err.code };
}

export default definePlugin<SmtpOptions, 'email'>({
  name: 'smtp',
  channel: 'email',
  options: SmtpOptions,
  secrets: ['password'],
  async create(options, ctx) {
    if ((options.username === undefined) !== (options.password === undefined)) {
      throw new Error('smtp: username and password go together');
    }
    const nodemailer = (await import('nodemailer')).default;
    const common = {
      host: options.host,
      port: options.port,
      secure: options.secure,
      requireTLS: options.require_tls && !options.secure,
      ...(options.username ? { auth: { user: options.username, pass: options.password! } } : {}),
      connectionTimeout: options.timeout_ms,
      greetingTimeout: options.timeout_ms,
      socketTimeout: options.timeout_ms,
      ...(options.ca ? { tls: { ca: [options.ca] } } : {}),
    };
    const transport = options.pool
      ? nodemailer.createTransport({
          ...common,
          pool: true,
          maxConnections: options.max_connections,
        })
      : nodemailer.createTransport(common);

    return {
      async send(message) {
        const to = message.recipient.email;
        if (!to) return { ok: false, kind: 'permanent', message: 'the subscriber has no email' };
        // RFC 8058 one-click unsubscribe from this category; only with server.public_url.
        const unsubscribe = message.category
          ? ctx.links?.unsubscribe(message.tenant_id, message.recipient.id, message.category)
          : null;
        try {
          const info = await transport.sendMail({
            from: options.from,
            ...(options.reply_to ? { replyTo: options.reply_to } : {}),
            to,
            subject: message.content.subject,
            text: message.content.text,
            html: message.content.html,
            ...(message.content.attachments?.length
              ? {
                  attachments: message.content.attachments.map((a) => ({
                    filename: a.filename,
                    contentType: a.content_type,
                    content: a.content_base64,
                    encoding: 'base64',
                  })),
                }
              : {}),
            headers: {
              'X-Notifyd-Delivery': message.delivery_id,
              'X-Notifyd-Notification': message.notification_id,
              ...(unsubscribe
                ? {
                    'List-Unsubscribe': `<${unsubscribe}>`,
                    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
                  }
                : {}),
            },
          });
          return { ok: true, provider_message_id: info.messageId ?? null };
        } catch (err) {
          return smtpFailure(err as SmtpError);
        }
      },
      async test() {
        try {
          await transport.verify();
          return { ok: true, detail: `connected to ${options.host}:${options.port}` };
        } catch (err) {
          return { ok: false, message: (err as Error).message };
        }
      },
      async close() {
        transport.close();
      },
    };
  },
});
