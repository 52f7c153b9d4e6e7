/** The rate limiter's error codes; `core/errors.ts` joins them into ERRORS. */
import { errorsByStatus } from '../core/error-spec.js';

export const RATELIMIT_ERRORS = errorsByStatus({
  404: {
    POLICY_NOT_FOUND: 'No such rate-limit policy.',
    RULE_NOT_FOUND: 'No such rate-limit rule.',
    PLAN_NOT_FOUND: 'No such plan.',
    PLAN_ASSIGNMENT_NOT_FOUND: 'No such plan assignment.',
    BYPASS_NOT_FOUND: 'No such rate-limit bypass.',
    ADJUSTMENT_NOT_FOUND: 'No such active rate-limit adjustment.',
    COST_NOT_FOUND: 'No such endpoint cost.',
  },
  409: {
    POLICY_IN_USE: 'The policy is used by a rule or a plan.',
    RULE_CONFLICT: 'An enabled rule with the same target, match, conditions and priority exists.',
    ADJUSTMENT_ACTIVE: 'The rule already has an active adjustment.',
  },
  422: {
    COST_EXCEEDS_LIMIT:
      "The request's cost is more than a limit that applies ever allows in one request; details name the policy and its limit.",
  },
  429: {
    RATE_LIMIT_EXCEEDED: 'Too many requests; retry later.',
  },
});
