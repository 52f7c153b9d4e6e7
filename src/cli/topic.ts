import type { Static } from '@sinclair/typebox';
import type { Command } from 'commander';
import type { TopicView } from '../recipients/schemas.js';
import type { CliIO } from './io.js';
import {
  cursorFlags,
  enc,
  printCursorPage,
  query,
  registerObjectCommands,
} from './object-commands.js';
import { type RemoteOptions, remoteOptions } from './remote.js';

type Topic = Static<typeof TopicView>;

const describe = (o: Topic) =>
  `${o.key} (${o.id}): ${o.name}, ${o.subscriber_count} subscriber${o.subscriber_count === 1 ? '' : 's'}\n`;

/** `notifyd topic create|list|get|delete|add|remove|members`: topics and their members. */
export function registerTopicCommands(program: Command, io: CliIO): void {
  registerObjectCommands<Topic>(program, io, {
    group: 'topic',
    description: 'manage topics and their subscribers',
    path: '/api/v1/topics',
    noun: 'topic',
    describe,
    create: {
      description: 'create a topic, e.g. topic create release-notes --name "Release notes"',
      argument: ['<key>', 'the topic key'],
      flags: (cmd) =>
        cmd
          .requiredOption('--name <name>', 'its name')
          .option('--description <text>', 'what it is'),
      body: (opts: RemoteOptions & { name: string; description?: string }, key: string) => ({
        key,
        name: opts.name,
        ...(opts.description ? { description: opts.description } : {}),
      }),
    },
    list: {
      description: "list the tenant's topics",
      columns: [
        ['KEY', (o) => o.key],
        ['NAME', (o) => o.name],
        ['SUBSCRIBERS', (o) => String(o.subscriber_count)],
      ],
    },
    get: { description: 'show a topic', argument: ['<key>', 'the topic key or id'] },
    remove: { description: 'delete a topic and its memberships', argument: ['<key>', 'the key'] },
    more(group, api) {
      for (const [name, method, verb] of [
        ['add', 'POST', 'added'],
        ['remove', 'DELETE', 'removed'],
      ] as const) {
        remoteOptions(
          group
            .command(name)
            .description(`${name} subscribers (up to 1,000 per call)`)
            .argument('<key>', 'the topic key')
            .argument('<subscribers...>', 'subscriber ids'),
        ).action(async (key: string, ids: string[], opts: RemoteOptions) => {
          const r = await api.call<Record<string, number>>(
            opts,
            method,
            `/${enc(key)}/subscribers`,
            { subscribers: ids },
          );
          if (opts.json) return api.out.json(r);
          api.out.text(`${verb} ${r[verb]}; ${key} has ${r.subscriber_count} subscribers.\n`);
        });
      }
      remoteOptions(
        cursorFlags(
          group
            .command('members')
            .description("list a topic's subscribers")
            .argument('<key>', 'the topic key'),
        ),
      ).action(async (key: string, opts: RemoteOptions & { limit?: number; cursor?: string }) => {
        const page = await api.call<{ data: string[]; cursor: string | null }>(
          opts,
          'GET',
          `/${enc(key)}/subscribers${query({ limit: opts.limit, cursor: opts.cursor })}`,
        );
        printCursorPage(api.out, page, page.cursor, [['SUBSCRIBER', (id) => id]], opts);
      });
    },
  });
}
