import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LUA_KEY_NAMES } from './key-names.js';
import { isReplyError } from './reply-error.js';

/** What scripts take as arguments: Redis receives every one as a string. */
export type ScriptArg = string | number | Buffer;

/**
 * A Lua script run with EVALSHA, falling back to EVAL when Redis does not know it yet (first
 * use, or after a restart flushed the script cache). We do not use ioredis' defineCommand:
 * it would add commands to a client the caller may have passed in and shares.
 */
export class LuaScript {
  readonly source: string;
  readonly sha: string;

  /** `body` may use `k(kind, part…)` and `P` (the prefix, ARGV[1]); see key-names.ts. */
  constructor(body: string) {
    this.source = LUA_KEY_NAMES + body;
    this.sha = createHash('sha1').update(this.source).digest('hex');
  }

  /** Runs the script with the prefix as ARGV[1] and `args` after it. No KEYS are passed. */
  async run(client: Redis, prefix: string, args: ScriptArg[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, 0, prefix, ...args);
    } catch (err) {
      if (!(isReplyError(err) && err.message.startsWith('NOSCRIPT'))) throw err;
      return client.eval(this.source, 0, prefix, ...args);
    }
  }

  /** run(), for a script that replies binary data: the reply as a Buffer, not decoded. */
  async runBuffer(client: Redis, prefix: string, args: ScriptArg[]): Promise<unknown> {
    try {
      return await client.callBuffer('EVALSHA', this.sha, 0, prefix, ...args);
    } catch (err) {
      if (!(isReplyError(err) && err.message.startsWith('NOSCRIPT'))) throw err;
      return client.callBuffer('EVAL', this.source, 0, prefix, ...args);
    }
  }
}
