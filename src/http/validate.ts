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

/**
 * Compiles a schema once into a function that returns the value typed, or throws
 * VALIDATION_ERROR listing every problem.
 */
export function compileValidator<T extends TSchema>(
  schema: T,
  where: 'body' | 'query' | 'params',
): Validator<T> {
  const check = (where === 'body' ? bodyAjv : textAjv).compile(schema);
  return (value) => {
    if (check(value)) return value as Static<T>;
    const issues = (check.errors ?? []).map((e) => describe(where, e));
    const first = issues[0];
    const message = first ? `${first.field} ${first.message}` : 'The request is not valid.';
    throw new NotifydError('VALIDATION_ERROR', message, { issues });
  };
}
