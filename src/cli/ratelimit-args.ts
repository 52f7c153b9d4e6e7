import { InvalidArgumentError } from 'commander';

/**
 * Parsers for rate-limit flags. Each throws InvalidArgumentError with the reason; commander
 * then prints one line naming the flag and exits non-zero.
 */

const UNITS: Record<string, { unit?: 'second' | 'minute' | 'hour' | 'day'; seconds: number }> = {
  s: { unit: 'second', seconds: 1 },
  sec: { unit: 'second', seconds: 1 },
  second: { unit: 'second', seconds: 1 },
  m: { unit: 'minute', seconds: 60 },
  min: { unit: 'minute', seconds: 60 },
  minute: { unit: 'minute', seconds: 60 },
  h: { unit: 'hour', seconds: 3600 },
  hour: { unit: 'hour', seconds: 3600 },
  d: { unit: 'day', seconds: 86400 },
  day: { unit: 'day', seconds: 86400 },
};

/** A limit as people write it: `100/minute`, `10/s`, `500/30s`, `1000/2h`. */
export interface ParsedLimit {
  max_requests: number;
  window_unit?: 'second' | 'minute' | 'hour' | 'day';
  window_seconds?: number;
}

export function parseLimit(value: string): ParsedLimit {
  const m = /^(\d+)\s*\/\s*(\d*)\s*([a-z]+?)s?$/i.exec(value.trim());
  const spec = m ? UNITS[m[3]!.toLowerCase()] : undefined;
  if (!m || !spec) {
    throw new InvalidArgumentError(
      'Write it as <count>/<window>, e.g. 100/minute, 10/s or 500/30s.',
    );
  }
  const max = Number(m[1]);
  if (max < 1) throw new InvalidArgumentError('The count must be at least 1.');
  const times = m[2] ? Number(m[2]) : 1;
  if (times < 1) throw new InvalidArgumentError('The window must be at least 1.');
  if (times === 1 && spec.unit) return { max_requests: max, window_unit: spec.unit };
  return { max_requests: max, window_seconds: times * spec.seconds };
}

/** A duration: `90` or `90s`, `15m`, `2h`, `1d`; resolves to seconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+)\s*(s|m|h|d)?$/i.exec(value.trim());
  if (!m || Number(m[1]) < 1) {
    throw new InvalidArgumentError('Write a duration such as 90s, 15m, 2h or 1d.');
  }
  const factor = { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's').toLowerCase() as 's'];
  return Number(m[1]) * factor;
}

/** A whole number within bounds. */
export function intBetween(min: number, max: number) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`Expected a whole number from ${min} to ${max}.`);
    }
    return Number(value);
  };
}

/** A positive number (decimals allowed). */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || value.trim() === '') {
    throw new InvalidArgumentError('Expected a number greater than 0.');
  }
  return n;
}

/** One of a fixed set. */
export function oneOf<T extends string>(values: readonly T[]) {
  return (value: string): T => {
    if (!(values as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`Allowed: ${values.join(', ')}.`);
    }
    return value as T;
  };
}

/** A comma-separated list of allowed values: `ip,endpoint`. */
export function listOf<T extends string>(values: readonly T[]) {
  return (value: string): T[] => value.split(',').map((v) => oneOf(values)(v.trim()));
}

/** Repeatable string flags collect into a list. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `name=value` pairs (headers). */
export function collectPair(value: string, previous: Record<string, string> = {}) {
  const i = value.indexOf('=');
  if (i <= 0) throw new InvalidArgumentError('Write it as name=value (value * for any).');
  return { ...previous, [value.slice(0, i)]: value.slice(i + 1) };
}
