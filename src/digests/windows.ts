/**
 * Digest windows: a recipient's digest covers what arrived until its next delivery time
 * (hourly at the minute of `delivery_time`, daily at `delivery_time`, weekly on
 * `delivery_day` at `delivery_time`), in their time zone. A window is named by its end.
 */
import { nextOccurrence } from '../scheduler/recurring.js';

/** The digest settings of a subscriber, defaults filled in. */
export interface DigestSettings {
  frequency: string;
  delivery_time: string;
  delivery_day: string;
  timezone: string;
  channel: string;
}

const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** The cron expression of a schedule (`0 9 * * *` for daily at 09:00). */
export function digestCron(
  s: Pick<DigestSettings, 'frequency' | 'delivery_time' | 'delivery_day'>,
) {
  const [hour, minute] = s.delivery_time.split(':').map(Number);
  if (s.frequency === 'hourly') return `${minute} * * * *`;
  if (s.frequency === 'weekly')
    return `${minute} ${hour} * * ${Math.max(0, DAYS.indexOf(s.delivery_day))}`;
  return `${minute} ${hour} * * *`;
}

/** The end of the window that something arriving at `at` belongs to (strictly after it). */
export function windowEnd(s: DigestSettings, at: number): Promise<number> {
  return nextOccurrence(digestCron(s), s.timezone, at);
}
