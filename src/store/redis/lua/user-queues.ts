import { LuaScript } from '../../../redis/script.js';
import { LUA_DISTINCT_ARGV } from './fragments.js';

/**
 * The keys of a user's queue (see key-names.ts) and how an item leaves all of them. Index
 * members name their item with escaped parts joined by `:` (`{id}:{t}:{u}` by expiry,
 * `{id}:{u}` per tenant), id first so that items of one expiry sort by id.
 */
const LUA_USER_QUEUE = `
local function uq_keys(q, t, u)
  return k('uq', q, t, u), k('uqp', q, t, u), k('uqx', q), k('uqt', q, t)
end

local function uq_member(id, t, u)
  return esc(id) .. ':' .. esc(t) .. ':' .. esc(u)
end

local function unesc(s)
  return (string.gsub(s, '%%(%x%x)', function(hex) return string.char(tonumber(hex, 16)) end))
end

-- Removes one item from every key; replies its JSON, or false when it was not there.
local function uq_forget(q, t, u, id)
  local ids, items, byExpiry, ofTenant = uq_keys(q, t, u)
  local json = redis.call('HGET', items, id)
  redis.call('HDEL', items, id)
  redis.call('ZREM', ids, id)
  redis.call('ZREM', byExpiry, uq_member(id, t, u))
  redis.call('ZREM', ofTenant, esc(id) .. ':' .. esc(u))
  return json
end
`;

/**
 * Pushes items. ARGV: queue, max per user, then six per item: tenant, user, id, expires_at,
 * key TTL in ms, the item's JSON. An id already queued keeps its first entry; every key the
 * item touches lives at least the TTL. Then each user touched keeps only its `max` highest
 * ids. Replies how many items that dropped.
 */
export const PUSH = new LuaScript(`${LUA_USER_QUEUE}
local q, max = ARGV[2], tonumber(ARGV[3])
local seen, users = {}, {}
local function extend(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
end
for i = 4, #ARGV, 6 do
  local t, u, id, exp, ttl = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], tonumber(ARGV[i + 4])
  local ids, items, byExpiry, ofTenant = uq_keys(q, t, u)
  if redis.call('HSETNX', items, id, ARGV[i + 5]) == 1 then
    redis.call('ZADD', ids, 0, id)
    redis.call('ZADD', byExpiry, exp, uq_member(id, t, u))
    redis.call('ZADD', ofTenant, exp, esc(id) .. ':' .. esc(u))
  end
  for _, key in ipairs({ ids, items, byExpiry, ofTenant }) do extend(key, ttl) end
  if not seen[ids] then
    seen[ids] = true
    users[#users + 1] = { t, u }
  end
end
local dropped = 0
for _, tu in ipairs(users) do
  local ids = k('uq', q, tu[1], tu[2])
  local over = redis.call('ZCARD', ids) - max
  if over > 0 then
    for _, id in ipairs(redis.call('ZRANGE', ids, 0, over - 1)) do uq_forget(q, tu[1], tu[2], id) end
    dropped = dropped + over
  end
end
return dropped
`);

/**
 * A user's items not expired at ARGV[5], lowest id first, at most ARGV[6]. ARGV: queue,
 * tenant, user, now, limit. Walks the user's ids, which the cap bounds. Replies their JSON.
 */
export const LIST = new LuaScript(`${LUA_USER_QUEUE}
local q, t, u, now, limit = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local ids, items, byExpiry = uq_keys(q, t, u)
local out = {}
for _, id in ipairs(redis.call('ZRANGE', ids, 0, -1)) do
  local exp = redis.call('ZSCORE', byExpiry, uq_member(id, t, u))
  if exp and tonumber(exp) > now then
    out[#out + 1] = redis.call('HGET', items, id)
    if #out >= limit then break end
  end
end
return out
`);

/** Removes ids from a user's queue. ARGV: queue, tenant, user, ids…. Replies their JSON. */
export const REMOVE = new LuaScript(`${LUA_USER_QUEUE}${LUA_DISTINCT_ARGV}
local q, t, u = ARGV[2], ARGV[3], ARGV[4]
local out = {}
for _, id in ipairs(distinct_argv(5)) do
  local json = uq_forget(q, t, u, id)
  if json then out[#out + 1] = json end
end
return out
`);

/**
 * Removes up to ARGV[4] items of queue ARGV[2] (any user) expired at or before ARGV[3],
 * earliest first. One script, so two sweepers never take the same item. An index entry whose
 * item is gone (its keys outlived by the index) is dropped on the way. Replies their JSON.
 */
export const TAKE_EXPIRED = new LuaScript(`${LUA_USER_QUEUE}
local q, now, limit = ARGV[2], ARGV[3], tonumber(ARGV[4])
local byExpiry = k('uqx', q)
local out = {}
while #out < limit do
  local members = redis.call('ZRANGE', byExpiry, '-inf', now, 'BYSCORE', 'LIMIT', 0, limit - #out)
  if #members == 0 then break end
  for _, m in ipairs(members) do
    local id, t, u = string.match(m, '^([^:]*):([^:]*):([^:]*)$')
    redis.call('ZREM', byExpiry, m)
    if id then
      local json = uq_forget(q, unesc(t), unesc(u), unesc(id))
      if json then out[#out + 1] = json end
    end
  end
end
return out
`);
