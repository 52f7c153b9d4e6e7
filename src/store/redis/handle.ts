import type { Redis } from 'ioredis';
import { StoreConflictError, storeUnavailable } from '../errors.js';
import { KeyNames } from './key-names.js';
import { isReplyError } from './reply-error.js';
import type { LuaScript, ScriptArg } from './script.js';

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
  private readonly inflight = new Set<Promise<unknown>>();

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
    const call = work(this.client).catch((err: unknown) => {
      throw translateError(err);
    });
    this.inflight.add(call);
    const forget = () => this.inflight.delete(call);
    call.then(forget, forget);
    return call;
  }

  /** Runs a script within a call already started by run(). */
  script(script: LuaScript, args: ScriptArg[]): Promise<unknown> {
    return script.run(this.client, this.names.prefix, args);
  }

  /** Refuses new calls and resolves once those in flight have settled. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inflight]);
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
