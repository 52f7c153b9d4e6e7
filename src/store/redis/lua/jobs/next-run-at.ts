import { LuaScript } from '../../../../redis/script.js';

/**
 * The earliest run_at of a scheduled job. ARGV: the lowest score to read (`-inf`, or
 * `(after` for those due after `after`), kinds…. Replies it as a string, or false.
 */
export const NEXT_RUN_AT = new LuaScript(`
local next = nil
for c = 3, #ARGV do
  local first = redis.call('ZRANGEBYSCORE', k('jdue', ARGV[c]), ARGV[2], '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  if first[2] and (next == nil or tonumber(first[2]) < next) then next = tonumber(first[2]) end
end
if next == nil then return false end
return string.format('%d', next)
`);
