import type { JobRecord } from './jobs.js';

/** A job that runs on a cron schedule, in a time zone. */
export interface RecurringSpec {
  /** Its job kind; one recurring job per kind (its key is `cron:{kind}`). */
  kind: string;
  /** Five or six fields, as cron-parser reads them (`0 9 * * *`: 09:00 every day). */
  cron: string;
  /** IANA zone the fields are read in (`Europe/Berlin`); UTC by default. */
  timezone?: string;
  /** The tenant the job belongs to; `default` unless given. */
  tenantId?: string;
  payload?: Record<string, unknown>;
  /** Runs one occurrence; idempotent by the job id and run_at. */
  run(job: JobRecord): Promise<void> | void;
}

type Parser = typeof import('cron-parser').CronExpressionParser;
let parser: Parser | null = null;

/** cron-parser, loaded on first use: a node with no recurring job never loads it. */
async function loadParser(): Promise<Parser> {
  parser ??= (await import('cron-parser')).CronExpressionParser;
  return parser;
}

/**
 * The first occurrence of `cron` in `timezone` strictly after `after`. Rejects with the
 * reason when the expression or the zone is not valid.
 */
export async function nextOccurrence(
  cron: string,
  timezone: string,
  after: number,
): Promise<number> {
  const p = await loadParser();
  let at: number;
  try {
    at = p
      .parse(cron, { currentDate: new Date(after), tz: timezone })
      .next()
      .getTime();
  } catch (err) {
    throw new Error(
      `Invalid cron schedule ${JSON.stringify(cron)} in ${timezone}: ${(err as Error).message}`,
    );
  }
  return at;
}

/** The dedup key of a recurring kind's job: there is one per tenant. */
export const recurringKey = (kind: string): string => `cron:${kind}`;
