import type { Static } from '@sinclair/typebox';
import type { Command } from 'commander';
import type { SubscriberView } from '../recipients/schemas.js';
import { CliError, type CliIO } from './io.js';
import { cursorFlags, enc, printCursorPage, printer, query } from './object-commands.js';
import { call, clientFor, type RemoteOptions, remoteOptions } from './remote.js';
import { formatTable } from './table.js';

type Subscriber = Static<typeof SubscriberView>;
const PATH = '/api/v1/subscribers';

interface SetOptions extends RemoteOptions {
  email?: string;
  phone?: string;
  locale?: string;
  timezone?: string;
  name?: string;
  avatarUrl?: string;
  data?: string;
}

/** A flag value; `-` clears the field. */
const flagValue = (v: string) => (v === '-' ? null : v);

function setBody(opts: SetOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const fields: Array<[string, string | undefined]> = [
    ['email', opts.email],
    ['phone', opts.phone],
    ['locale', opts.locale],
    ['timezone', opts.timezone],
    ['name', opts.name],
    ['avatar_url', opts.avatarUrl],
  ];
  for (const [field, v] of fields) if (v !== undefined) body[field] = flagValue(v);
  if (opts.data !== undefined) {
    try {
      body.data = opts.data === '-' ? null : JSON.parse(opts.data);
    } catch {
      throw new CliError('--data must be a JSON object, e.g. --data \'{"plan":"pro"}\'');
    }
  }
  return body;
}

const describe = (s: Subscriber) =>
  `${formatTable(
    ['FIELD', 'VALUE'],
    [
      ['id', s.id],
      ['email', s.email ?? ''],
      ['phone', s.phone ?? ''],
      ['locale', s.locale ?? ''],
      ['timezone', s.timezone ?? ''],
      ['name', s.name ?? ''],
      ['avatar_url', s.avatar_url ?? ''],
      ['data', s.data ? JSON.stringify(s.data) : ''],
      ['updated_at', s.updated_at],
    ],
  )}`;

/** `notifyd subscriber list|get|set|delete|export`: subscribers, through the API. */
export function registerSubscriberCommands(program: Command, io: CliIO): void {
  const out = printer(io);
  const group = program.command('subscriber').description('manage subscribers (recipients)');
  const api = <T>(opts: RemoteOptions, method: string, suffix: string, body?: unknown) =>
    call(() => clientFor(io, opts).request<T>(method, `${PATH}${suffix}`, body));
  const show = (s: Subscriber, opts: RemoteOptions) =>
    opts.json ? out.json(s) : out.text(describe(s));

  remoteOptions(
    group
      .command('set')
      .alias('upsert')
      .description('create a subscriber or change the fields given (`-` clears a field)')
      .argument('<id>', 'the subscriber id (your user id)')
      .option('--email <address>', 'email address')
      .option('--phone <e164>', 'phone number, E.164 (+33612345678)')
      .option('--locale <tag>', 'BCP 47 locale, e.g. fr or pt-BR')
      .option('--timezone <zone>', 'IANA time zone, e.g. Europe/Paris')
      .option('--name <name>', 'display name')
      .option('--avatar-url <url>', 'avatar URL')
      .option('--data <json>', 'custom data, a JSON object'),
  ).action(async (id: string, opts: SetOptions) => {
    show(await api<Subscriber>(opts, 'PUT', `/${enc(id)}`, setBody(opts)), opts);
  });

  remoteOptions(
    cursorFlags(
      group
        .command('list')
        .description('list subscribers by id')
        .option('--email <address>', 'only those with this email'),
    ),
  ).action(async (opts: RemoteOptions & { email?: string; limit?: number; cursor?: string }) => {
    const page = await api<{ data: Subscriber[]; cursor: string | null; has_more: boolean }>(
      opts,
      'GET',
      query({ email: opts.email, limit: opts.limit, cursor: opts.cursor }),
    );
    printCursorPage(
      out,
      page,
      page.cursor,
      [
        ['ID', (s) => s.id],
        ['EMAIL', (s) => s.email ?? ''],
        ['PHONE', (s) => s.phone ?? ''],
        ['NAME', (s) => s.name ?? ''],
      ],
      opts,
    );
  });

  remoteOptions(
    group.command('get').alias('show').description('show a subscriber').argument('<id>', 'the id'),
  ).action(async (id: string, opts: RemoteOptions) => {
    show(await api<Subscriber>(opts, 'GET', `/${enc(id)}`), opts);
  });

  remoteOptions(
    group
      .command('export')
      .description('print everything kept about a subscriber as JSON (GDPR)')
      .argument('<id>', 'the id'),
  ).action(async (id: string, opts: RemoteOptions) => {
    // The API pages the notifications (1,000 an answer); the command prints them all.
    type Exported = { notifications: unknown[]; cursor: string | null; has_more: boolean };
    const first = await api<Exported>(opts, 'GET', `/${enc(id)}/export`);
    const notifications = [...first.notifications];
    for (let cursor = first.cursor; cursor !== null; ) {
      const next = await api<Exported>(
        opts,
        'GET',
        `/${enc(id)}/export?cursor=${encodeURIComponent(cursor)}`,
      );
      notifications.push(...next.notifications);
      cursor = next.cursor;
    }
    const { cursor: _c, has_more: _h, ...rest } = first;
    out.json({ ...rest, notifications });
  });

  remoteOptions(
    group
      .command('delete')
      .description(
        'erase a subscriber with their notifications, deliveries, devices, preferences and topic memberships (GDPR)',
      )
      .argument('<id>', 'the id'),
  ).action(async (id: string, opts: RemoteOptions) => {
    const r = await api<{ erased: Record<string, number | boolean> }>(
      opts,
      'DELETE',
      `/${enc(id)}`,
    );
    if (opts.json) return out.json(r);
    const e = r.erased;
    out.text(
      `Erased subscriber ${id}: ${e.notifications} notifications, ${e.devices} devices, ` +
        `${e.topic_memberships} topic memberships${e.preferences ? ', preferences' : ''}.\n`,
    );
  });
}
