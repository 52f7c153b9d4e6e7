import { CliError } from './io.js';

/** `--param name=value` (repeatable; a name given twice is a list) as a report's `parameters`. */
export function parametersOf(pairs: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new CliError(`--param takes name=value, not ${JSON.stringify(pair)}`);
    const [name, value] = [pair.slice(0, eq), pair.slice(eq + 1)];
    const had = out[name];
    out[name] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
  }
  return out;
}
