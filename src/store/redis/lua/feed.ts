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

/**
 * A page of every notification of a recipient, deleted ones included (GDPR export). ARGV:
 * tenant, recipient, lower bound ('-' or '(id'), count. Replies flat hashes, oldest first.
 */
export const LIST_ALL = new LuaScript(`
local ids = redis.call('ZRANGE', k('nrcp', ARGV[2], ARGV[3]), ARGV[4], '+', 'BYLEX', 'LIMIT', 0, ARGV[5])
local out = {}
for i, id in ipairs(ids) do out[i] = redis.call('HGETALL', k('ntf', id)) end
return out
`);

/**
 * Erases up to ARGV[4] notifications of recipient ARGV[3] in tenant ARGV[2] (GDPR): each
 * with its feed entries, unread count, deliveries (and their queue entries) and idempotency
 * claim. Takes them from the index of every notification, then from the feed (notifications
 * stored before that index existed). Replies how many.
 */
export const ERASE_RECIPIENT = new LuaScript(`${LUA_FEED}
local t, r, limit = ARGV[2], ARGV[3], tonumber(ARGV[4])
local every, feed = k('nrcp', t, r), k('feed', t, r)
local ids = redis.call('ZRANGE', every, 0, limit - 1)
if #ids < limit then
  for _, id in ipairs(redis.call('ZRANGE', feed, 0, limit - #ids - 1)) do ids[#ids + 1] = id end
end
for _, id in ipairs(ids) do
  local nk = k('ntf', id)
  local h = redis.call('HMGET', nk, 'tenant_id', 'recipient_id', 'category', 'read_at', 'deleted_at', 'doc')
  if h[1] == t and h[2] == r then
    if not h[5] then
      local read = h[4] and true or false
      local all, ofCat, state, stateOfCat = feed_keys(t, r, h[3], read)
      for _, key in ipairs({ all, ofCat, state, stateOfCat }) do redis.call('ZREM', key, id) end
      if not read then count_unread(t, r, h[3], -1) end
    end
    local ofNotification = k('ndlv', id)
    for _, d in ipairs(redis.call('ZRANGE', ofNotification, 0, -1)) do
      local ch = redis.call('HGET', k('dlv', d), 'channel')
      if ch then
        redis.call('ZREM', k('due', ch), d)
        redis.call('ZREM', k('leased', ch), d)
      end
      redis.call('DEL', k('dlv', d))
    end
    redis.call('DEL', ofNotification)
    local key = cjson.decode(h[6]).idempotency_key
    if type(key) == 'string' then
      local ck = k('idem', t, key)
      if redis.call('HGET', ck, 'notification_id') == id then
        redis.call('DEL', ck)
        redis.call('ZREM', k('idem-exp'), ck)
      end
    end
    redis.call('DEL', nk)
  end
  redis.call('ZREM', every, id)
  redis.call('ZREM', feed, id)
end
return #ids
`);
