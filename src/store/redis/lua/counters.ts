import { LuaScript } from '../../../redis/script.js';
import { purgeByExpiry } from './purge.js';

/**
 * Adds ARGV[3] to counter ARGV[2] at time ARGV[5]; a counter that is absent or expired at
 * that time starts again, expiring ARGV[4] ms later. Expiry is judged against the caller's
 * `now`, stored in the hash; the key's TTL (the same ttl, counted by Redis from now) and the
 * expiry index only let Redis and purgeExpired clean up. Replies the new value as a string,
 * since Redis would truncate a Lua number to an integer.
 */
export const INCREMENT = new LuaScript(`
local ck = k('ctr', ARGV[2])
local now = tonumber(ARGV[5])
local expires = redis.call('HGET', ck, 'expires_at')
if expires and tonumber(expires) > now then
  return redis.call('HINCRBYFLOAT', ck, 'value', ARGV[3])
end
local expiresAt = string.format('%d', now + tonumber(ARGV[4]))
redis.call('HSET', ck, 'value', ARGV[3], 'expires_at', expiresAt)
redis.call('PEXPIRE', ck, ARGV[4])
redis.call('ZADD', k('ctr-exp'), expiresAt, ck)
return ARGV[3]
`);

/** Forgets up to ARGV[3] counters expired at or before ARGV[2]; replies how many. */
export const PURGE_COUNTERS = purgeByExpiry('ctr-exp');
