import { RealtimeError } from './errors.js';
import type { CatchUp } from './feed.js';
import { ItemStream } from './item-stream.js';
import { SeenWindow } from './seen-window.js';
import type { Notification } from './types.js';

/**
 * The way from the socket to the app: each notification once, to the listener and to every
 * open loop, oldest first across a catch-up, with the greatest id kept for resuming.
 */
export class NotificationFlow {
  private readonly seen: SeenWindow;
  private readonly streams = new Set<ItemStream<Notification>>();
  /** Notifications that came during a catch-up, delivered after it in id order. */
  private held: Notification[] | null = null;
  /** The greatest id seen. */
  lastId: string | null;

  constructor(
    dedupeWindow: number,
    lastId: string | null,
    private readonly emit: (n: Notification) => void,
  ) {
    this.seen = new SeenWindow(dedupeWindow);
    this.lastId = lastId;
  }

  /** A new loop; an `ended` one is over at once. */
  stream(ended: boolean): ItemStream<Notification> {
    const stream = new ItemStream<Notification>((s) => this.streams.delete(s));
    if (ended) stream.end();
    else this.streams.add(stream);
    return stream;
  }

  receive(n: Notification): void {
    if (!this.seen.add(n.id)) return;
    // Ids sort by time, so the greatest is where a resume starts.
    if (this.lastId === null || n.id > this.lastId) this.lastId = n.id;
    if (this.held) this.held.push(n);
    else this.deliver(n);
  }

  /**
   * Takes in what `fetchMissed` finds. Live notifications wait meanwhile, so that all come
   * out oldest first; nothing is delivered if `current()` says the session is over.
   */
  async catchUp(
    fetchMissed: () => Promise<CatchUp>,
    current: () => boolean,
    report: (error: Error) => void,
  ): Promise<void> {
    // One catch-up at a time: a running one already covers everything after its start.
    if (this.held) return;
    const held: Notification[] = [];
    this.held = held;
    try {
      const { missed, complete } = await fetchMissed();
      if (!current()) return;
      for (const n of missed) this.receive(n);
      if (!complete) {
        report(new RealtimeError('RESUME_INCOMPLETE', 'too many were missed: reload the feed'));
      }
    } catch (err) {
      report(err instanceof Error ? err : new Error(String(err)));
    } finally {
      // After close() and connect() another catch-up may hold its own list by now.
      if (this.held === held) this.held = null;
      if (current()) for (const n of held.sort((a, b) => (a.id < b.id ? -1 : 1))) this.deliver(n);
    }
  }

  /** Ends every loop: normally, or throwing `error`; drops a catch-up under way. */
  end(error?: Error): void {
    this.held = null;
    for (const stream of [...this.streams]) stream.end(error);
  }

  private deliver(n: Notification): void {
    this.emit(n);
    for (const stream of this.streams) stream.push(n);
  }
}
