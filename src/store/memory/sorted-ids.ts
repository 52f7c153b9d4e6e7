import { entryOf } from './maps.js';

/**
 * Ids kept in ascending order. Time-ordered ids almost always arrive in order, so adding
 * one is usually a push; the binary search handles the rest.
 */
export class SortedIds {
  private readonly ids: string[] = [];

  /** Adds an id at its place in the order. */
  add(id: string): void {
    const last = this.ids[this.ids.length - 1];
    if (last === undefined || last < id) {
      this.ids.push(id);
      return;
    }
    this.ids.splice(this.lowerBound(id), 0, id);
  }

  /** Ids lower than `before` (all when absent), highest first. */
  *descending(before?: string): Generator<string> {
    const end = before === undefined ? this.ids.length : this.lowerBound(before);
    for (let i = end - 1; i >= 0; i--) yield this.ids[i];
  }

  /** Ids greater than `after` and lower than `before` (when given), lowest first. */
  *ascendingAfter(after: string, before?: string): Generator<string> {
    const end = before === undefined ? this.ids.length : this.lowerBound(before);
    let i = this.lowerBound(after);
    if (this.ids[i] === after) i++;
    for (; i < end; i++) yield this.ids[i];
  }

  /** Removes an id; false when it was not there. */
  delete(id: string): boolean {
    const i = this.lowerBound(id);
    if (this.ids[i] !== id) return false;
    this.ids.splice(i, 1);
    return true;
  }

  /** How many ids it holds. */
  get size(): number {
    return this.ids.length;
  }

  /** Every id, lowest first. */
  ascending(): readonly string[] {
    return this.ids;
  }

  /** The position of the first id not lower than `id`. */
  private lowerBound(id: string): number {
    let lo = 0;
    let hi = this.ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ids[mid] < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Returns the list under `key`, creating it when missing. */
export function sortedIdsOf(map: Map<string, SortedIds>, key: string): SortedIds {
  return entryOf(map, key, () => new SortedIds());
}
