import { LuaScript } from '../../../redis/script.js';
import { LUA_DISTINCT_ARGV, LUA_DROP_DELIVERIES, LUA_FEED } from './fragments.js';
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

/**
 * The body of a script that applies `fn(t, r, id, at)` to each of ARGV's ids once, in order.
 * ARGV: tenant, recipient, at, ids…; replies the ids it changed.
 */
const eachIdOnce = (fn: string) => `${LUA_DISTINCT_ARGV}
local t, r, at = ARGV[2], ARGV[3], ARGV[4]
local changed = {}
for _, id in ipairs(distinct_argv(5)) do
  if ${fn}(t, r, id, at) then changed[#changed + 1] = id end
end
return changed
`;

/** ARGV: tenant, recipient, at, ids…; replies the ids that changed, once each, in order. */
export const MARK_READ = new LuaScript(`${LUA_FEED}${eachIdOnce('mark_read')}`);

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
local h = redis.call('HMGET', nk, 'tenant_id', 'recipient_id', 'category', 'read_at', 'deleted_at',
  'priority')
if h[1] ~= t or h[2] ~= r or h[5] then return 0 end
redis.call('HSET', nk, 'deleted_at', at)
unindex(t, r, id, h[3], h[6], h[4] and true or false)
return 1
`);

/** Dismisses one notification of the recipient, reading it too; true when it changed. */
const LUA_DISMISS = `
local function dismiss(t, r, id, at)
  local nk = k('ntf', id)
  local h = redis.call('HMGET', nk, 'tenant_id', 'recipient_id', 'deleted_at', 'dismissed_at')
  if h[1] ~= t or h[2] ~= r or h[3] or h[4] then return false end
  redis.call('HSET', nk, 'dismissed_at', at)
  mark_read(t, r, id, at)
  return true
end
`;

/** ARGV: tenant, recipient, at, ids…; replies the ids dismissed, once each, in order. */
export const DISMISS = new LuaScript(`${LUA_FEED}${LUA_DISMISS}${eachIdOnce('dismiss')}`);

/**
 * Dismisses a chunk of the recipient's feed (or of one category's), oldest first. ARGV:
 * tenant, recipient, at, category ('' for all, with ARGV[7] = '1' when a category is given),
 * chunk size, the last id of the previous chunk ('' at first). Replies {how many it looked
 * at, how many changed, the last id it looked at}; the caller repeats while a chunk is full.
 */
export const DISMISS_ALL = new LuaScript(`${LUA_FEED}${LUA_DISMISS}
local t, r, at = ARGV[2], ARGV[3], ARGV[4]
local source = ARGV[7] == '1' and k('feedc', t, r, ARGV[5]) or k('feed', t, r)
local from = ARGV[8] == '' and '-' or '(' .. ARGV[8]
local ids = redis.call('ZRANGE', source, from, '+', 'BYLEX', 'LIMIT', 0, tonumber(ARGV[6]))
local changed = 0
for _, id in ipairs(ids) do
  if dismiss(t, r, id, at) then changed = changed + 1 end
