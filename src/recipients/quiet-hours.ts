import { wallParts } from '../core/wall-clock.js';
import { DAYS, type Day, type QuietHours } from './schemas.js';
import { minutesOf } from './validation.js';

/** The channels quiet hours hold back when the subscriber names none. */
export const QUIET_CHANNELS_DEFAULT = ['push', 'sms', 'email'] as const;

/** The day of the week of a UTC instant (getUTCDay counts from Sunday, DAYS from Monday). */
const dayOf = (at: number): Day => DAYS[(new Date(at).getUTCDay() + 6) % 7]!;

/** The wall clock in `zone` at `at`: as if it were UTC, in ms (seconds kept, ms dropped). */
function wallClock(at: number, zone: string): number {
  const { year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = wallParts(at, zone);
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** The instant at which the wall clock in `zone` shows `wall` (ms as if UTC). */
function instantOf(wall: number, zone: string): number {
  // The offset at a guess, then again at the corrected guess: right on both sides of a change.
  let guess = wall - (wallClock(wall, zone) - wall);
  guess = wall - (wallClock(guess, zone) - guess);
  return guess;
}

const DAY_MS = 86_400_000;

/**
 * When the quiet hours holding `now` end, or null when `now` is outside them. A window is
 * `start_time`–`end_time` on the wall clock of `zone`, on the days it starts on (every day
 * when none are named); a window whose end is before its start runs past midnight.
 */
export function quietUntil(quiet: QuietHours, zone: string, now: number): number | null {
  if (!quiet.enabled) return null;
  const start = minutesOf(quiet.start_time);
  const end = minutesOf(quiet.end_time);
  if (start === end) return null;
  const wall = wallClock(now, zone);
  const midnight = Math.floor(wall / DAY_MS) * DAY_MS;
  const minute = Math.floor((wall - midnight) / 60_000);
  const days = quiet.days && quiet.days.length > 0 ? new Set(quiet.days) : null;
  const startsOn = (dayMidnight: number) => days === null || days.has(dayOf(dayMidnight));
  let endWall: number | null = null;
  if (start < end) {
    if (minute >= start && minute < end && startsOn(midnight)) endWall = midnight + end * 60_000;
  } else if (minute >= start && startsOn(midnight)) {
    endWall = midnight + DAY_MS + end * 60_000;
  } else if (minute < end && startsOn(midnight - DAY_MS)) {
    endWall = midnight + end * 60_000;
  }
  if (endWall === null) return null;
  const until = instantOf(endWall, zone);
  // A clock change inside the window can only move its end, never before now.
  return until > now ? until : now + 60_000;
}
