import type { ResolvedLimit } from './resolver.js';
import type { Decision } from './spec.js';

/** One limit's decision, with what it was decided against. */
export interface LimitOutcome {
  limit: ResolvedLimit;
  decision: Decision;
}

/** What the engine decided for one request. */
export interface Verdict {
  /** Exempt by a bypass rule: nothing was counted. */
  bypass: boolean;
  /** Every limit that applied, in the resolver's order. */
  outcomes: LimitOutcome[];
  /** The outcome the answer reports: the refusing one, else the one with least left. */
  tightest: LimitOutcome | null;
  allowed: boolean;
}
