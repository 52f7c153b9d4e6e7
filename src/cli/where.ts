/**
 * `--where` filters as the query API takes them, read by `analytics query` and by funnel
 * steps (`--step 'Name=type where field=value'`).
 */
import { CliError } from './io.js';

/** The query's operators, longest spelling first so that `>=` is not read as `>`. */
const OPERATOR_OF: Array<[string, string]> = [
  ['!=', 'neq'],
  ['>=', 'gte'],
  ['<=', 'lte'],
  ['=', 'eq'],
  ['>', 'gt'],
  ['<', 'lt'],
  ['~', 'contains'],
];

/**
 * `--where channel=email`, `amount>=10`, `plan!=free`, `path~/api`, `channel=email,sms`
 * (a list: `in`; with `!=`: `not_in`) as the query's filters. Numbers are numbers.
 */
export function filterOf(text: string): { field: string; operator: string; value: unknown } {
  let best: { at: number; op: string; name: string } | null = null;
  for (const [op, name] of OPERATOR_OF) {
    const at = text.indexOf(op);
    if (at > 0 && (best === null || at < best.at || (at === best.at && op.length > best.op.length)))
      best = { at, op, name };
  }
  if (!best) throw new CliError(`--where ${text}: expected field=value (or != > >= < <= ~)`);
  const field = text.slice(0, best.at).trim();
  const raw = text.slice(best.at + best.op.length).trim();
  const scalar = (s: string) => (s !== '' && Number.isFinite(Number(s)) ? Number(s) : s);
  if ((best.name === 'eq' || best.name === 'neq') && raw.includes(',')) {
    return {
      field,
      operator: best.name === 'eq' ? 'in' : 'not_in',
      value: raw.split(',').map((v) => scalar(v.trim())),
    };
  }
  return { field, operator: best.name, value: best.name === 'contains' ? raw : scalar(raw) };
}
