import type { Static } from '@sinclair/typebox';
import { type Command, Option } from 'commander';
import { BYPASS_TYPES, type BypassView } from '../ratelimit/schemas.js';
import type { CliIO } from './io.js';
import { registerObjectCommands } from './object-commands.js';
import { type OwnerOptions, owner, ownerFlags, ownerOf } from './owner.js';
import { oneOf, parseDuration } from './ratelimit-args.js';

type Bypass = Static<typeof BypassView>;

/** `notifyd bypass create|list|delete`: exemptions from rate limits. */
export function registerBypassCommands(program: Command, io: CliIO): void {
  registerObjectCommands<Bypass>(program, io, {
    group: 'bypass',
    description: 'manage rate-limit bypass rules',
    path: '/api/v1/ratelimit/bypass',
    noun: 'bypass',
    describe: (b) =>
      `Created bypass ${b.id}: ${b.type} ${b.value}${b.expires_at ? ` until ${b.expires_at}` : ''}.\n`,
    create: {
      description:
        'exempt a key, role, address range or user, e.g. --type ip --value 10.0.0.0/8 --reason office',
      flags: (cmd) =>
        ownerFlags(
          cmd
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
            .option('--expires <iso-time>', 'stop at this time'),
          'for every tenant (needs ratelimit:admin)',
        ),
      body: (
        opts: OwnerOptions & {
          type: string;
          value: string;
          reason: string;
          expiresIn?: number;
          expires?: string;
        },
      ) => ({
        type: opts.type,
        value: opts.value,
        reason: opts.reason,
        ...(opts.expiresIn !== undefined ? { expires_in_seconds: opts.expiresIn } : {}),
        ...(opts.expires ? { expires_at: opts.expires } : {}),
        ...ownerOf(opts),
      }),
    },
    list: {
      description: 'list bypass rules',
      flags: (cmd) => cmd.option('--active', 'only those not expired'),
      query: (opts) => ({ active: opts.active ? 'true' : undefined }),
      columns: [
        ['ID', (b) => b.id],
        ['TENANT', owner],
        ['TYPE', (b) => b.type],
        ['VALUE', (b) => b.value],
        ['REASON', (b) => b.reason],
        ['BY', (b) => b.created_by],
        ['EXPIRES', (b) => b.expires_at ?? 'never'],
      ],
    },
    remove: { description: 'delete a bypass rule', argument: ['<id>', 'the bypass (byp_…)'] },
  });
}
