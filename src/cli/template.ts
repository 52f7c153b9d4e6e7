import type { Static } from '@sinclair/typebox';
import type { Command } from 'commander';
import type { RenderedView, TemplateVersionView, TemplateView } from '../templates/schemas.js';
import { readDocument } from './documents.js';
import { CliError, type CliIO } from './io.js';
import { enc, pageFlags, printer, registerObjectCommands } from './object-commands.js';
import { type OwnerOptions, owner, ownerFlags, ownerOf } from './owner.js';
import { collect, intBetween } from './ratelimit-args.js';
import { type RemoteOptions, remoteOptions } from './remote.js';

type Rendered = Static<typeof RenderedView>;

/** `--payload user.name=Ada --payload count=3`: values read as JSON when they are, else text. */
export function payloadOf(pairs: readonly string[], flag = '--payload'): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`${flag} ${pair}: expected name=value`);
    const path = pair.slice(0, eq).split('.');
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {}
    let at = payload;
    for (const part of path.slice(0, -1)) {
      let next = at[part];
      if (!next || typeof next !== 'object') {
        next = {};
        at[part] = next;
      }
      at = next as Record<string, unknown>;
    }
    at[path[path.length - 1] as string] = value;
  }
  return payload;
}

/** A template in a few lines, for people. */
export function describeTemplate(p: TemplateView): string {
  const locales = Object.keys(p.locales);
  const lines = [
    `${p.key} (${p.id}, ${owner(p)}, version ${p.version})${p.is_active ? '' : ' — inactive'}`,
    `  name       ${p.name}`,
    p.description ? `  ${p.description}` : '',
    p.category ? `  category   ${p.category}` : '',
    `  channels   ${Object.keys(p.channels).join(', ')}`,
    `  locales    ${[`${p.default_locale} (default)`, ...locales].join(', ')}`,
    p.variables.length
      ? `  variables  ${p.variables.map((v) => `${v.name}${v.required ? '*' : ''}: ${v.type}`).join(', ')}`
      : '',
  ];
  return `${lines.filter(Boolean).join('\n')}\n`;
}

