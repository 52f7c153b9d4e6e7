import type { Static } from '@sinclair/typebox';
import type { Command } from 'commander';
import type { CategoryView } from '../recipients/schemas.js';
import type { CliIO } from './io.js';
import { registerObjectCommands } from './object-commands.js';
import { type OwnerOptions, owner, ownerFlags, ownerOf } from './owner.js';
import { type RemoteOptions, remoteOptions } from './remote.js';

type Category = Static<typeof CategoryView>;

interface CategoryOptions extends OwnerOptions {
  name?: string;
  description?: string;
  channels?: string;
  mandatory?: boolean;
  parent?: string;
}

const describe = (c: Category) =>
  `${c.id}: ${c.name} [${c.default_channels.join(', ')}]${c.mandatory ? ' mandatory' : ''}` +
  `${c.parent ? ` (in ${c.parent})` : ''}, version ${c.version}\n`;

const fields = (cmd: Command) =>
  cmd
    .option('--description <text>', 'what it is')
    .option(
      '--channels <list>',
      'default channels, comma-separated (in_app,push,sms,email,webhook)',
    )
    .option('--mandatory', 'users cannot switch it off')
    .option('--no-mandatory', 'users may switch it off')
    .option('--parent <id>', 'the parent category');

function body(opts: CategoryOptions): Record<string, unknown> {
  return {
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    ...(opts.description !== undefined ? { description: opts.description } : {}),
    ...(opts.channels !== undefined
      ? {
          default_channels: opts.channels
            .split(',')
            .map((c) => c.trim())
            .filter(Boolean),
        }
      : {}),
    ...(opts.mandatory !== undefined ? { mandatory: opts.mandatory } : {}),
    ...(opts.parent !== undefined ? { parent: opts.parent } : {}),
  };
}

/** `notifyd category create|list|get|update|delete`: notification categories. */
export function registerCategoryCommands(program: Command, io: CliIO): void {
  registerObjectCommands<Category>(program, io, {
    group: 'category',
    description: 'manage notification categories',
    path: '/api/v1/categories',
    noun: 'category',
    describe,
    create: {
      description: 'create a category, e.g. category create billing --name Billing',
      argument: ['<id>', 'its slug'],
      flags: (cmd) =>
        ownerFlags(
          fields(cmd.requiredOption('--name <name>', 'its name')),
          'a global category, in every tenant (needs notifications:admin)',
        ),
      body: (opts: CategoryOptions, id: string) => ({ id, ...body(opts), ...ownerOf(opts) }),
    },
    list: {
      description: "list categories: the tenant's and the global ones",
      columns: [
        ['ID', (c) => c.id],
        ['NAME', (c) => c.name],
        ['CHANNELS', (c) => c.default_channels.join(',')],
        ['MANDATORY', (c) => (c.mandatory ? 'yes' : '')],
        ['PARENT', (c) => c.parent ?? ''],
        ['TENANT', owner],
      ],
    },
    get: { description: 'show a category', argument: ['<id>', 'its slug'] },
    update(group, api) {
      remoteOptions(
        fields(
          group
            .command('update')
            .description('change a category (the flags given)')
            .argument('<id>', 'its slug')
            .option('--name <name>', 'its name'),
        ),
      ).action(async (id: string, opts: CategoryOptions & RemoteOptions) => {
        api.show(await api.call(opts, 'PATCH', `/${encodeURIComponent(id)}`, body(opts)), opts);
      });
    },
    remove: { description: 'delete a category', argument: ['<id>', 'its slug'] },
  });
}
