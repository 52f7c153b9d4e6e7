import { CliError } from './io.js';

/** `--last` spellings the API has presets for; any other `<n>m|h|d|w` is a custom range. */
export const PRESET_OF: Record<string, string> = {
  '24h': 'last_24h',
  '1d': 'last_24h',
  '7d': 'last_7d',
  '1w': 'last_7d',
  '30d': 'last_30d',
  '90d': 'last_90d',
  '1y': 'last_year',
  '365d': 'last_year',
};
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--last 7d` as the query's `time_range`: a preset where there is one, else start/end. */
export function timeRangeOf(
  opts: { last?: string; from?: string; to?: string },
  now: number,
): Record<string, string> {
  if (opts.from || opts.to) {
    if (opts.last) throw new CliError('give --last, or --from/--to, not both');
    if (!opts.from) throw new CliError('--to needs --from');
    return { start: opts.from, end: opts.to ?? new Date(now).toISOString() };
  }
  const last = (opts.last ?? '7d').trim().toLowerCase();
  const preset = PRESET_OF[last];
  if (preset) return { preset };
  return lastSpan(last, opts.last ?? '', now);
}

/** `<n>m|h|d|w` (and `1y`) ending `now`, as start and end. */
function lastSpan(last: string, given: string, now: number): { start: string; end: string } {
  const m = /^(\d{1,6})([mhdw])$/.exec(last === '1y' ? '365d' : last);
  if (!m) throw new CliError(`--last ${given}: expected a length such as 90m, 12h, 7d or 4w`);
  const ms = Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  if (ms === 0) throw new CliError('--last must be longer than zero');
  return { start: new Date(now - ms).toISOString(), end: new Date(now).toISOString() };
}

/**
 * `--last 30d` (default `fallback`), or `--from`/`--to`, as an exact start and end: for the
 * APIs that take no preset (a funnel's results). `--last` ends now, to the millisecond.
 */
export function spanOf(
  opts: { last?: string; from?: string; to?: string },
  now: number,
  fallback = '30d',
): { start: string; end: string } {
  if (opts.from || opts.to) {
    const range = timeRangeOf(opts, now);
    return { start: range.start as string, end: range.end as string };
  }
  return lastSpan((opts.last || fallback).trim().toLowerCase(), opts.last ?? fallback, now);
}
