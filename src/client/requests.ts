import type { Deferred } from './deferred.js';
import type { RealtimeError } from './errors.js';

/** Who waits for the server's answer to one frame. */
export interface Waiter {
  /** The answer came: `done`, `pong`, `subscribed`, … with the frame's id. */
  answered(): void;
  /**
   * It failed: `fromServer` when the server answered `error` (its code is the error's);
   * otherwise the session closed first, or no answer came in time.
   */
  failed(error: Error, fromServer: boolean): void;
}

/** A waiter that settles a promise. */
export function waiterOf(d: Deferred<void>): Waiter {
  return { answered: () => d.resolve(), failed: (error) => d.reject(error) };
}

/**
 * Frames sent with an id, waiting for the answer that carries the id back. The server
 * answers every frame that has an id, and answers them in order, but matching by id does
 * not rely on the order.
 */
export class PendingRequests {
  private seq = 0;
  private readonly waiting = new Map<
    string,
    { waiter: Waiter; timer: ReturnType<typeof setTimeout> }
  >();

  /** Registers a frame about to be sent; returns the id to send it with. */
  track(waiter: Waiter, timeoutMs: number, timeoutError: () => Error): string {
    const id = `c${++this.seq}`;
    const timer = setTimeout(() => {
      this.waiting.delete(id);
      waiter.failed(timeoutError(), false);
    }, timeoutMs);
    this.waiting.set(id, { waiter, timer });
    return id;
  }

  /** An answer with `id` came (an `error` one carries `error`); false when it is not ours. */
  settle(id: unknown, error?: RealtimeError): boolean {
    const entry = typeof id === 'string' ? this.waiting.get(id) : undefined;
    if (!entry) return false;
    this.waiting.delete(id as string);
    clearTimeout(entry.timer);
    if (error) entry.waiter.failed(error, true);
    else entry.waiter.answered();
    return true;
  }

  /** The session ended: nothing sent on it will be answered. */
  failAll(error: Error): void {
    const entries = [...this.waiting.values()];
    this.waiting.clear();
    for (const { waiter, timer } of entries) {
      clearTimeout(timer);
      waiter.failed(error, false);
    }
  }
}
