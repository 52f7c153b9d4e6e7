/**
 * A template's declared variables, checked against a payload before anything renders: a
 * missing required variable is 400 MISSING_VARIABLE, a value of the wrong type 400
 * TEMPLATE_RENDER_ERROR, both naming the variable and the channel that uses it.
 */
import { NotifydError } from '../core/errors.js';
import type { TemplateVariableDoc, VariableType } from './schemas.js';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Whether a value fits a variable's type. */
export function fitsType(type: VariableType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'datetime':
      return (
        (typeof value === 'number' && Number.isFinite(value)) ||
        (typeof value === 'string' && ISO_DATE.test(value) && !Number.isNaN(Date.parse(value)))
      );
    case 'url':
      return typeof value === 'string' && /^https?:\/\//i.test(value) && URL.canParse(value);
  }
}

/**
 * The scope to render with: the payload, each declared variable it lacks set to its default
 * (or to null when optional, so that `{{ it }}` renders empty). `usedBy` names the channel
 * whose content reads a variable, for the error.
 */
export async function checkVariables(
  variables: readonly TemplateVariableDoc[],
  payload: Record<string, unknown>,
  usedBy: (name: string) => Promise<string | null>,
): Promise<Record<string, unknown>> {
  const scope: Record<string, unknown> = { ...payload };
  for (const v of variables) {
    const given = scope[v.name];
    if (given === undefined || given === null) {
      if (v.required && (v.default === null || v.default === undefined)) {
        const channel = await usedBy(v.name);
        throw new NotifydError(
          'MISSING_VARIABLE',
          `The payload has no ${v.name}, which the template requires${channel ? ` (used by ${channel})` : ''}.`,
          { variable: v.name, channel },
        );
      }
      scope[v.name] = v.default ?? null;
      continue;
    }
    if (!fitsType(v.type, given)) {
      const channel = await usedBy(v.name);
      throw new NotifydError(
        'TEMPLATE_RENDER_ERROR',
        `The payload's ${v.name} is not a ${v.type}${channel ? ` (used by ${channel})` : ''}.`,
        { variable: v.name, channel, expected: v.type, reason: `not a ${v.type}` },
      );
    }
  }
  return scope;
}
