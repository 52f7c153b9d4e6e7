import { LuaScript } from '../../../redis/script.js';
import { LUA_HASHES_OF } from './fragments.js';

/**
 * Stores a new API key with its hash index and its places in the creation-ordered lists.
 * ARGV: id, hash, created_at, tenant ('' with ARGV[6] = '0' when none), has-tenant flag,
 * fields…. Refuses a taken id or hash with CONFLICT, writing nothing.
 */
export const CREATE_KEY = new LuaScript(`
local id, hash, created = ARGV[2], ARGV[3], ARGV[4]
local kk = k('apikey', id)
if redis.call('EXISTS', kk) == 1 or redis.call('HEXISTS', k('apikey-hash'), hash) == 1 then
  return redis.error_reply('CONFLICT An API key with this id or hash already exists.')
end
redis.call('HSET', kk, unpack(ARGV, 7))
redis.call('HSET', k('apikey-hash'), hash, id)
redis.call('ZADD', k('apikeys'), created, id)
if ARGV[6] == '1' then redis.call('ZADD', k('apikeys-t', ARGV[5]), created, id) end
return 1
`);

/** ARGV: id, at. Replies 1 when it revoked a key that was not revoked yet. */
export const REVOKE_KEY = new LuaScript(`
local kk = k('apikey', ARGV[2])
if redis.call('EXISTS', kk) == 0 or redis.call('HEXISTS', kk, 'revoked_at') == 1 then return 0 end
redis.call('HSET', kk, 'revoked_at', ARGV[3])
return 1
`);

/** ARGV: id, at. Records the last use of a key that exists (never creates a stray hash). */
export const TOUCH_KEY = new LuaScript(`
local kk = k('apikey', ARGV[2])
if redis.call('EXISTS', kk) == 0 then return 0 end
redis.call('HSET', kk, 'last_used_at', ARGV[3])
return 1
`);

/** Keys of one creation-ordered list (ARGV: its key), oldest first, as flat hashes. */
export const LIST_KEYS = new LuaScript(`${LUA_HASHES_OF}
return hashes_of({}, ARGV[2], 'apikey')
`);
