import type { Stored } from '../objects/repository.js';
import { envelopeOf } from '../objects/schemas.js';
import type { AdjustmentData, BypassData } from './schemas.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
const envelope = envelopeOf;

/** The view of a kind that answers its document as stored, with the envelope. */
const plain = <D extends object>(o: Stored<D>) => ({ ...envelope(o), ...o.data });

/** What the API answers for each kind: the document with its envelope, times as ISO text. */
export const views = {
  policy: plain,
  rule: plain,
  plan: plain,
  assignment: plain,
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
  cost: plain,
};

/** An adjustment is in force until it expires or is reverted. */
export function adjustmentActive(a: AdjustmentData, now: number): boolean {
  return a.reverted_at === null && a.expires_at > now;
}
