import type { Notification, UnreadSummary } from './types.js';

/**
 * The user's unread counts as the session last heard them, for `onUnreadCountChange`:
 * set by every frame that carries counts, and moved by one for each new unread
 * notification in between (frames of a new notification carry none).
 */
export class UnreadTracker {
  private current: UnreadSummary | null = null;
  private sets = 0;

  constructor(private readonly emit: (counts: UnreadSummary) => void) {}

  /** The counts last heard, or null before any. */
  get counts(): UnreadSummary | null {
    return this.current;
  }

  set(counts: UnreadSummary): void {
    this.current = counts;
    this.sets++;
    this.emit(counts);
  }

  /**
   * Sets `counts` fetched by a request made at `since` (see `stamp`), unless fresher counts
   * came meanwhile: a frame that carried counts, or a new notification, outranks an HTTP
   * answer that may have been read before them.
   */
  setUnlessNewer(counts: UnreadSummary, since: number): void {
    if (this.sets === since) this.set(counts);
  }

  /** A stamp to pass to setUnlessNewer: how many times counts have been set so far. */
  get stamp(): number {
    return this.sets;
  }

  /** A new notification arrived: one more unread, once counts are known. */
  arrived(n: Notification): void {
    if (!this.current || n.read || n.dismissed) return;
    const bump = (m: Record<string, number>, key: string) => ({ ...m, [key]: (m[key] ?? 0) + 1 });
    this.set({
      unread_count: this.current.unread_count + 1,
      unread_by_category: bump(this.current.unread_by_category, n.category),
      unread_by_priority: bump(this.current.unread_by_priority, n.priority),
    });
  }
}
