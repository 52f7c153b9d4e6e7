/**
 * What a workflow's steps mean beyond their schema: ISO 8601 delays and digest windows, the
 * fields a condition may read, where a failed condition may skip to, and how a condition is
 * judged.
 */
import { NotifydError } from '../core/errors.js';
import type { ConditionStep, Step } from './schemas.js';

/** The longest delay a step may ask for. */
const MAX_DELAY_MS = 365 * 86_400_000;

const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * An ISO 8601 duration in weeks, days, hours, minutes and seconds (`PT1H`, `P1D`, `P1DT12H`,
 * `PT90S`) in milliseconds; null when it is not one, is zero, or is over a year. Years and
 * months are refused: their length depends on the date.
 */
export function durationMs(text: string): number | null {
  const m = DURATION.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return null;
  const [w, d, h, min, s] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v)));
  const ms = ((((w * 7 + d) * 24 + h) * 60 + min) * 60 + s) * 1000;
  return ms > 0 && ms <= MAX_DELAY_MS ? Math.round(ms) : null;
}

const NOTIFICATION_FIELDS = ['read', 'dismissed', 'actioned', 'action_id'];

/** Whether a condition may read `field`. */
function knownField(field: string): boolean {
  if (field.startsWith('payload.')) return field.length > 'payload.'.length;
  if (field === 'digest.count') return true;
  const [head, name, ...rest] = field.split('.');
  return head === 'notification' && rest.length === 0 && NOTIFICATION_FIELDS.includes(name ?? '');
}

/** Problems of a step list (beyond its schema): 400 VALIDATION_ERROR naming each. */
export function checkSteps(steps: readonly Step[]): void {
  const issues: Array<{ field: string; message: string }> = [];
  steps.forEach((step, i) => {
    const at = `steps.${i}`;
    if (step.type === 'send') {
      if (!step.template === !step.content)
        issues.push({ field: at, message: 'a send step takes a template or inline content' });
    } else if (step.type === 'delay') {
      if (durationMs(step.duration) === null)
        issues.push({
          field: `${at}.duration`,
          message: `not an ISO 8601 duration of at most 365 days (PT1H, P1D, P1DT12H): ${step.duration}`,
        });
    } else if (step.type === 'digest') {
      if (durationMs(step.window) === null)
        issues.push({
          field: `${at}.window`,
          message: `not an ISO 8601 duration of at most 365 days (PT10M, PT1H, P1D): ${step.window}`,
        });
      if (step.key !== undefined && !/^payload\.[^.]+(\.[^.]+)*$/.test(step.key))
        issues.push({
          field: `${at}.key`,
          message: `a digest key is payload.<path> (payload.post_id): ${step.key}`,
        });
    } else {
      if (!knownField(step.field))
        issues.push({
          field: `${at}.field`,
          message: `unknown field ${step.field}: notification.${NOTIFICATION_FIELDS.join('|')}, digest.count or payload.<path>`,
        });
      if (step.operator !== 'exists' && step.value === undefined)
        issues.push({ field: `${at}.value`, message: `operator ${step.operator} needs a value` });
      const skip = step.on_fail;
      if (skip && skip !== 'stop' && (skip.skip_to <= i || skip.skip_to >= steps.length))
        issues.push({
          field: `${at}.on_fail.skip_to`,
          message: `step index out of range: ${skip.skip_to} (a later step, ${i + 1} to ${steps.length - 1})`,
        });
    }
  });
  if (issues.length > 0) throw new NotifydError('VALIDATION_ERROR', issues[0]?.message, { issues });
}

/** What a condition reads: the run's payload, its notifications, its closed digest. */
export interface ConditionFacts {
  payload: Record<string, unknown>;
  notification: Record<string, unknown> | null;
  digest?: Record<string, unknown> | null;
}

function lookup(facts: ConditionFacts, field: string): unknown {
  const [head, ...path] = field.split('.');
  let v: unknown =
    head === 'payload' ? facts.payload : head === 'digest' ? facts.digest : facts.notification;
  for (const part of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** Whether a condition holds. */
export function holds(step: ConditionStep, facts: ConditionFacts): boolean {
  const v = lookup(facts, step.field);
  const want = step.value;
  switch (step.operator) {
    case 'exists':
      return v !== undefined && v !== null;
    case 'equals':
      return v === want;
    case 'not_equals':
      return v !== want;
    case 'gt':
    case 'lt': {
      if (typeof v !== typeof want || (typeof v !== 'number' && typeof v !== 'string'))
        return false;
      const a = v as number | string;
      const b = want as number | string;
      return step.operator === 'gt' ? a > b : a < b;
    }
  }
}
