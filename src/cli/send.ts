import type { Command } from 'commander';
import type { CliIO } from './io.js';
import { call, clientFor, type RemoteOptions, remoteOptions } from './remote.js';

interface SendOptions extends RemoteOptions {
  to: string;
  title: string;
  body: string;
  category?: string;
  priority?: 'low' | 'normal' | 'high' | 'critical';
  actionUrl?: string;
  idempotencyKey?: string;
}

/** `notifyd send`: one notification from the command line, e.g. to try a setup. */
export function registerSendCommand(program: Command, io: CliIO): void {
  remoteOptions(
    program
      .command('send')
      .description('send a notification to one recipient')
      .requiredOption('--to <recipient>', 'recipient id')
      .requiredOption('--title <title>', 'title')
      .option('--body <body>', 'body text', '')
      .option('--category <category>', 'category')
      .option('--priority <priority>', 'low, normal, high or critical')
      .option('--action-url <url>', 'where a click leads')
      .option('--idempotency-key <key>', 'refuse a second send with this key'),
  ).action(async (opts: SendOptions) => {
    const result = await call(() =>
      clientFor(io, opts).send({
        recipient_id: opts.to,
        content: {
          title: opts.title,
          body: opts.body,
          ...(opts.actionUrl ? { action_url: opts.actionUrl } : {}),
        },
        ...(opts.category ? { category: opts.category } : {}),
        ...(opts.priority ? { priority: opts.priority } : {}),
        ...(opts.idempotencyKey ? { idempotency_key: opts.idempotencyKey } : {}),
      }),
    );
    if (opts.json) {
      io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    io.stdout.write(
      `Accepted ${result.notification_id} (request ${result.request_id}) for ${result.channels_targeted.join(', ')}.\n`,
    );
  });
}
