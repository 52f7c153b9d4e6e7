/**
 * Listing a tenant's workflow runs, newest first, by cursor (`before`: the last run id of the
 * previous page). Runs are `workflow_run` objects, which the object store lists in creation
 * order, and run ids follow creation order; so a page finds where `before` stands by a binary
 * search on positions, then reads backwards in chunks, keeping the runs that match. One call
 * reads at most SCAN_MAX runs: when the filters match few, a page may come back short with a
 * `next_cursor` to go on from.
 */
import type { ObjectStore, StoredObject } from '../store/types.js';
import type { RunStatus } from './schemas.js';

/** Runs read from the store at once. */
const CHUNK = 200;
/** Runs one call reads at most (a page of rare matches goes on from its cursor). */
export const SCAN_MAX = 5000;

/** Which runs a list keeps. */
export interface RunFilter {
  workflow_id?: string;
  status?: RunStatus;
  recipient_id?: string;
}

/** What a run's document says that a filter reads. */
interface Filtered {
  workflow_id: string;
  status: RunStatus;
  recipient_id: string;
}

const matches = (o: StoredObject, f: RunFilter) => {
  const d = o.data as unknown as Filtered;
  return (
    (f.workflow_id === undefined || d.workflow_id === f.workflow_id) &&
    (f.status === undefined || d.status === f.status) &&
    (f.recipient_id === undefined || d.recipient_id === f.recipient_id)
  );
};

/** One page of a tenant's objects of `kind` (runs), newest first, and where to go on. */
export async function listNewestFirst(
  objects: ObjectStore,
  kind: string,
  tenantId: string,
  query: { filter: RunFilter; before?: string; limit: number },
): Promise<{ items: StoredObject[]; next_cursor: string | null }> {
  const base = { kind, tenants: [tenantId] };
  const { total } = await objects.list({ ...base, limit: 0 });
  const { before, limit, filter } = query;
  let end = before === undefined ? total : await positionOf(objects, base, before, total);
  const found: StoredObject[] = [];
  let scanned = 0;
  let oldest: string | null = null;
  while (end > 0 && found.length <= limit && scanned < SCAN_MAX) {
    const start = Math.max(0, end - CHUNK);
    const { items } = await objects.list({ ...base, offset: start, limit: end - start });
    for (const o of items.reverse()) {
      // Runs purged meanwhile move the positions down: never go back over what was read.
      if ((before !== undefined && o.id >= before) || (oldest !== null && o.id >= oldest)) continue;
      oldest = o.id;
      scanned++;
      if (matches(o, filter)) found.push(o);
      if (found.length > limit) break;
    }
    end = start;
  }
  if (found.length > limit) {
    const page = found.slice(0, limit);
    return { items: page, next_cursor: page[page.length - 1]?.id ?? null };
  }
  return { items: found, next_cursor: end > 0 ? oldest : null };
}

/** How many of the tenant's objects of the kind sort before `id`. */
async function positionOf(
  objects: ObjectStore,
  base: { kind: string; tenants: string[] },
  id: string,
  total: number,
): Promise<number> {
  let lo = 0;
  let hi = total;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const at = (await objects.list({ ...base, offset: mid, limit: 1 })).items[0];
    if (at !== undefined && at.id < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
