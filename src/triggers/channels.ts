/**
 * Which Redis channels a trigger listener subscribes to. An entry with `*`, `?` or `[` is a
 * pattern (PSUBSCRIBE), the rest are names (SUBSCRIBE), as in the Ara notification service.
 */
export interface ChannelPlan {
  names: string[];
  patterns: string[];
  /** `patterns` as regular expressions, in the same order. */
  matchers: RegExp[];
}

const PATTERN = /[*?[]/;

export function planChannels(entries: readonly string[]): ChannelPlan {
  const unique = [...new Set(entries.map((e) => e.trim()).filter(Boolean))];
  const patterns = unique.filter((e) => PATTERN.test(e));
  return {
    names: unique.filter((e) => !PATTERN.test(e)),
    patterns,
    matchers: patterns.map(globToRegExp),
  };
}

/** A Redis glob (`*`, `?`, `[…]`, `\` escapes) as a regular expression. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '\\' && i + 1 < glob.length) source += literal(glob[++i]!);
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) source += '\\[';
      else {
        const body = glob.slice(i + 1, end);
        const negated = body.startsWith('^');
        source += `[${negated ? '^' : ''}${(negated ? body.slice(1) : body).replace(/[\\\]]/g, '\\$&')}]`;
        i = end;
      }
    } else source += literal(c);
  }
  return new RegExp(`^${source}$`, 's');
}

const literal = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * Redis delivers a message once per subscription that matches its channel. A trigger must
 * be acted on once, so only the first match in the plan counts: the exact name, else the
 * first pattern in order.
 */
export function isFirstMatch(plan: ChannelPlan, channel: string, pattern: string | null): boolean {
  if (pattern === null) return true;
  if (plan.names.includes(channel)) return false;
  const first = plan.matchers.findIndex((m) => m.test(channel));
  return plan.patterns[first] === pattern;
}
