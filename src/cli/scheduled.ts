import type { Command } from 'commander';
import type { ScheduledView } from '../notifications/scheduled.js';
import { CliError, type CliIO } from './io.js';
import { enc, printCursorPage, query, registerObjectCommands } from './object-commands.js';
import { type RemoteOptions, remoteOptions } from './remote.js';

interface ListOptions extends RemoteOptions {
  status?: string;
  cursor?: string;
  limit?: string;
}

const STATUSES = ['scheduled', 'sending', 'sent', 'failed', 'dropped', 'cancelled'];

const describe = (s: ScheduledView) =>
  `${s.scheduled_id}: ${s.status}, send at ${s.send_at} to ${s.recipient_id ?? '?'}` +
  ` (request ${s.request_id}, ${s.attempts} attempt${s.attempts === 1 ? '' : 's'})` +
  `${s.cancellation_key ? `, cancellation key ${s.cancellation_key}` : ''}` +
  `${s.last_error ? `\n  last error: ${s.last_error}` : ''}\n`;

/** `notifyd scheduled list|show|cancel`: sends with `send_at` not sent yet, or done. */
export function registerScheduledCommands(program: Command, io: CliIO): void {
  registerObjectCommands<ScheduledView>(program, io, {
    group: 'scheduled',
    description: 'list, show and cancel scheduled sends (send_at)',
    path: '/api/v1/scheduled',
    noun: 'scheduled send',
    describe,
    get: {
      name: 'show',
      description: 'show one scheduled send and where it stands',
      argument: ['<id>', 'its scheduled_id (job_…)'],
    },
    more(group, api) {
      remoteOptions(
        group
          .command('list')
          .description("the tenant's scheduled sends, newest first")
          .option('--status <status>', `only these: ${STATUSES.join('|')}`)
          .option('--cursor <id>', 'the next page: the `next` the previous page printed')
          .option('--limit <n>', 'how many (1-500)', '50'),
      ).action(async (opts: ListOptions) => {
        if (opts.status !== undefined && !STATUSES.includes(opts.status)) {
          throw new CliError(`--status must be one of ${STATUSES.join(', ')}`);
        }
        const page = await api.call<{ data: ScheduledView[]; next: string | null }>(
          opts,
          'GET',
          query({ status: opts.status, cursor: opts.cursor, limit: opts.limit }),
        );
        printCursorPage(
          api.out,
          page,
          page.next,
          [
            ['ID', (s) => s.scheduled_id],
            ['STATUS', (s) => s.status],
            ['SEND AT', (s) => s.send_at],
            ['RECIPIENT', (s) => s.recipient_id ?? ''],
            ['CANCELLATION KEY', (s) => s.cancellation_key ?? ''],
          ],
          opts,
        );
      });
      remoteOptions(
        group
          .command('cancel')
          .description('cancel a scheduled send that is not sent yet')
          .argument('<id>', 'its scheduled_id (job_…)'),
      ).action(async (id: string, opts: RemoteOptions) => {
        const view = await api.call(opts, 'DELETE', `/${enc(id)}`);
        if (opts.json) api.out.json(view);
        else api.out.text(`Cancelled scheduled send ${id}.\n`);
      });
    },
  });
}
