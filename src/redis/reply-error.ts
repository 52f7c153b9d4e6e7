import { ioredis } from './load.js';

/**
 * Whether `err` is an error reply from Redis (as opposed to a lost connection or a timeout).
 * ioredis types its ReplyError export as `any`, so instanceof alone would not narrow.
 */
export function isReplyError(err: unknown): err is Error {
  return err instanceof Error && err instanceof ioredis().ReplyError;
}
