import { LuaScript } from '../../../redis/script.js';

/**
 * A script that forgets up to ARGV[3] keys expired at or before ARGV[2], found by their
 * expiry index `index` (a sorted set of key names by expiry; never by scanning keys), and
 * replies how many it forgot. Run it in chunks (chunks.ts).
 */
export function purgeByExpiry(index: string): LuaScript {
  return new LuaScript(`
local index = k('${index}')
local expired = redis.call('ZRANGE', index, '-inf', ARGV[2], 'BYSCORE', 'LIMIT', 0, ARGV[3])
for _, key in ipairs(expired) do
  redis.call('DEL', key)
  redis.call('ZREM', index, key)
end
return #expired
`);
}
