/**
 * Which events a webhook wants: exact types (`ratelimit.policy_created`) or globs in which
 * `*` stands for any run of characters, dots included (`ratelimit.*`, `*.deleted`, `*`).
 */

/** Lower-case dotted names; `*` may stand in any segment, or for part of one. */
export const EVENT_PATTERN = '^[a-z0-9_*]+(\\.[a-z0-9_*]+)*$';

export type EventMatcher = (type: string) => boolean;

/** Compiles a webhook's patterns into one test. */
export function compileEventPatterns(patterns: readonly string[]): EventMatcher {
  if (patterns.includes('*')) return () => true;
  const exact = new Set(patterns.filter((p) => !p.includes('*')));
  const globs = patterns
    .filter((p) => p.includes('*'))
    .map((p) => new RegExp(`^${p.split('*').map(escapeRegExp).join('.*')}$`));
  return (type) => exact.has(type) || globs.some((re) => re.test(type));
}

function escapeRegExp(literal: string): string {
  return literal.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
