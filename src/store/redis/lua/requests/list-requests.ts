import { LuaScript } from '../../../../redis/script.js';

/**
 * A tenant's requests, newest first. ARGV: tenant, index ('s' every request, 'r' a
 * recipient's, 't' a topic's), its recipient or topic ('' for 's'), max and min (ZRANGEBYLEX
 * bounds over sort keys: the cursor or created_before, created_after), status ('' any), type
 * ('' any), limit, most entries read. Walks the index down from max in chunks, keeping the
 * requests that match. Replies their JSON, then the sort key to continue below ('' at the
 * end): the last one kept when one more matched, or the last one read when the reading
 * stopped at its bound.
 */
export const LIST_REQUESTS = new LuaScript(`
local t, which, part = ARGV[2], ARGV[3], ARGV[4]
local max, min, status, rtype = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local limit, most = tonumber(ARGV[9]), tonumber(ARGV[10])
local index = k('rqs', t)
if which == 'r' then index = k('rqr', t, part) elseif which == 't' then index = k('rqt', t, part) end
local out, read, next, last = {}, 0, '', ''
while true do
  local sks = redis.call('ZREVRANGEBYLEX', index, max, min, 'LIMIT', 0, 200)
  if #sks == 0 then break end
  for _, sk in ipairs(sks) do
    local id = string.sub(sk, 17)
    local json = redis.call('HGET', k('rq', t, id), 'json')
    read = read + 1
    if json then
      local r = cjson.decode(json)
      if (status == '' or r.status == status) and (rtype == '' or r.type == rtype) then
        if #out == limit then
          next = last
          break
        end
        out[#out + 1] = json
        last = sk
      end
    end
    if read >= most then
      next = sk
      break
    end
  end
  if next ~= '' then break end
  max = '(' .. sks[#sks]
end
out[#out + 1] = next
return out
`);
