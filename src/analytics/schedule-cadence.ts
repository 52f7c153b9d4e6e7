/**
 * When a report schedule runs: `daily`, `weekly` (Mondays) or `monthly` (the 1st) at a time
 * of day, or a cron expression, read in the schedule's time zone (cron-parser, through the
 * scheduler's `nextOccurrence`).
 */
import { NotifydError } from '../core/errors.js';
import { nextOccurrence } from '../scheduler/recurring.js';
import type { Preset } from './time.js';

export const CADENCES = ['daily', 'weekly', 'monthly'] as const;
export type Cadence = (typeof CADENCES)[number];

const isCadence = (s: string): s is Cadence => (CADENCES as readonly string[]).includes(s);

/** The cron expression of a schedule: its own, or its cadence's at `time` (HH:MM). */
export function cronOf(schedule: string, time: string): string {
  if (!isCadence(schedule)) return schedule;
  const [h, m] = time.split(':').map(Number);
  if (schedule === 'daily') return `${m} ${h} * * *`;
  if (schedule === 'weekly') return `${m} ${h} * * 1`;
  return `${m} ${h} 1 * *`;
}

/** The period a scheduled report covers unless its parameters say: the one since the last run. */
export function defaultPreset(schedule: string): Preset {
  if (schedule === 'weekly') return 'last_7d';
  if (schedule === 'monthly') return 'last_30d';
  return 'last_24h';
}

/** The next run strictly after `after`; 400 INVALID_SCHEDULE when the cron or zone is not valid. */
export async function nextRun(cron: string, timezone: string, after: number): Promise<number> {
  try {
    return await nextOccurrence(cron, timezone, after);
  } catch (err) {
    throw new NotifydError('INVALID_SCHEDULE', (err as Error).message, { field: 'body.schedule' });
  }
}
