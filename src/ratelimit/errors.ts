/** The rate limiter's error codes; `core/errors.ts` joins them into ERRORS. */
import type { ErrorCatalogue } from '../core/error-spec.js';

export const RATELIMIT_ERRORS = {
  POLICY_NOT_FOUND: { status: 404, message: 'No such rate-limit policy.' },
  RULE_NOT_FOUND: { status: 404, message: 'No such rate-limit rule.' },
  PLAN_NOT_FOUND: { status: 404, message: 'No such plan.' },
  PLAN_ASSIGNMENT_NOT_FOUND: { status: 404, message: 'No such plan assignment.' },
  BYPASS_NOT_FOUND: { status: 404, message: 'No such rate-limit bypass.' },
  ADJUSTMENT_NOT_FOUND: { status: 404, message: 'No such active rate-limit adjustment.' },
  COST_NOT_FOUND: { status: 404, message: 'No such endpoint cost.' },
  POLICY_IN_USE: { status: 409, message: 'The policy is used by a rule or a plan.' },
  RULE_CONFLICT: {
    status: 409,
    message: 'An enabled rule with the same target, match, conditions and priority exists.',
  },
  ADJUSTMENT_ACTIVE: { status: 409, message: 'The rule already has an active adjustment.' },
  RATE_LIMIT_EXCEEDED: { status: 429, message: 'Too many requests; retry later.' },
} as const satisfies ErrorCatalogue;
