/**
 * What an alert rule checks, as plain arithmetic: durations (`5m`, `1h`, `1d`), the window an
 * evaluation reads, and whether a value meets a condition. The engine reads whole minutes so
 * that counts come from the minute (or hour) rollups rather than a raw scan.
 */
import { NotifydError } from '../core/errors.js';

export const ALERT_CONDITIONS = ['above', 'below', 'change_percent'] as const;
export type AlertCondition = (typeof ALERT_CONDITIONS)[number];

export const MINUTE = 60_000;
const UNIT: Record<string, number> = { m: MINUTE, h: 60 * MINUTE, d: 1440 * MINUTE };

/** A duration the API takes: a whole number of minutes, hours or days. */
export const DURATION_PATTERN = '^[1-9][0-9]{0,5}[mhd]$';

/** The longest window (the rollups alerts read are kept for days, not years). */
export const MAX_WINDOW_MS = 90 * 1440 * MINUTE;
/** The longest time between two evaluations. */
export const MAX_INTERVAL_MS = 1440 * MINUTE;

/** A duration in ms; VALIDATION_ERROR naming `field` when it is not one or is out of bounds. */
export function durationOf(text: string, field: string, max: number): number {
  const m = new RegExp(DURATION_PATTERN).exec(text);
  const ms = m ? Number(text.slice(0, -1)) * UNIT[text.slice(-1)]! : Number.NaN;
  if (!(ms >= MINUTE && ms <= max)) {
    throw new NotifydError(
      'VALIDATION_ERROR',
      `${field} must be a duration like 5m, 1h or 1d, from 1m to ${max / (1440 * MINUTE)}d.`,
      { field },
    );
  }
  return ms;
}

/** The window an evaluation at `now` reads: the whole minutes before it, `[to - window, to)`. */
export function windowAt(now: number, windowMs: number): { from: number; to: number } {
  const to = Math.floor(now / MINUTE) * MINUTE;
  return { from: to - windowMs, to };
}

/** When the evaluation after `now` is due: the next multiple of the interval (UTC). */
export function nextEvaluation(now: number, intervalMs: number): number {
  return (Math.floor(now / intervalMs) + 1) * intervalMs;
}

/** What one evaluation found. */
export interface Reading {
  /** The metric over the window. */
  value: number;
  /** The metric over the window before (change_percent only, else null). */
  previous: number | null;
  /**
   * What the threshold is compared with: the value, or for change_percent the change in
   * percent (null when the previous window is 0: no percentage, so no decision).
   */
  actual: number | null;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** A reading from the window's value and (for change_percent) the previous window's. */
export function readingOf(condition: AlertCondition, value: number, previous: number): Reading {
  if (condition !== 'change_percent') return { value, previous: null, actual: value };
  if (previous === 0) return { value, previous, actual: value === 0 ? 0 : null };
  return { value, previous, actual: round(((value - previous) / previous) * 100) };
}

/**
 * Whether the condition holds: `above` is strictly more than the threshold, `below` strictly
 * less; `change_percent` with a positive threshold is a rise of more than it, with a negative
 * one a fall of more than it, and with 0 any change. Null when it cannot be told.
 */
export function holds(condition: AlertCondition, threshold: number, r: Reading): boolean | null {
  if (r.actual === null) return null;
  if (condition === 'above') return r.actual > threshold;
  if (condition === 'below') return r.actual < threshold;
  if (threshold > 0) return r.actual > threshold;
  if (threshold < 0) return r.actual < threshold;
  return r.actual !== 0;
}