/** A render's channels, for people: each field on its own line. */
export function describeRendered(r: Rendered): string {
  const lines = [`locale ${r.locale}`];
  for (const [channel, content] of Object.entries(r.contents)) {
    lines.push(`[${channel}]`);
    for (const [field, value] of Object.entries(content)) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      lines.push(`  ${field}: ${text.replace(/\n/g, '\n    ')}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

interface FileOptions extends OwnerOptions {
  file?: string;
  key?: string;
  name?: string;
  active?: boolean;
  inactive?: boolean;
}

interface RenderOptions extends RemoteOptions {
  file?: string;
  payload?: string[];
  payloadFile?: string;
  locale?: string;
  channel?: string[];
  templateVersion?: number;
}

/** `notifyd template create|list|get|update|render|versions|activate|delete`. */
export function registerTemplateCommands(program: Command, io: CliIO): void {
  const out = printer(io);
  const { group } = registerObjectCommands<TemplateView>(program, io, {
    group: 'template',
    description: 'manage notification templates (Liquid, per channel and locale)',
    path: '/api/v1/templates',
    noun: 'template',
    describe: describeTemplate,
    create: {
      description: 'create a template from a YAML or JSON file (key, name, channels, …)',
      flags: (cmd) =>
        ownerFlags(
          cmd
            .requiredOption('-f, --file <file>', 'the template')
            .option('--template-key <key>', 'its key (instead of the file’s)')
            .option('--name <name>', 'its name (instead of the file’s)')
            .option('--inactive', 'create it switched off'),
          'a global template, for every tenant (needs notifications:admin)',
        ),
      body: (opts: FileOptions & { templateKey?: string }) => ({
        ...readDocument(io, opts.file as string),
        ...(opts.templateKey ? { key: opts.templateKey } : {}),
        ...(opts.name ? { name: opts.name } : {}),
        ...(opts.inactive ? { is_active: false } : {}),
        ...ownerOf(opts),
      }),
    },
    list: {
      description: "list templates: the tenant's and the global ones",
      flags: (cmd) =>
        cmd
          .option('--category <id>', 'only this category')
          .option('--search <text>', 'part of the key or name')
          .option('--active', 'only active ones')
          .option('--inactive', 'only inactive ones'),
      query: (opts) => ({
        category: opts.category as string | undefined,
        q: opts.search as string | undefined,
        is_active: opts.active ? 'true' : opts.inactive ? 'false' : undefined,
      }),
      columns: [
        ['KEY', (p) => p.key],
        ['ID', (p) => p.id],
        ['TENANT', owner],
        ['NAME', (p) => p.name],
        ['CHANNELS', (p) => Object.keys(p.channels).join(',')],
        ['VERSION', (p) => String(p.version)],
        ['STATUS', (p) => (p.is_active ? 'active' : 'inactive')],
      ],
    },
    get: { description: 'show a template', argument: ['<key-or-id>', 'the template'] },
    update(group, api) {
      remoteOptions(
        group
          .command('update')
          .description('change a template (the fields in the file; each change is a new version)')
          .argument('<key-or-id>', 'the template')
          .option('-f, --file <file>', 'the fields to change (YAML or JSON)')
          .option('--name <name>', 'a new name')
          .option('--active', 'switch it on')
          .option('--inactive', 'switch it off'),
      ).action(async (id: string, opts: FileOptions) => {
        const body: Record<string, unknown> = opts.file ? readDocument(io, opts.file) : {};
        if (opts.name) body.name = opts.name;
        if (opts.active) body.is_active = true;
        if (opts.inactive) body.is_active = false;
        if (Object.keys(body).length === 0) {
          throw new CliError('nothing to change: give --file, --name, --active or --inactive');
        }
        api.show(await api.call(opts, 'PATCH', `/${enc(id)}`, body), opts);
      });
    },
    more(group, api) {
      remoteOptions(
        group
          .command('render')
          .description('preview a template with a payload (or an unsaved one with --file)')
          .argument('[key-or-id]', 'the template (omit with --file)')
          .option('-f, --file <file>', 'render this unsaved template instead (YAML or JSON)')
          .option(
            '-p, --payload <name=value>',
            'a variable; repeat (user.name=Ada, count=3)',
            collect,
          )
          .option('--payload-file <file>', 'the payload as a YAML or JSON file')
          .option('--locale <tag>', 'render in this locale (fr, pt-BR)')
          .option('--channel <channel>', 'render only this channel; repeat', collect)
          .option('--template-version <n>', 'render this version', intBetween(1, 1_000_000_000)),
      ).action(async (id: string | undefined, opts: RenderOptions) => {
        if (!id && !opts.file) throw new CliError('name the template, or give --file');
        const payload = {
          ...(opts.payloadFile ? readDocument(io, opts.payloadFile) : {}),
          ...payloadOf(opts.payload ?? []),
        };
        const common = {
          payload,
          ...(opts.locale ? { locale: opts.locale } : {}),
          ...(opts.channel ? { channels: opts.channel } : {}),
        };
        const rendered = id
          ? await api.call<Rendered>(opts, 'POST', `/${enc(id)}/render`, {
              ...common,
              ...(opts.templateVersion ? { version: opts.templateVersion } : {}),
            })
          : await api.call<Rendered>(opts, 'POST', '/render', {
              ...common,
              template: readDocument(io, opts.file as string),
            });
        if (opts.json) out.json(rendered);
        else out.text(describeRendered(rendered));
      });
      remoteOptions(
        pageFlags(
          group
            .command('versions')
            .description("list a template's versions, newest first (or show one with --show)")
            .argument('<key-or-id>', 'the template')
            .option('--show <n>', 'show this version in full', intBetween(1, 1_000_000_000)),
        ),
      ).action(
        async (
          id: string,
          opts: RemoteOptions & { show?: number; page?: number; perPage?: number },
        ) => {
          if (opts.show) {
            const v = await api.call<TemplateVersionView>(
              opts,
              'GET',
              `/${enc(id)}/versions/${opts.show}`,
            );
            if (opts.json) return out.json(v);
            return out.text(
              `${describeTemplate({ ...v, id: v.template_id, tenant_id: null, updated_at: v.created_at }).replace(/, \(global\), version/, ', version')}${v.current ? '  (current)\n' : ''}`,
            );
          }
          await api.page<TemplateVersionView>(opts, `/${enc(id)}/versions`, [
            ['VERSION', (v) => String(v.version)],
            ['', (v) => (v.current ? 'current' : v.restored_from ? `from ${v.restored_from}` : '')],
            ['NAME', (v) => v.name],
            ['STATUS', (v) => (v.is_active ? 'active' : 'inactive')],
            ['MADE', (v) => v.created_at],
          ]);
        },
      );
      remoteOptions(
        group
          .command('activate')
          .description('make an older version current again (a rollback, as a new version)')
          .argument('<key-or-id>', 'the template')
          .argument('<version>', 'the version to bring back', intBetween(1, 1_000_000_000)),
      ).action(async (id: string, version: number, opts: RemoteOptions) => {
        api.show(
          await api.call(opts, 'POST', `/${enc(id)}/versions/${version}/activate`, {}),
          opts,
        );
      });
    },
    remove: {
      description: 'delete a template and its versions',
      argument: ['<key-or-id>', 'the template'],
    },
  });
  // The issue's name for it.
  group.commands.find((c) => c.name() === 'get')?.alias('show');
}
