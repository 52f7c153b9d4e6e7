import { LuaScript } from '../../../../redis/script.js';

/**
 * A tenant's jobs, newest first. ARGV: tenant, kind ('' any), status ('' any), before
 * ('' none), limit. Walks the tenant's ids down from `before` in chunks, keeping those that
 * match, until `limit` are found. Replies their hashes, flat.
 */
export const LIST_JOBS = new LuaScript(`
local tenant, kind, status, before, limit = ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
local index = k('jobs-t', tenant)
local out = {}
local max = '+'
if before ~= '' then max = '(' .. before end
while #out < limit do
  local ids = redis.call('ZREVRANGEBYLEX', index, max, '-', 'LIMIT', 0, 200)
  if #ids == 0 then break end
  for _, id in ipairs(ids) do
    local h = redis.call('HMGET', k('job', id), 'kind', 'status')
    if (kind == '' or h[1] == kind) and (status == '' or h[2] == status) then
      out[#out + 1] = redis.call('HGETALL', k('job', id))
      if #out == limit then break end
    end
  end
  max = '(' .. ids[#ids]
end
return out
`);
