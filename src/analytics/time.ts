/**
 * Time ranges and calendar buckets in a time zone. Buckets are minutes, hours, days, ISO
 * weeks (Monday) or months of the zone's wall clock, each given by the UTC instant it starts
 * at. Minutes are for queries only (over at most a day); reports bucket by hour and coarser.
 */
import { NotifydError } from '../core/errors.js';
import { wallParts } from '../core/wall-clock.js';

export const GRANULARITIES = ['hour', 'day', 'week', 'month'] as const;
export type Granularity = (typeof GRANULARITIES)[number];
/** What a query may bucket by: minutes too, over a range of at most MAX_MINUTE_RANGE_MS. */
export const QUERY_GRANULARITIES = ['minute', ...GRANULARITIES] as const;
export type QueryGranularity = (typeof QUERY_GRANULARITIES)[number];

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The presets of a time range and the span each covers. */
export const PRESETS = {
  last_24h: DAY,
  last_7d: 7 * DAY,
  last_30d: 30 * DAY,
  last_90d: 90 * DAY,
  last_year: 365 * DAY,
} as const;
export type Preset = keyof typeof PRESETS;

/** Most buckets one query may ask for. */
export const MAX_BUCKETS = 10_000;
/** The longest range minute buckets may cover (1,440 of them). */
export const MAX_MINUTE_RANGE_MS = DAY;

/** Wall-clock parts of an instant in a zone; an unknown zone is INVALID_TIME_RANGE. */
function partsIn(ts: number, tz: string): Record<string, number> {
  try {
    return wallParts(ts, tz);
  } catch {
    throw new NotifydError('INVALID_TIME_RANGE', `Unknown time zone ${JSON.stringify(tz)}.`, {
      field: 'timezone',
    });
  }
}

/** Checks a zone name (INVALID_TIME_RANGE when unknown). */
export function checkTimeZone(tz: string): void {
  partsIn(0, tz);
}

/** Wall-clock parts of an instant in a zone (month 1–12). */
interface Wall {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

function wallOf(ts: number, tz: string): Wall {
  const p = partsIn(ts, tz);
  return { y: p.year!, mo: p.month!, d: p.day!, h: p.hour!, mi: p.minute!, s: p.second! };
}

/** The zone's offset from UTC at an instant, ms. */
function offsetAt(ts: number, tz: string): number {
  const w = wallOf(ts, tz);
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) - Math.floor(ts / 1000) * 1000;
}

/** The instant a wall-clock time (normalised by Date.UTC) happens in a zone. */
function instantOf(y: number, mo: number, d: number, h: number, tz: string): number {
  const guess = Date.UTC(y, mo - 1, d, h);
  const first = guess - offsetAt(guess, tz);
  // Across a change of offset, the offset at the answer is the one that counts.
  return guess - offsetAt(first, tz);
}

/** The start of the bucket `ts` is in. */
export function bucketStart(ts: number, g: QueryGranularity, tz: string): number {
  // Zones are whole minutes off UTC today, so a minute starts at the same instant everywhere.
  if (g === 'minute') return Math.floor(ts / MINUTE) * MINUTE;
  if (tz === 'UTC' && g !== 'month' && g !== 'week') {
    const size = g === 'hour' ? HOUR : DAY;
    return Math.floor(ts / size) * size;
  }
  const w = wallOf(ts, tz);
  if (g === 'hour') return instantOf(w.y, w.mo, w.d, w.h, tz);
  if (g === 'day') return instantOf(w.y, w.mo, w.d, 0, tz);
  if (g === 'month') return instantOf(w.y, w.mo, 1, 0, tz);
  const weekday = (new Date(Date.UTC(w.y, w.mo - 1, w.d)).getUTCDay() + 6) % 7; // Monday 0
  return instantOf(w.y, w.mo, w.d - weekday, 0, tz);
}

