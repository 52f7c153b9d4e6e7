import type { Redis } from 'ioredis';
import { isReplyError } from '../../redis/reply-error.js';
import type { LuaScript, ScriptArg } from '../../redis/script.js';
import { StoreConflictError, storeUnavailable } from '../errors.js';
import { KeyNames } from './key-names.js';

/**
 * Calls whose commands share one write under load. Batches of 1, 4, 8 and 16 were measured
 * at 4 to 256 calls in flight (BENCHMARKS.md, session 4): 4 and 8 did best; 16 left Redis
 * idle while the node prepared the batch.
 */
const WRITE_BATCH = 4;

/** The part of a socket that holds writes back. */
interface Corkable {
  cork(): void;
  uncork(): void;
}

/** How scripts report an id collision: `redis.error_reply(CONFLICT .. message)`. */
export const CONFLICT = 'CONFLICT ';

/**
 * Replies that mean Redis cannot serve now (loading, busy, a replica, out of memory), not
 * that the call is wrong.
 */
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|OOM|TRYAGAIN|NOREPLICAS)\b/;

/**
 * The client shared by every part of the adapter, whether the store is still open, and the
 * calls still in flight, which close() waits for before it lets the client go.
 */
export class RedisHandle {
  readonly names: KeyNames;
  private closed = false;
  /** Calls not yet settled, and what close() waits on to hear the last one settle. */
  private pending = 0;
  private drained: (() => void) | null = null;
  private draining: Promise<void> | null = null;
  /** Calls started in this tick, and the socket corked for those after the first. */
  private tickCalls = 0;
  private corked: Corkable | null = null;

  constructor(
    readonly client: Redis,
    prefix: string,
  ) {
    this.names = new KeyNames(prefix);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Runs one store call on the client, translating its errors; refused once closed. */
  run<T>(work: (client: Redis) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(storeUnavailable());
    this.coalesceWrites();
    const call = work(this.client);
    this.pending++;
    return call.then(
      (value) => {
        this.settled();
        return value;
      },
      (err: unknown) => {
        this.settled();
        throw translateError(err);
      },
    );
  }

  private settled(): void {
    if (--this.pending === 0 && this.drained) this.drained();
  }

  /**
   * Coalesces the writes of calls started in one tick. The first call's command leaves at
   * once, so a lone call waits for nothing; the socket is then corked for the rest of the
   * tick, and every WRITE_BATCH calls after it leave in one write. Under load the calls of
   * one batch of replies (their continuations) then cost a system call per batch, not one
   * each, which cuts the CPU a call costs on both sides by about a quarter; Redis still
   * starts on the first commands while the rest are being prepared.
   */
  private coalesceWrites(): void {
    if (this.tickCalls++ === 0) {
      process.nextTick(() => {
        this.tickCalls = 0;
        const corked = this.corked;
        this.corked = null;
        corked?.uncork();
      });
      return;
    }
    if (this.corked) {
      // This call's command is not written yet: the WRITE_BATCH before it leave together.
      if (this.tickCalls % WRITE_BATCH === 1) {
        this.corked.uncork();
        this.corked.cork();
      }
      return;
    }
    const stream = (this.client as { stream?: Partial<Corkable> }).stream;
    if (typeof stream?.cork !== 'function' || typeof stream.uncork !== 'function') return;
    this.corked = stream as Corkable;
    this.corked.cork();
  }

  /** Runs a script within a call already started by run(). */
  script(script: LuaScript, args: ScriptArg[]): Promise<unknown> {
    return script.run(this.client, this.names.prefix, args);
  }

  /** Refuses new calls and resolves once those in flight have settled. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.pending === 0) return;
    this.draining ??= new Promise<void>((resolve) => {
      this.drained = resolve;
    });
    await this.draining;
  }
}

/**
 * Maps a client error to notifyd's: a script's CONFLICT becomes StoreConflictError; a lost
 * or refused connection, a timeout, or a reply saying Redis cannot serve becomes
 * STORE_UNAVAILABLE. Other replies (a bug in a script or a wrong type) pass through, as do
 * errors of our own code.
 */
export function translateError(err: unknown): unknown {
  if (isReplyError(err)) {
    if (err.message.startsWith(CONFLICT)) {
      return new StoreConflictError(err.message.slice(CONFLICT.length), { cause: err });
    }
    return UNAVAILABLE_REPLY.test(err.message) ? storeUnavailable(err) : err;
  }
  // A bug in our own code is not an outage; ioredis reports connection trouble as Error.
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError) {
    return err;
  }
  return storeUnavailable(err);
}
