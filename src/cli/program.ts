import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { registerAlertCommands } from './alert.js';
import { registerAnalyticsCommands } from './analytics.js';
import { registerBypassCommands } from './bypass.js';
import { registerCategoryCommands } from './category.js';
import { registerConfigCommands } from './config.js';
import { CliError, type CliIO } from './io.js';
import { registerKeyCommands } from './keys.js';
import { registerMigrateCommand } from './migrate.js';
import { registerPlanCommands } from './plan.js';
import { registerPolicyCommands } from './policy.js';
import { registerRateLimitAdjust } from './ratelimit.js';
import { registerRateLimitCheck } from './ratelimit-check.js';
import { registerReportCommands } from './report.js';
import { registerRuleCommands } from './rule.js';
import { registerScheduledCommands } from './scheduled.js';
import { registerSendCommand } from './send.js';
import { registerServeCommand } from './serve.js';
import { registerSubscriberCommands } from './subscriber.js';
import { registerTemplateCommands } from './template.js';
import { registerTopicCommands } from './topic.js';
import { registerVapidCommands } from './vapid.js';
import { registerWorkflowCommands } from './workflow.js';

/** Builds the notifyd command line; every command group adds itself from its own file. */
export function buildProgram(io: CliIO): Command {
  const program = new Command('notifyd')
    .description('Self-hostable notification daemon')
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  registerServeCommand(program, io);
  registerConfigCommands(program, io);
  registerKeyCommands(program, io);
  registerMigrateCommand(program, io);
  registerSendCommand(program, io);
  registerScheduledCommands(program, io);
  registerSubscriberCommands(program, io);
  registerTopicCommands(program, io);
  registerCategoryCommands(program, io);
  registerPolicyCommands(program, io);
  registerRuleCommands(program, io);
  registerPlanCommands(program, io);
  registerBypassCommands(program, io);
  registerRateLimitAdjust(program, io);
  registerRateLimitCheck(program, io);
  registerTemplateCommands(program, io);
  registerWorkflowCommands(program, io);
  registerReportCommands(program, io);
  registerAnalyticsCommands(program, io);
  registerAlertCommands(program, io);
  registerVapidCommands(program, io);
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const program = buildProgram(io);
  const unknown = unknownCommand(program, argv);
  if (unknown) {
    io.stderr.write(`notifyd: unknown command '${unknown}' (notifyd --help lists the commands)\n`);
    return 1;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof CliError) {
      io.stderr.write(`notifyd: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(`notifyd: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/**
 * The first word when it names no command. Commander would answer `notifyd frobnicate --help`
 * with the top-level help and exit 0, as if `frobnicate` existed.
 */
function unknownCommand(program: Command, argv: string[]): string | null {
  const [first] = argv;
  if (first === undefined || first.startsWith('-') || first === 'help') return null;
  const known = program.commands.some((c) => c.name() === first || c.aliases().includes(first));
  return known ? null : first;
}