/** The start of the bucket after the one starting at `start`. */
export function nextBucket(start: number, g: QueryGranularity, tz: string): number {
  if (g === 'minute') return start + MINUTE;
  const w = wallOf(start, tz);
  if (g === 'hour') return bucketStart(start + HOUR, g, tz);
  if (g === 'day') return instantOf(w.y, w.mo, w.d + 1, 0, tz);
  if (g === 'week') return instantOf(w.y, w.mo, w.d + 7, 0, tz);
  return instantOf(w.y, w.mo + 1, 1, 0, tz);
}

/** Bucket starts covering `[from, to)`: the first is the bucket `from` is in. */
export function bucketsOf(from: number, to: number, g: QueryGranularity, tz: string): number[] {
  const out: number[] = [];
  for (let b = bucketStart(from, g, tz); b < to; b = nextBucket(b, g, tz)) {
    out.push(b);
    if (out.length > MAX_BUCKETS) {
      throw new NotifydError(
        'INVALID_TIME_RANGE',
        `The range holds more than ${MAX_BUCKETS} ${g} buckets; choose a coarser granularity.`,
        { field: 'granularity' },
      );
    }
  }
  return out;
}

/** A time (ms) as the API answers it: ISO 8601 text in UTC. */
export const iso = (ms: number): string => new Date(ms).toISOString();

/** The same for a time that may be unset. */
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

/** A time range as the API takes it. */
export interface TimeRangeInput {
  start?: string;
  end?: string;
  preset?: Preset | 'custom';
}

/** An instant of the API (ISO 8601); INVALID_TIME_RANGE when it is not one. */
export function parseInstant(value: string, field: string): number {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) {
    throw new NotifydError('INVALID_TIME_RANGE', `${field} is not an ISO 8601 time.`, { field });
  }
  return ms;
}

/**
 * The `[from, to)` a range means at `now`. A preset ends where the bucket holding `now`
 * ends (its whole current minute, hour, day…) and starts the preset's span before, at a
 * bucket start; so `last_7d` by day is seven whole days, today included. Minute buckets
 * cover at most a day (INVALID_TIME_RANGE past it).
 */
export function resolveRange(
  range: TimeRangeInput,
  now: number,
  g: QueryGranularity | null,
  tz: string,
): { from: number; to: number } {
  const resolved = rangeOf(range, now, g, tz);
  const span = resolved.to - resolved.from;
  if (g === 'minute' && span > MAX_MINUTE_RANGE_MS) {
    throw new NotifydError(
      'INVALID_TIME_RANGE',
      `Minute granularity covers at most 24 hours; this range is ${Math.ceil(span / HOUR)} hours. Ask for hour granularity or a shorter range.`,
      { field: 'granularity' },
    );
  }
  return resolved;
}

function rangeOf(
  range: TimeRangeInput,
  now: number,
  g: QueryGranularity | null,
  tz: string,
): { from: number; to: number } {
  const preset = range.preset && range.preset !== 'custom' ? range.preset : null;
  if (preset) {
    if (range.start !== undefined || range.end !== undefined) {
      throw new NotifydError('INVALID_TIME_RANGE', 'Give a preset or start and end, not both.', {
        field: 'time_range',
      });
    }
    const unit = g ?? 'hour';
    const to = nextBucket(bucketStart(now, unit, tz), unit, tz);
    return { from: bucketStart(to - PRESETS[preset], unit, tz), to };
  }
  if (range.start === undefined || range.end === undefined) {
    throw new NotifydError('INVALID_TIME_RANGE', 'A time range needs a preset or start and end.', {
      field: 'time_range',
    });
  }
  const from = parseInstant(range.start, 'time_range.start');
  const to = parseInstant(range.end, 'time_range.end');
  if (from >= to) {
    throw new NotifydError('INVALID_TIME_RANGE', 'time_range.start must be before end.', {
      field: 'time_range',
    });
  }
  return { from, to };
}
