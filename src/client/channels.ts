import { type Deferred, deferred } from './deferred.js';
import { RealtimeError } from './errors.js';

// The server's CHANNEL_PATTERN (src/server/realtime/protocol.ts), copied so that the client
// does not import server code; a test checks they agree. Checked here because the server's
// VALIDATION_ERROR for a bad name does not say which channel it was about.
const CHANNEL = /^[A-Za-z0-9_.:-]{1,128}$/;

export function validChannel(name: string): boolean {
  return CHANNEL.test(name);
}

/**
 * The named channels the client wants, kept across reconnections so that each new session
 * subscribes to them again, with the callers still waiting for the server to confirm.
 */
export class ChannelSet {
  private readonly wanted = new Map<string, Deferred<void>[]>();
  private readonly leaving = new Map<string, Deferred<void>[]>();

  /** Wants `channel`; the promise settles when the server confirms or refuses it. */
  add(channel: string): Promise<void> {
    const d = deferred();
    const waiters = this.wanted.get(channel) ?? [];
    waiters.push(d);
    this.wanted.set(channel, waiters);
    return d.promise;
  }

  /** Stops wanting `channel`; the promise settles when the server confirms, or now. */
  remove(channel: string, waitForServer: boolean): Promise<void> {
    for (const d of this.wanted.get(channel) ?? []) {
      d.reject(
        new RealtimeError('UNSUBSCRIBED', `unsubscribed from ${channel} before it was confirmed`),
      );
    }
    this.wanted.delete(channel);
    if (!waitForServer) return Promise.resolve();
    const d = deferred();
    this.leaving.set(channel, [...(this.leaving.get(channel) ?? []), d]);
    return d.promise;
  }

  /** Every channel to subscribe to on a new session. */
  names(): string[] {
    return [...this.wanted.keys()];
  }

  /** The server said `subscribed`. */
  confirmed(channel: string): void {
    const waiters = this.wanted.get(channel);
    if (!waiters) return;
    for (const d of waiters) d.resolve();
    this.wanted.set(channel, []);
  }

  /** The server said `unsubscribed`. */
  left(channel: string): void {
    for (const d of this.leaving.get(channel) ?? []) d.resolve();
    this.leaving.delete(channel);
  }

  /**
   * A subscribe frame got no answer (the session closed, or it timed out): its callers
   * hear why, and the channel stays wanted, so the next session subscribes again.
   */
  interrupted(channel: string, error: Error): void {
    const waiters = this.wanted.get(channel);
    if (!waiters) return;
    for (const d of waiters) d.reject(error);
    this.wanted.set(channel, []);
  }

  /** The server refused to unsubscribe (e.g. a malformed name), or did not answer in time. */
  leaveFailed(channel: string, error: Error): void {
    for (const d of this.leaving.get(channel) ?? []) d.reject(error);
    this.leaving.delete(channel);
  }

  /** The server refused `channel`: stop wanting it. */
  refused(channel: string, error: Error): void {
    for (const d of this.wanted.get(channel) ?? []) d.reject(error);
    this.wanted.delete(channel);
  }

  /**
   * The session ended. An unsubscribe is done (a new session starts without the channel);
   * a subscribe waits for the next session, or fails with `error` when there is none.
   */
  disconnected(error?: Error): void {
    for (const channel of [...this.leaving.keys()]) this.left(channel);
    if (!error) return;
    for (const waiters of this.wanted.values()) for (const d of waiters) d.reject(error);
    for (const channel of this.wanted.keys()) this.wanted.set(channel, []);
  }
}
