import { LuaScript } from '../../../../redis/script.js';

/** The earliest run_at of a scheduled job. ARGV: kinds…. Replies it as a string, or false. */
export const NEXT_RUN_AT = new LuaScript(`
local next = nil
for c = 2, #ARGV do
  local first = redis.call('ZRANGE', k('jdue', ARGV[c]), 0, 0, 'WITHSCORES')
  if first[2] and (next == nil or tonumber(first[2]) < next) then next = tonumber(first[2]) end
end
if next == nil then return false end
return string.format('%d', next)
`);
