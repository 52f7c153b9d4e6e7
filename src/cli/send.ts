import type { Command } from 'commander';
import type { SendInput, SendResult } from '../client/rest.js';
import { CliError, type CliIO } from './io.js';
import { collect } from './ratelimit-args.js';
import { call, clientFor, type RemoteOptions, remoteOptions } from './remote.js';

interface SendOptions extends RemoteOptions {
  to?: string;
  topic?: string;
  title?: string;
  body: string;
  template?: string;
  payload: string[];
  payloadJson?: string;
  channel: string[];
  locale?: string;
  category?: string;
  priority?: SendInput['priority'];
  actionUrl?: string;
  idempotencyKey?: string;
  cancellationKey?: string;
  sendAt?: string;
}

/** The 202 of a send with `send_at`. */
interface ScheduledResult {
  request_id: string;
  status: 'scheduled';
  scheduled_id: string;
  send_at: string;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--send-at`: an ISO 8601 time as given, or `+30m` / `+2h` / `+1d` from `now`. */
export function sendAtOf(text: string, now: number): string {
  const rel = /^\+(\d{1,6})([mhd])$/.exec(text.trim());
  if (rel)
    return new Date(now + Number(rel[1]) * (UNIT_MS[rel[2] as string] as number)).toISOString();
  if (Number.isNaN(Date.parse(text))) {
    throw new CliError(`--send-at ${text}: expected an ISO 8601 time or +30m, +2h, +1d`);
  }
  return text;
}

interface TopicAccepted {
  request_id: string;
  status: 'accepted';
  topic: string;
}

/** `--payload-json` first, then each `--payload k=v` over it (values are strings). */
export function payloadOf(pairs: readonly string[], json?: string): Record<string, unknown> {
  let payload: Record<string, unknown> = {};
  if (json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (err) {
      throw new CliError(`--payload-json: not JSON (${(err as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new CliError('--payload-json: must be a JSON object');
    }
    payload = parsed as Record<string, unknown>;
  }
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`--payload ${pair}: expected key=value`);
    payload[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return payload;
}

/** The send body the flags describe; refuses combinations the server would not take. */
export function sendInputOf(opts: SendOptions): SendInput {
  if ((opts.to === undefined) === (opts.topic === undefined)) {
    throw new CliError('give --to USER or --topic KEY (one of them)');
  }
  if (opts.template === undefined && opts.title === undefined) {
    throw new CliError('give --template KEY, or --title for inline content');
  }
  if (opts.template !== undefined && opts.title !== undefined) {
    throw new CliError('--title and --template exclude each other');
  }
  if (opts.topic !== undefined && opts.sendAt !== undefined) {
    // The topic route takes no send_at (docs/scheduler.md); the API's answer named a body field.
    throw new CliError(
      '--send-at works with --to only: a topic send goes out at once (schedule one send per member)',
    );
  }
  if (opts.template === undefined && (opts.payload.length > 0 || opts.payloadJson !== undefined)) {
    throw new CliError('--payload needs --template');
  }
  return {
    ...(opts.to !== undefined ? { recipient_id: opts.to } : {}),
    ...(opts.template !== undefined
      ? { template: opts.template, payload: payloadOf(opts.payload, opts.payloadJson) }
      : {
          content: {
            title: opts.title as string,
            body: opts.body,
            ...(opts.actionUrl ? { action_url: opts.actionUrl } : {}),
          },
        }),
    ...(opts.channel.length > 0 ? { channels: opts.channel as SendInput['channels'] } : {}),
    ...(opts.locale ? { locale: opts.locale } : {}),
    ...(opts.category ? { category: opts.category } : {}),
    ...(opts.priority ? { priority: opts.priority } : {}),
    ...(opts.idempotencyKey ? { idempotency_key: opts.idempotencyKey } : {}),
    ...(opts.cancellationKey ? { cancellation_key: opts.cancellationKey } : {}),
    ...(opts.sendAt ? { send_at: sendAtOf(opts.sendAt, Date.now()) } : {}),
  };
}

function describe(result: SendResult): string {
  const skipped = Object.entries(result.channels_skipped ?? {});
  const why = skipped.length
    ? `; skipped ${skipped.map(([c, reason]) => `${c} (${reason})`).join(', ')}`
    : '';
  return `Accepted ${result.notification_id} (request ${result.request_id}) for ${result.channels_targeted.join(', ')}${why}.\n`;
}

/**
 * `notifyd send`: one notification (inline or from a template) to a recipient, or a topic
 * send to every member of a topic.
 */
export function registerSendCommand(program: Command, io: CliIO): void {
  remoteOptions(
    program
      .command('send')
      .description('send a notification to one recipient, or to every member of a topic')
      .option('--to <recipient>', 'recipient id')
      .option('--topic <key>', 'send to every member of this topic (answers a request id)')
      .option('--template <key>', 'template id or key to render')
      .option('--payload <key=value>', 'template variable (repeatable)', collect, [])
      .option('--payload-json <json>', 'template variables as a JSON object (--payload wins)')
      .option('--channel <channel>', 'restrict to this channel (repeatable)', collect, [])
      .option('--locale <locale>', "template locale (default: the subscriber's)")
      .option('--title <title>', 'title of inline content')
      .option('--body <body>', 'body text of inline content', '')
      .option('--category <category>', 'category')
      .option('--priority <priority>', 'low, normal, high or urgent (critical: alias)')
      .option('--action-url <url>', 'where a click leads (inline content)')
      .option('--idempotency-key <key>', 'refuse a second send with this key')
      .option('--cancellation-key <key>', 'key that POST /notifications/cancel can cancel by')
      .option(
        '--send-at <time>',
        'send later (with --to): an ISO 8601 time, or +30m, +2h, +1d from now',
      ),
  ).action(async (opts: SendOptions) => {
    const input = sendInputOf(opts);
    const client = clientFor(io, opts);
    if (opts.topic !== undefined) {
      const result = await call(() =>
        client.request<TopicAccepted>(
          'POST',
          `/api/v1/topics/${encodeURIComponent(opts.topic as string)}/notifications`,
          input,
        ),
      );
      io.stdout.write(
        opts.json
          ? `${JSON.stringify(result, null, 2)}\n`
          : `Accepted request ${result.request_id} for topic ${result.topic}: follow it with GET /api/v1/requests/${result.request_id}.\n`,
      );
      return;
    }
    const result = await call(() =>
      client.request<SendResult | ScheduledResult>('POST', '/api/v1/notifications', input),
    );
    if (opts.json) return void io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    io.stdout.write(
      result.status === 'scheduled'
        ? `Scheduled ${result.scheduled_id} (request ${result.request_id}) for ${result.send_at}; cancel it with notifyd scheduled cancel ${result.scheduled_id}.\n`
        : describe(result),
    );
  });
}
