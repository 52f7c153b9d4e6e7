import type { Stored } from '../objects/repository.js';
import { envelopeOf } from '../objects/schemas.js';
import type {
  AdjustmentData,
  AssignmentData,
  BypassData,
  CostData,
  PlanData,
  PolicyData,
  RuleData,
} from './schemas.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
const envelope = envelopeOf;

/** What the API answers for each kind: the document with its envelope, times as ISO text. */
export const views = {
  policy: (o: Stored<PolicyData>) => ({ ...envelope(o), ...o.data }),
  rule: (o: Stored<RuleData>) => ({ ...envelope(o), ...o.data }),
  plan: (o: Stored<PlanData>) => ({ ...envelope(o), ...o.data }),
  assignment: (o: Stored<AssignmentData>) => ({ ...envelope(o), ...o.data }),
  bypass: (o: Stored<BypassData>) => ({
    ...envelope(o),
    ...o.data,
    expires_at: isoOrNull(o.data.expires_at),
  }),
  adjustment: (o: Stored<AdjustmentData>, now: number) => ({
    ...envelope(o),
    ...o.data,
    expires_at: iso(o.data.expires_at),
    reverted_at: isoOrNull(o.data.reverted_at),
    active: adjustmentActive(o.data, now),
  }),
  cost: (o: Stored<CostData>) => ({ ...envelope(o), ...o.data }),
};

/** An adjustment is in force until it expires or is reverted. */
export function adjustmentActive(a: AdjustmentData, now: number): boolean {
  return a.reverted_at === null && a.expires_at > now;
}
