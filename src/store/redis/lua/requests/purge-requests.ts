import { LuaScript } from '../../../../redis/script.js';

/**
 * Forgets up to ARGV[3] requests (any tenant) created before ARGV[2], with their index
 * entries. Replies how many; the caller repeats while a whole chunk went.
 */
export const PURGE_REQUESTS = new LuaScript(`
local members = redis.call('ZRANGE', k('rq-age'), '-inf', '(' .. ARGV[2], 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[3]))
for _, m in ipairs(members) do
  local tid = cjson.decode(m)
  local t, id = tid[1], tid[2]
  local rk = k('rq', t, id)
  local h = redis.call('HMGET', rk, 'sk', 'recipient', 'topic')
  if h[1] then
    redis.call('ZREM', k('rqs', t), h[1])
    if h[2] and h[2] ~= '' then redis.call('ZREM', k('rqr', t, h[2]), h[1]) end
    if h[3] and h[3] ~= '' then redis.call('ZREM', k('rqt', t, h[3]), h[1]) end
  end
  redis.call('DEL', rk)
  redis.call('ZREM', k('rq-age'), m)
end
return #members
`);
