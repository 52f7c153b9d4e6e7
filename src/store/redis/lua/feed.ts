import { LuaScript } from '../../../redis/script.js';
import { LUA_FEED } from './fragments.js';
import { purgeByExpiry } from './purge.js';

/**
 * One page of a feed index. ARGV: index key, upper bound (`+`, or `(id` for ids below it),
 * count, lower bound (`-`, or `(id` for ids above it), order (`desc`: newest first; `asc`:
 * oldest first, for resuming after an id). Replies the notifications' hashes, flat. A
 * script, so the page is one consistent snapshot in one round trip.
 */
export const LIST_FEED = new LuaScript(`
local ids
if ARGV[6] == 'asc' then
  ids = redis.call('ZRANGE', ARGV[2], ARGV[5], ARGV[3], 'BYLEX', 'LIMIT', 0, ARGV[4])
else
  ids = redis.call('ZRANGE', ARGV[2], ARGV[3], ARGV[5], 'BYLEX', 'REV', 'LIMIT', 0, ARGV[4])
end
local out = {}
for i, id in ipairs(ids) do out[i] = redis.call('HGETALL', k('ntf', id)) end
return out
`);

/** ARGV: tenant, recipient, at, ids…; replies the ids that changed, once each, in order. */
export const MARK_READ = new LuaScript(`${LUA_FEED}
local t, r, at = ARGV[2], ARGV[3], ARGV[4]
local seen, changed = {}, {}
for i = 5, #ARGV do
  local id = ARGV[i]
  if not seen[id] then
    seen[id] = true
    if mark_read(t, r, id, at) then changed[#changed + 1] = id end
  end
end
return changed
`);

/**
 * Marks up to ARGV[6] of the recipient's unread notifications read, oldest first. ARGV:
 * tenant, recipient, at, category ('' for all, with ARGV[7] = '1' when a category is given),
 * chunk size. Replies {how many it looked at, how many changed}; the caller repeats while a
 * chunk is full, so a recipient with a huge backlog never blocks Redis in one long script.
 */
export const MARK_ALL_READ = new LuaScript(`${LUA_FEED}
local t, r, at = ARGV[2], ARGV[3], ARGV[4]
local source = ARGV[7] == '1' and k('unreadc', t, r, ARGV[5]) or k('unread', t, r)
local ids = redis.call('ZRANGE', source, 0, tonumber(ARGV[6]) - 1)
local changed = 0
for _, id in ipairs(ids) do
  if mark_read(t, r, id, at) then
    changed = changed + 1
  else
    redis.call('ZREM', source, id) -- not unread after all: never look at it again
  end
end
return { #ids, changed }
`);

/** ARGV: tenant, recipient, id, at. Replies 1 when it removed a visible notification. */
export const REMOVE = new LuaScript(`${LUA_FEED}
local t, r, id, at = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local nk = k('ntf', id)
local h = redis.call('HMGET', nk, 'tenant_id', 'recipient_id', 'category', 'read_at', 'deleted_at')
if h[1] ~= t or h[2] ~= r or h[5] then return 0 end
redis.call('HSET', nk, 'deleted_at', at)
local read = h[4] and true or false
local all, ofCat, state, stateOfCat = feed_keys(t, r, h[3], read)
redis.call('ZREM', all, id)
redis.call('ZREM', ofCat, id)
redis.call('ZREM', state, id)
redis.call('ZREM', stateOfCat, id)
if not read then count_unread(t, r, h[3], -1) end
return 1
`);

/** Forgets up to ARGV[3] idempotency claims expired at or before ARGV[2]; replies how many. */
export const PURGE_IDEMPOTENCY = purgeByExpiry('idem-exp');
