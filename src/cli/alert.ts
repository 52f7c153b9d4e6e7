import { type Command, Option } from 'commander';
import type { AlertViewT } from '../analytics/alerts.js';
import { registerAlertRuleCommands } from './alert-rule.js';
import type { CliIO } from './io.js';
import { enc, registerObjectCommands } from './object-commands.js';
import { oneOf } from './ratelimit-args.js';

const unit = (a: AlertViewT) => (a.condition === 'change_percent' ? '%' : '');

function describe(a: AlertViewT): string {
  const change = a.previous_value !== null ? ` (${a.previous_value} → ${a.value})` : '';
  const lines = [
    `${a.rule_name}: ${a.status} (${a.id})`,
    `  value     ${a.actual_value}${unit(a)}${change}, ${a.condition.replace('_', ' ')} ${a.threshold}${unit(a)}`,
    `  metric    ${a.metric} from ${a.window.start} to ${a.window.end}`,
    `  triggered ${a.triggered_at}`,
    ...(a.acknowledged_at ? [`  acked     ${a.acknowledged_at} by ${a.acknowledged_by}`] : []),
    ...(a.resolved_at ? [`  resolved  ${a.resolved_at} (${a.resolved_reason})`] : []),
    `  notified  ${a.notified}${a.notify_errors.length ? `; failed: ${a.notify_errors.join('; ')}` : ''}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** `notifyd alert list|show|ack` and `notifyd alert rule …`. */
export function registerAlertCommands(program: Command, io: CliIO): void {
  registerObjectCommands<AlertViewT>(program, io, {
    group: 'alert',
    description: 'triggered alerts and the rules that raise them',
    path: '/api/v1/alerts',
    noun: 'alert',
    describe,
    list: {
      description: 'list triggered alerts (oldest first)',
      flags: (cmd) =>
        cmd
          .addOption(
            new Option('--status <s>', 'triggered | acknowledged | resolved').argParser(
              oneOf(['triggered', 'acknowledged', 'resolved']),
            ),
          )
          .option('--rule <name-or-id>', 'only this rule’s alerts'),
      query: (o) => ({
        status: o.status as string | undefined,
        rule: o.rule as string | undefined,
      }),
      columns: [
        ['ID', (a) => a.id],
        ['RULE', (a) => a.rule_name],
        ['STATUS', (a) => a.status],
        ['VALUE', (a) => `${a.actual_value}${unit(a)}`],
        ['THRESHOLD', (a) => `${a.condition} ${a.threshold}${unit(a)}`],
        ['TRIGGERED', (a) => a.triggered_at],
        ['RESOLVED', (a) => a.resolved_at ?? ''],
      ],
    },
    get: { name: 'show', description: 'show an alert', argument: ['<id>', 'the alert (alt_…)'] },
    actions: [
      {
        name: 'ack',
        description: 'acknowledge an alert (it stays open until its condition clears)',
        argument: ['<id>', 'the alert (alt_…)'],
        request: (id) => ['POST', `/${enc(id)}/acknowledge`],
      },
    ],
    more(group) {
      registerAlertRuleCommands(group, io);
    },
  });
}
