/**
 * Fields of an event that queries filter and group by: `event_type`, `tenant_id`,
 * `user_id`, or a property (`plan` or `properties.plan`). Filters compare as the seed's
 * QueryFilter says: eq neq gt gte lt lte in not_in contains.
 */
import { NotifydError } from '../core/errors.js';

export const OPERATORS = [
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'not_in',
  'contains',
] as const;
export type Operator = (typeof OPERATORS)[number];

/** One filter of a query or funnel step. */
export interface QueryFilter {
  field: string;
  operator: Operator;
  value?: unknown;
}

/** What a field is read from: the event's own columns, or its properties. */
export interface FieldSource {
  event_type: string;
  tenant_id: string;
  user_id: string | null;
  properties: Record<string, unknown>;
}

const OWN = new Set(['event_type', 'tenant_id', 'user_id']);

/** A field's name as it is looked up: `properties.x` is `x`. */
export const fieldName = (field: string) =>
  field.startsWith('properties.') ? field.slice('properties.'.length) : field;

/** Whether a field is one of the event's own columns. */
export const isOwnField = (field: string) => OWN.has(field);

/** The value of a field of an event; undefined when absent. */
export function fieldValue(e: FieldSource, field: string): unknown {
  if (field === 'event_type') return e.event_type;
  if (field === 'tenant_id') return e.tenant_id;
  if (field === 'user_id') return e.user_id ?? undefined;
  return e.properties[fieldName(field)];
}

/** A value as a dimension shows it. */
export function dimensionText(v: unknown): string {
  if (v === undefined || v === null) return '(none)';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const asNumber = (v: unknown): number | null => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return null;
};

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const x = asNumber(a);
  const y = asNumber(b);
  if (x !== null && y !== null) return x === y;
  return a !== undefined && a !== null && String(a) === String(b);
}

function order(a: unknown, b: unknown): number | null {
  const x = asNumber(a);
  const y = asNumber(b);
  if (x !== null && y !== null) return x - y;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return null;
}

/** Checks a filter's value fits its operator (VALIDATION_ERROR when not). */
export function checkFilter(f: QueryFilter, where: string): void {
  const list = f.operator === 'in' || f.operator === 'not_in';
  if (list ? !Array.isArray(f.value) : f.value === undefined || typeof f.value === 'object') {
    throw new NotifydError(
      'VALIDATION_ERROR',
      `${where}.value must be ${list ? 'a list' : 'a string, number or boolean'} for ${f.operator}.`,
      { field: `${where}.value` },
    );
  }
}

/** Whether a value passes a filter. */
export function passes(v: unknown, f: QueryFilter): boolean {
  switch (f.operator) {
    case 'eq':
      return same(v, f.value);
    case 'neq':
      return !same(v, f.value);
    case 'in':
      return (f.value as unknown[]).some((x) => same(v, x));
    case 'not_in':
      return !(f.value as unknown[]).some((x) => same(v, x));
    case 'contains':
      if (Array.isArray(v)) return v.some((x) => same(x, f.value));
      return typeof v === 'string' && v.includes(String(f.value));
    default: {
      const c = order(v, f.value);
      if (c === null) return false;
      if (f.operator === 'gt') return c > 0;
      if (f.operator === 'gte') return c >= 0;
      if (f.operator === 'lt') return c < 0;
      return c <= 0;
    }
  }
}

/** Whether an event passes every filter. */
export const passesAll = (e: FieldSource, filters: readonly QueryFilter[]) =>
  filters.every((f) => passes(fieldValue(e, f.field), f));
