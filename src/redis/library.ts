import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { isReplyError } from './reply-error.js';
import { evalBuffer, type ScriptArg } from './script.js';

/** How a client runs a library: as Redis functions, or as scripts where it cannot load them. */
export type LibraryMode = 'functions' | 'scripts';

/**
 * A Lua library for a hot path: helpers defined once at its top level and functions that
 * take (KEYS, ARGV), called by name with their keys declared.
 *
 * On Redis 7 and later it is loaded as a function library (FUNCTION LOAD once per server,
 * then FCALL), so its top level runs once per load, not on every call as a script's does.
 * Where functions cannot be loaded (Redis 6, or an ACL that forbids FUNCTION), each function
 * runs as a script that defines the helpers and calls it: the same code, only slower.
 *
 * The library's name carries a hash of its code, so nodes of two versions sharing a Redis
 * during an upgrade each call their own; a version's library stays loaded after it is gone.
 */
export class LuaLibrary<F extends string> {
  /** `{name}_{hash}`; each function is registered as `{library}_{function}`. */
  readonly library: string;
  private readonly code: string;
  private readonly scripts: Record<string, { source: string; sha: string }> = {};
  private readonly functionNames: Record<string, string> = {};
  private readonly modes = new WeakMap<Redis, Promise<LibraryMode>>();
  /** The modes settled so far, read without waiting on every call. */
  private readonly settled = new WeakMap<Redis, LibraryMode>();

  constructor(name: string, functions: readonly F[], body: string) {
    this.library = `${name}_${sha1(body).slice(0, 12)}`;
    const registrations = functions.map(
      (fn) => `redis.register_function('${this.library}_${fn}', ${fn})`,
    );
    this.code = `#!lua name=${this.library}\n${body}\n${registrations.join('\n')}\n`;
    for (const fn of functions) {
      this.functionNames[fn] = `${this.library}_${fn}`;
      const source = `${body}\nreturn ${fn}(KEYS, ARGV)\n`;
      this.scripts[fn] = { source, sha: sha1(source) };
    }
  }

  /** Calls `fn` with `keys` and `args`; resolves to its reply undecoded (a Buffer for text). */
  callBuffer(
    client: Redis,
    fn: F,
    keys: string[],
    args: ScriptArg[],
    reloaded = false,
  ): Promise<unknown> {
    // The hot path, once the mode is known: one command and no further promise.
    const mode = this.settled.get(client);
    if (mode === 'functions') {
      return this.fcall(client, fn, keys, args).catch((err: unknown) => {
        // Gone since it was loaded: Redis restarted without persistence, or FUNCTION FLUSH.
        const lost = isReplyError(err) && /function not found/i.test(err.message);
        if (!lost || reloaded) throw err;
        this.modes.delete(client);
        this.settled.delete(client);
        return this.callBuffer(client, fn, keys, args, true);
      });
    }
    if (mode === 'scripts') return this.evalBuffer(client, fn, keys, args);
    return this.mode(client).then(() => this.callBuffer(client, fn, keys, args, reloaded));
  }

  private fcall(client: Redis, fn: F, keys: string[], args: ScriptArg[]): Promise<unknown> {
    return client.callBuffer('FCALL', this.functionNames[fn], keys.length, ...keys, ...args);
  }

  /**
   * How `client` runs the library: loads it on first use (or again after it was lost) and
   * settles on scripts where the server refuses to load it. `prefer` sets the mode without
   * asking the server (tests use it to run the scripts on a server that has functions).
   */
  mode(client: Redis, prefer?: LibraryMode): Promise<LibraryMode> {
    if (prefer) {
      this.modes.set(client, Promise.resolve(prefer));
      this.settled.set(client, prefer);
    }
    let mode = this.modes.get(client);
    if (!mode) {
      mode = this.load(client);
      this.modes.set(client, mode);
      mode.then(
        (settled) => this.settled.set(client, settled),
        // A lost connection decides nothing: the next call asks again.
        () => this.modes.delete(client),
      );
    }
    return mode;
  }

  private async load(client: Redis): Promise<LibraryMode> {
    try {
      await client.call('FUNCTION', 'LOAD', 'REPLACE', this.code);
      return 'functions';
    } catch (err) {
      if (isReplyError(err)) return 'scripts';
      throw err;
    }
  }

  private evalBuffer(client: Redis, fn: F, keys: string[], args: ScriptArg[]): Promise<unknown> {
    const script = this.scripts[fn] as { source: string; sha: string };
    return evalBuffer(client, script, keys.length, [...keys, ...args]);
  }
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}
