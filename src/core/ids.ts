import { monotonicFactory } from 'ulid';
import type { Clock } from './clock.js';

/** Prefixes say what an id names; the ULID after it sorts by creation time. */
export type IdKind = 'ntf' | 'req' | 'dlv' | 'key' | 'ses';

export type IdGenerator = (kind: IdKind) => string;

/**
 * One generator for every id: a prefix and a monotonic ULID taken from the injected
 * clock, so ids made in the same millisecond still sort in the order they were made.
 */
export function createIdGenerator(clock: Clock): IdGenerator {
  const next = monotonicFactory();
  return (kind) => `${kind}_${next(clock.now())}`;
}
