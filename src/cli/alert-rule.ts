import { type Command, InvalidArgumentError, Option } from 'commander';
import type { AlertRuleViewT } from '../analytics/alert-rules.js';
import type { CliIO } from './io.js';
import { enc, registerObjectCommands } from './object-commands.js';
import { collect, oneOf } from './ratelimit-args.js';
import type { RemoteOptions } from './remote.js';

const UNIT = { above: '', below: '', change_percent: '%' } as const;

function aNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new InvalidArgumentError('Expected a number.');
  return n;
}

/** `field=value`: a filter keeping events whose field equals the value. */
function aFilter(value: string, all: Array<Record<string, string>> = []) {
  const at = value.indexOf('=');
  if (at < 1) throw new InvalidArgumentError('Write it as field=value, e.g. channel=email.');
  return [...all, { field: value.slice(0, at), operator: 'eq', value: value.slice(at + 1) }];
}

/** The rule's condition for people: `count:error above 3 over 5m`. */
export const conditionText = (r: AlertRuleViewT) =>
  `${r.metric} ${r.condition.replace('_', ' ')} ${r.threshold}${UNIT[r.condition]} over ${r.window}`;

function describe(r: AlertRuleViewT): string {
  const to = [
    ...(r.recipients.subscribers ?? []),
    ...(r.recipients.topic ? [`topic ${r.recipients.topic}`] : []),
  ];
  const lines = [
    `${r.name} (${r.id}, ${r.enabled ? 'enabled' : 'disabled'})`,
    `  when      ${conditionText(r)}, evaluated every ${r.interval}`,
    ...(r.filters.length
      ? [
          `  filters   ${r.filters.map((f) => `${f.field} ${f.operator} ${String(f.value)}`).join(', ')}`,
        ]
      : []),
    `  notifies  ${to.length ? to.join(', ') : 'nobody (webhooks only)'} (${(r.channels ?? ['in_app']).join(', ')}, category ${r.category})`,
    ...(r.next_evaluation_at ? [`  next      ${r.next_evaluation_at}`] : []),
    ...(r.last_evaluated_at
      ? [`  last      ${r.last_evaluated_at}: ${r.last_value ?? 'no value'}`]
      : []),
    ...(r.last_error ? [`  error     ${r.last_error}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

interface CreateOptions extends RemoteOptions {
  metric: string;
  condition: string;
  threshold: number;
  window: string;
  every?: string;
  filter?: Array<Record<string, string>>;
  subscriber?: string[];
  topic?: string;
  channel?: string[];
  category?: string;
  description?: string;
  disabled?: boolean;
}

/** `notifyd alert rule create|list|show|delete`, under `alert`. */
export function registerAlertRuleCommands(alert: Command, io: CliIO): void {
  registerObjectCommands<AlertRuleViewT>(alert, io, {
    group: 'rule',
    description: 'alert rules: a metric, a condition and threshold over a window, who is told',
    path: '/api/v1/alerts/rules',
    noun: 'alert rule',
    describe,
    create: {
      description:
        'create an alert rule (e.g. create errors-high --metric notifications_failed --condition above --threshold 10 --window 5m --subscriber ops)',
      argument: ['<name>', 'the rule’s name'],
      flags: (cmd) =>
        cmd
          .requiredOption('--metric <metric>', 'a query metric, e.g. count:signup')
          .addOption(
            new Option('--condition <c>', 'above | below | change_percent')
              .argParser(oneOf(['above', 'below', 'change_percent']))
              .makeOptionMandatory(),
          )
          .addOption(
            new Option(
              '--threshold <n>',
              'the value (change_percent: percent, negative for a fall)',
            )
              .argParser(aNumber)
              .makeOptionMandatory(),
          )
          .requiredOption('--window <span>', 'the span read, e.g. 5m, 1h, 1d')
          .option('--every <span>', 'how often it is evaluated (default 1m)')
          .option(
            '--filter <field=value>',
            'count only events with this value (repeatable)',
            aFilter,
          )
          .option('--subscriber <id>', 'notify this subscriber (repeatable)', collect)
          .option('--topic <key>', 'notify this topic’s members')
          .option(
            '--channel <channel>',
            'notify on this channel (repeatable; default in_app)',
            collect,
          )
          .option('--category <category>', 'the notifications’ category (default alerts)')
          .option('--description <text>', 'what the rule is for')
          .option('--disabled', 'create it disabled'),
      body: (o: CreateOptions, name: string) => ({
        name,
        metric: o.metric,
        condition: o.condition,
        threshold: o.threshold,
        window: o.window,
        ...(o.every ? { interval: o.every } : {}),
        ...(o.filter?.length ? { filters: o.filter } : {}),
        ...(o.subscriber?.length || o.topic
          ? {
              recipients: {
                ...(o.subscriber?.length ? { subscribers: o.subscriber } : {}),
                ...(o.topic ? { topic: o.topic } : {}),
              },
            }
          : {}),
        ...(o.channel?.length ? { channels: o.channel } : {}),
        ...(o.category ? { category: o.category } : {}),
        ...(o.description ? { description: o.description } : {}),
        ...(o.disabled ? { enabled: false } : {}),
      }),
    },
    list: {
      description: 'list alert rules',
      columns: [
        ['NAME', (r) => r.name],
        ['ID', (r) => r.id],
        ['CONDITION', conditionText],
        ['EVERY', (r) => r.interval],
        ['STATUS', (r) => (r.enabled ? 'enabled' : 'disabled')],
        ['LAST VALUE', (r) => (r.last_value === null ? '' : String(r.last_value))],
        ['NEXT', (r) => r.next_evaluation_at ?? ''],
      ],
    },
    get: {
      name: 'show',
      description: 'show an alert rule',
      argument: ['<name-or-id>', 'the rule'],
    },
    actions: [
      {
        name: 'enable',
        description: 'enable an alert rule',
        argument: ['<name-or-id>', 'the rule'],
        request: (id) => ['PATCH', `/${enc(id)}`, { enabled: true }],
      },
      {
        name: 'disable',
        description: 'disable an alert rule (its open alert is resolved)',
        argument: ['<name-or-id>', 'the rule'],
        request: (id) => ['PATCH', `/${enc(id)}`, { enabled: false }],
      },
    ],
    remove: { description: 'delete an alert rule', argument: ['<name-or-id>', 'the rule'] },
  });
}
