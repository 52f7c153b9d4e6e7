import { LuaScript } from '../../../redis/script.js';

/**
 * Appends events with their rollups. ARGV[2] is the count n; ARGV[3..5] the first minute,
 * hour and day buckets to count in (older ones are past retention); then six arguments per
 * event: its member in the event sets (see analytics.ts), tenant, event_id ('' for none),
 * timestamp, its rollup field, and how many occurrences it counts for (1 but for tallied
 * events). An event whose (tenant, event_id) is in `aeid` is skipped; a kept one goes into
 * `aev` and `aev-t:{t}` and adds its occurrences to its field of
 * `aru:{g}:{bucket}` for each granularity whose bucket is not before its cutoff, the bucket
 * listed in `arub:{g}`. Replies 1 (kept) or 0 per event.
 */
export const APPEND_EVENTS = new LuaScript(`
local n = tonumber(ARGV[2])
local sizes = { minute = 60000, hour = 3600000, day = 86400000 }
local from = { minute = tonumber(ARGV[3]), hour = tonumber(ARGV[4]), day = tonumber(ARGV[5]) }
local out = {}
for i = 0, n - 1 do
  local b = 6 + i * 6
  local member, tenant, eid, ts, field = ARGV[b], ARGV[b + 1], ARGV[b + 2], tonumber(ARGV[b + 3]), ARGV[b + 4]
  local times = tonumber(ARGV[b + 5])
  local kept = 1
  if eid ~= '' then
    kept = redis.call('ZADD', k('aeid'), 'NX', ts, esc(tenant) .. ':' .. eid)
  end
  if kept == 1 then
    redis.call('ZADD', k('aev'), 0, member)
    redis.call('ZADD', k('aev-t', tenant), 0, member)
    for g, size in pairs(sizes) do
      local start = ts - (ts % size)
      if start >= from[g] then
        local bucket = string.format('%d', start)
        redis.call('HINCRBY', k('aru', g, bucket), field, times)
        redis.call('ZADD', k('arub', g), bucket, bucket)
      end
    end
  end
  out[#out + 1] = kept
end
return out
`);
