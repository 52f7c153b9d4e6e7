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
      if (!isNoScript(err)) throw err;
      return client.eval(this.source, 0, prefix, ...args);
    }
  }
}

/**
 * Runs `script` by its SHA1, sending its source when Redis does not know it yet (first use,
 * or after a restart flushed the script cache). The reply is not decoded.
 */
export async function evalBuffer(
  client: Redis,
  script: { sha: string; source: string },
  numKeys: number,
  keysAndArgs: ScriptArg[],
): Promise<unknown> {
  try {
    return await client.callBuffer('EVALSHA', script.sha, numKeys, ...keysAndArgs);
  } catch (err) {
    if (!isNoScript(err)) throw err;
    return client.callBuffer('EVAL', script.source, numKeys, ...keysAndArgs);
  }
}

function isNoScript(err: unknown): boolean {
  return isReplyError(err) && err.message.startsWith('NOSCRIPT');
}