end
return { #ids, changed, ids[#ids] or '' }
`);

/**
 * Changes a notification of the tenant. ARGV: tenant, id, content JSON ('' keeps it),
 * actions JSON ('' keeps them), expiry ('keep', 'none', or the time). Replies its hash, flat,
 * or nil when it is absent or deleted.
 */
export const UPDATE = new LuaScript(`
local t, id = ARGV[2], ARGV[3]
local nk = k('ntf', id)
local h = redis.call('HMGET', nk, 'tenant_id', 'recipient_id', 'deleted_at', 'read_at')
if h[1] ~= t or h[3] then return false end
if ARGV[4] ~= '' then redis.call('HSET', nk, 'content', ARGV[4]) end
if ARGV[5] ~= '' then redis.call('HSET', nk, 'actions', ARGV[5]) end
local expiry = ARGV[6]
if expiry == 'none' then
  redis.call('HDEL', nk, 'expires_at')
  redis.call('ZREM', k('uexp', t, h[2]), id)
elseif expiry ~= 'keep' then
  redis.call('HSET', nk, 'expires_at', expiry)
  if not h[4] then redis.call('ZADD', k('uexp', t, h[2]), expiry, id) end
end
return redis.call('HGETALL', nk)
`);

/**
 * Records the recipient's action once. ARGV: tenant, recipient, id, action id, at. Replies
 * {'recorded', hash}, {'already', hash} (an action was recorded before) or {'not_found'}.
 */
export const ACTION = new LuaScript(`
local t, r, id = ARGV[2], ARGV[3], ARGV[4]
local nk = k('ntf', id)
local h = redis.call('HMGET', nk, 'tenant_id', 'recipient_id', 'deleted_at', 'action_id')
if h[1] ~= t or h[2] ~= r or h[3] then return { 'not_found' } end
if h[4] then return { 'already', redis.call('HGETALL', nk) } end
redis.call('HSET', nk, 'action_id', ARGV[5], 'actioned_at', ARGV[6])
return { 'recorded', redis.call('HGETALL', nk) }
`);

/**
 * Unread counts of a recipient. ARGV: tenant, recipient, now ('' for no expiry). Replies
 * {counts by category (flat), counts by priority (flat), category and priority ('' when not
 * counted) of each unread notification expired at now, flat}: the caller subtracts those.
 * Entries of the expiry index that are no longer unread are dropped on the way.
 */
export const COUNT_UNREAD = new LuaScript(`
local t, r, now = ARGV[2], ARGV[3], ARGV[4]
local expired = {}
if now ~= '' then
  local index = k('uexp', t, r)
  for _, id in ipairs(redis.call('ZRANGE', index, '-inf', now, 'BYSCORE')) do
    local h = redis.call('HMGET', k('ntf', id), 'tenant_id', 'recipient_id', 'category',
      'priority', 'read_at', 'deleted_at', 'expires_at')
    if h[1] == t and h[2] == r and not h[5] and not h[6] and h[7] then
      if tonumber(h[7]) <= tonumber(now) then
        expired[#expired + 1] = h[3]
        expired[#expired + 1] = h[4] or ''
      end
    else
      redis.call('ZREM', index, id)
    end
  end
end
return { redis.call('HGETALL', k('unreadn', t, r)), redis.call('HGETALL', k('unreadp', t, r)),
  expired }
`);

/**
 * Deletes for good up to ARGV[3] notifications (any tenant) with ids below ARGV[2], oldest
 * first, with their feed entries, counts and deliveries; replies how many.
 */
export const PURGE_BEFORE = new LuaScript(`${LUA_FEED}${LUA_DROP_DELIVERIES}
local all = k('ntfs')
local ids = redis.call('ZRANGE', all, '-', '(' .. ARGV[2], 'BYLEX', 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  local nk = k('ntf', id)
  local h = redis.call('HMGET', nk, 'tenant_id', 'recipient_id', 'category', 'read_at',
    'deleted_at', 'priority')
  if h[1] and not h[5] then unindex(h[1], h[2], id, h[3], h[6], h[4] and true or false) end
  if h[1] then redis.call('ZREM', k('nrcp', h[1], h[2]), id) end
  drop_deliveries(id)
  redis.call('DEL', nk)
  redis.call('ZREM', all, id)
end
return #ids
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
export const ERASE_RECIPIENT = new LuaScript(`${LUA_FEED}${LUA_DROP_DELIVERIES}
local t, r, limit = ARGV[2], ARGV[3], tonumber(ARGV[4])
local every, feed = k('nrcp', t, r), k('feed', t, r)
local ids, seen = redis.call('ZRANGE', every, 0, limit - 1), {}
for _, id in ipairs(ids) do seen[id] = true end
if #ids < limit then
  -- The feed holds most of the same ids: each is taken (and counted) once.
  for _, id in ipairs(redis.call('ZRANGE', feed, 0, limit - 1)) do
    if #ids >= limit then break end
    if not seen[id] then
      seen[id] = true
      ids[#ids + 1] = id
    end
  end
end
for _, id in ipairs(ids) do
  local nk = k('ntf', id)
  local h = redis.call('HMGET', nk, 'tenant_id', 'recipient_id', 'category', 'read_at', 'deleted_at',
    'doc', 'priority')
  if h[1] == t and h[2] == r then
    if not h[5] then unindex(t, r, id, h[3], h[7], h[4] and true or false) end
    drop_deliveries(id)
    local key = cjson.decode(h[6]).idempotency_key
    if type(key) == 'string' then
      local ck = k('idem', t, key)
      if redis.call('HGET', ck, 'notification_id') == id then
        redis.call('DEL', ck)
        redis.call('ZREM', k('idem-exp'), ck)
      end
    end
    redis.call('DEL', nk)
    redis.call('ZREM', k('ntfs'), id)
  end
  redis.call('ZREM', every, id)
  redis.call('ZREM', feed, id)
end
return #ids
`);
