/**
 * Path and user-agent globs: `*` matches within one path segment, `**` across segments,
 * `?` one character; a pattern that is just `*` (or `**`) matches everything. Without
 * `segments` (user agents), `/` is an ordinary character and `*` matches anything.
 */
export type Matcher = (value: string) => boolean;

const ANY: Matcher = () => true;

/** Compiles a glob once, for matching on every request. */
export function compileGlob(
  pattern: string,
  options: { caseInsensitive?: boolean; segments?: boolean } = {},
): Matcher {
  if (pattern === '*' || pattern === '**') return ANY;
  const one = options.segments === false ? '.' : '[^/]';
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') source += `${one}*`;
    else if (c === '?') source += one;
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const re = new RegExp(`^${source}$`, options.caseInsensitive ? 'is' : 's');
  return (value) => re.test(value);
}

/** How specific a glob is: its literal characters (more wins when several match). */
export function specificity(pattern: string): number {
  return pattern.replace(/[*?]/g, '').length;
}
