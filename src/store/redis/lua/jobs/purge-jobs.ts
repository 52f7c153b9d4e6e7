import { LuaScript } from '../../../../redis/script.js';

/**
 * Forgets up to ARGV[3] settled jobs updated before ARGV[2] and their index entries.
 * Replies how many; the caller repeats while a whole chunk went.
 */
export const PURGE_JOBS = new LuaScript(`
local ids = redis.call('ZRANGE', k('jend'), '-inf', '(' .. ARGV[2], 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  local h = redis.call('HMGET', k('job', id), 'tenant_id', 'kind')
  if h[1] then
    redis.call('ZREM', k('jobs-t', h[1]), id)
    redis.call('ZREM', k('jfail', h[2]), id)
  end
  redis.call('DEL', k('job', id))
  redis.call('ZREM', k('jend'), id)
end
return #ids
`);
