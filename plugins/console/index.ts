/**
 * `console`: writes each message to the daemon's log instead of sending it. The default
 * provider of every channel in development, so that a fresh install shows each channel
 * working before any real provider is configured.
 */
import { type Static, Type } from '@sinclair/typebox';
import { maskText } from '../../src/core/mask.js';
import { definePlugin, type ProviderMessage } from '../../src/providers/plugin.js';

const ConsoleOptions = Type.Object(
  {
    /** The log level of the lines written. */
    level: Type.Union([Type.Literal('info'), Type.Literal('debug'), Type.Literal('warn')], {
      default: 'info',
      description: 'Log level of the line written for each message.',
    }),
    /** Whether the rendered content is logged (it may hold personal data). */
    include_content: Type.Boolean({
      default: true,
      description: 'Log the rendered content too, not only who it was for.',
    }),
  },
  { additionalProperties: false },
);
export type ConsoleOptions = Static<typeof ConsoleOptions>;

/** Where the message would have gone: the device, the phone, the email or the subscriber. */
function addressOf(message: ProviderMessage): string {
  const device = message.device;
  if (device) return `${device.kind}:${device.id}`;
  if (message.channel === 'sms' && message.recipient.phone) return message.recipient.phone;
  if (message.channel === 'email' && message.recipient.email) return message.recipient.email;
  return `subscriber:${message.recipient.id}`;
}

export default definePlugin<ConsoleOptions, string>({
  name: 'console',
  // Serves whichever channel the configuration puts it on.
  channel: '*',
  options: ConsoleOptions,
  create(options, ctx) {
    // ctx.logger is bound to the provider's name already: binding it again wrote the key twice.
    const log = ctx.logger;
    return {
      async send(message) {
        log[options.level](
          {
            channel: message.channel,
            delivery_id: message.delivery_id,
            notification_id: message.notification_id,
            tenant_id: message.tenant_id,
            // Masked like every address in the logs.
            to: maskText(addressOf(message as ProviderMessage)),
            priority: message.priority,
            attempt: message.attempt,
            ...(options.include_content ? { content: message.content } : {}),
          },
          `[${message.channel}] notification ${message.notification_id}`,
        );
        return { ok: true, provider_message_id: `console-${message.delivery_id}` };
      },
      async test() {
        return { ok: true, detail: 'messages are written to the log' };
      },
    };
  },
});
