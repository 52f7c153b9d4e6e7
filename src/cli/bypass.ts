import { type Command, Option } from 'commander';
import { BYPASS_TYPES } from '../ratelimit/schemas.js';
import type { CliIO } from './io.js';
import { intBetween, oneOf, parseDuration } from './ratelimit-args.js';
import {
  type ApiPage,
  enc,
  type OwnerOptions,
  owner,
  ownerOf,
  pageNote,
  query,
  rl,
} from './ratelimit-client.js';
import { call, clientFor, type RemoteOptions, remoteOptions } from './remote.js';
import { formatTable } from './table.js';

/** `notifyd bypass create|list|delete`: exemptions from rate limits. */
export function registerBypassCommands(program: Command, io: CliIO): void {
  const bypass = program.command('bypass').description('manage rate-limit bypass rules');
  const print = (s: string): void => {
    io.stdout.write(s);
  };

  remoteOptions(
    bypass
      .command('create')
      .description(
        'exempt a key, role, address range or user, e.g. --type ip --value 10.0.0.0/8 --reason office',
      )
      .addOption(
        new Option('--type <type>', BYPASS_TYPES.join(' | '))
          .argParser(oneOf(BYPASS_TYPES))
          .makeOptionMandatory(),
      )
      .requiredOption('--value <value>', 'the key id, role, address/CIDR or user id')
      .requiredOption('--reason <text>', 'why (kept with it)')
      .option(
        '--expires-in <duration>',
        'stop after this long, e.g. 2h (default never)',
        parseDuration,
      )
      .option('--expires <iso-time>', 'stop at this time')
      .option('--tenant <id>', 'the tenant it belongs to (default: the key’s)')
      .option('--global', 'for every tenant (needs ratelimit:admin)'),
  ).action(
    async (
      opts: OwnerOptions & {
        type: string;
        value: string;
        reason: string;
        expiresIn?: number;
        expires?: string;
      },
    ) => {
      const body = {
        type: opts.type,
        value: opts.value,
        reason: opts.reason,
        ...(opts.expiresIn !== undefined ? { expires_in_seconds: opts.expiresIn } : {}),
        ...(opts.expires ? { expires_at: opts.expires } : {}),
        ...ownerOf(opts),
      };
      const b = await call(() => rl(clientFor(io, opts), 'POST', '/bypass', body));
      print(
        opts.json
          ? `${JSON.stringify(b, null, 2)}\n`
          : `Created bypass ${b.id}: ${b.type} ${b.value}${b.expires_at ? ` until ${b.expires_at}` : ''}.\n`,
      );
    },
  );

  remoteOptions(
    bypass
      .command('list')
      .description('list bypass rules')
      .option('--active', 'only those not expired')
      .option('--page <n>', 'which page', intBetween(1, 100_000))
      .option('--per-page <n>', 'how many per page', intBetween(1, 200)),
  ).action(async (opts: RemoteOptions & { active?: boolean; page?: number; perPage?: number }) => {
    const q = query({
      active: opts.active ? true : undefined,
      page: opts.page,
      per_page: opts.perPage,
    });
    const page = await call(() => rl<ApiPage>(clientFor(io, opts), 'GET', `/bypass${q}`));
    if (opts.json) return print(`${JSON.stringify(page, null, 2)}\n`);
    const rows = page.data.map((b) => [
      b.id,
      owner(b),
      b.type,
      b.value,
      b.reason,
      b.created_by,
      b.expires_at ?? 'never',
    ]);
    print(
      formatTable(['ID', 'TENANT', 'TYPE', 'VALUE', 'REASON', 'BY', 'EXPIRES'], rows) +
        pageNote(page),
    );
  });

  remoteOptions(
    bypass
      .command('delete')
      .description('delete a bypass rule')
      .argument('<id>', 'the bypass (byp_…)'),
  ).action(async (id: string, opts: RemoteOptions) => {
    await call(() => rl(clientFor(io, opts), 'DELETE', `/bypass/${enc(id)}`));
    print(opts.json ? `${JSON.stringify({ deleted: id })}\n` : `Deleted bypass ${id}.\n`);
  });
}
