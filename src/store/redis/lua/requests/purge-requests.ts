import { LuaScript } from '../../../../redis/script.js';
import { LUA_UNINDEX_REQUEST } from './put-request.js';

/**
 * Forgets up to ARGV[3] requests (any tenant) created before ARGV[2], with their index
 * entries. Replies how many; the caller repeats while a whole chunk went.
 */
export const PURGE_REQUESTS = new LuaScript(`${LUA_UNINDEX_REQUEST}
local members = redis.call('ZRANGE', k('rq-age'), '-inf', '(' .. ARGV[2], 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[3]))
for _, m in ipairs(members) do
  local tid = cjson.decode(m)
  local t, id = tid[1], tid[2]
  local rk = k('rq', t, id)
  unindex_request(t, rk)
  redis.call('DEL', rk)
  redis.call('ZREM', k('rq-age'), m)
end
return #members
`);
