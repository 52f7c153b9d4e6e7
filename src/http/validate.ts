import type { Static, TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject } from 'ajv';
import formatsModule from 'ajv-formats';
import { NotifydError } from '../core/errors.js';

// ajv-formats is CommonJS: its plugin is the module's `default` property.
const addFormats = formatsModule.default;

/** Bodies are taken as sent: wrong types are errors, not coerced. */
const bodyAjv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
/** Query strings and path parameters are text: `limit=20` becomes 20. */
const textAjv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, strict: false });
addFormats(bodyAjv, ['uri', 'date-time', 'email']);
addFormats(textAjv, ['uri', 'date-time', 'email']);

export type Validator<T extends TSchema> = (value: unknown) => Static<T>;

/** One problem found in a request, pointing at the field. */
export interface FieldIssue {
  /** Where: `body.content.title`, `query.limit`. */
  field: string;
  message: string;
}

function describe(where: string, e: ErrorObject): FieldIssue {
  const path = e.instancePath.replaceAll('/', '.');
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    return { field: `${where}${path}.${extra}`, message: 'is not a known field' };
  }
  if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    return { field: `${where}${path}.${missing}`, message: 'is required' };
  }
  return { field: `${where}${path}`, message: e.message ?? 'is not valid' };
}

/** At most this many issues are answered; `details.more_issues` counts the rest. */
export const MAX_ISSUES = 20;

/**
 * Ajv's errors as issues. A failed union (`anyOf`) is reported by ajv as one error per
 * branch plus "must match a schema in anyOf"; when the branches are literals or plain
 * types, that becomes one issue naming what would do (`must be one of: in_app, push`,
 * `must be string or number`).
 * Identical issues (the same check failing on every item of a long array's schema) are
 * answered once.
 */
export function issuesOf(where: string, errors: ErrorObject[]): FieldIssue[] {
  const unions = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const allowed = new Map<string, string[]>();
  for (const e of errors) {
    if (!unions.has(e.instancePath)) continue;
    const seen = allowed.get(e.instancePath) ?? [];
    if (e.keyword === 'const')
      seen.push(String((e.params as { allowedValue: unknown }).allowedValue));
    else if (e.keyword === 'type') seen.push(String((e.params as { type: unknown }).type));
    else if (e.keyword !== 'anyOf') seen.push(''); // a branch failing otherwise: keep ajv's words
    allowed.set(e.instancePath, seen);
  }
  const issues: FieldIssue[] = [];
  const said = new Set<string>();
  for (const e of errors) {
    const options = allowed.get(e.instancePath);
    const simple = options !== undefined && options.length > 0 && !options.includes('');
    let issue: FieldIssue;
    if (simple && e.keyword === 'anyOf') {
      const field = `${where}${e.instancePath.replaceAll('/', '.')}`;
      const types = errors.some((b) => b.instancePath === e.instancePath && b.keyword === 'type');
      const message = types
        ? `must be ${options.join(' or ')}`
        : `must be one of: ${options.join(', ')}`;
      issue = { field, message };
    } else if (simple) {
      continue; // a branch of a union answered as one issue above
    } else if (e.keyword === 'const') {
      const value = (e.params as { allowedValue: unknown }).allowedValue;
      issue = { ...describe(where, e), message: `must be ${JSON.stringify(value)}` };
    } else {
      issue = describe(where, e);
    }
    const text = `${issue.field}\u0000${issue.message}`;
    if (said.has(text)) continue;
    said.add(text);
    issues.push(issue);
  }
  return issues;
}

/**
 * Compiles a schema once into a function that returns the value typed, or throws
 * VALIDATION_ERROR listing the problems (the first MAX_ISSUES of them).
 */
export function compileValidator<T extends TSchema>(
  schema: T,
  where: 'body' | 'query' | 'params',
): Validator<T> {
  const check = (where === 'body' ? bodyAjv : textAjv).compile(schema);
  return (value) => {
    if (check(value)) return value as Static<T>;
    const all = issuesOf(where, check.errors ?? []);
    const issues = all.slice(0, MAX_ISSUES);
    const first = issues[0];
    const message = first ? `${first.field} ${first.message}` : 'The request is not valid.';
    const more = all.length - issues.length;
    throw new NotifydError('VALIDATION_ERROR', message, {
      issues,
      ...(more > 0 ? { more_issues: more } : {}),
    });
  };
}
