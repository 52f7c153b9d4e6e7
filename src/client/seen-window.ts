/**
 * The ids seen most recently, to drop a duplicate: the same notification can come twice,
 * replayed on resume and published live, or from two nodes of a cluster. Bounded, because a
 * duplicate only ever arrives close to the original.
 */
export class SeenWindow {
  private readonly ids = new Set<string>();

  constructor(private readonly size: number) {}

  /** Records `id`; false when it was already seen. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    // A Set iterates in insertion order: the first is the oldest.
    if (this.ids.size > this.size) this.ids.delete(this.ids.values().next().value!);
    return true;
  }
}
