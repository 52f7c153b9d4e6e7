import { LuaScript } from '../../../redis/script.js';
import { LUA_DELIVERY_INDEX, LUA_GATHER_DUE, LUA_HASHES_OF } from './fragments.js';

/**
 * Claims due deliveries. ARGV: now, lease ms, limit, token, channels…. Per channel, leases that ran
 * out rejoin the due set first (at their due time, so they keep their place); then the first
 * `limit` due ids of each channel are merged by (due time, id) and the first `limit` of those
 * are leased under the token. One script, so two workers never lease the same delivery. Replies the claimed
 * deliveries' hashes, flat, oldest due first.
 */
export const CLAIM = new LuaScript(`${LUA_GATHER_DUE}${LUA_DELIVERY_INDEX}
local now = tonumber(ARGV[2])
local leaseEnd = now + tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
local token = ARGV[5]
local due = gather_due(now, limit, 'due', 'leased', 'dlv', 'next_attempt_at')
local out = {}
for i = 1, math.min(limit, #due) do
  local id = due[i][1]
  local dk = k('dlv', id)
  redis.call('HINCRBY', dk, 'attempts', 1)
  redis.call('HSET', dk, 'lease_until', string.format('%d', leaseEnd), 'lease_token', token,
    'updated_at', ARGV[2])
  index_delivery(id)
  out[i] = redis.call('HGETALL', dk)
end
return out
`);

/**
 * Whether the delivery `id` is pending and leased under `token`: only that claim settles it
 * (a lease that ran out and was claimed again has another token). Clears the lease if so.
 */
const LUA_TAKE_LEASE = `
local function take_lease(dk, token)
  local h = redis.call('HMGET', dk, 'status', 'lease_token')
  if h[1] ~= 'pending' or h[2] ~= token then return false end
  redis.call('HDEL', dk, 'lease_until', 'lease_token')
  return true
end
`;

/**
 * Settles a delivery leased under a token. ARGV: id, token, status, at, then flags and values
 * for the provider message id and the error ('1', value or '0', ''). Replies 1 when settled,
 * 0 when it is not leased under that token (or unknown).
 */
export const COMPLETE = new LuaScript(`${LUA_DELIVERY_INDEX}${LUA_TAKE_LEASE}
local id = ARGV[2]
local dk = k('dlv', id)
if not take_lease(dk, ARGV[3]) then return 0 end
redis.call('HSET', dk, 'status', ARGV[4], 'updated_at', ARGV[5])
if ARGV[6] == '1' then
  redis.call('HSET', dk, 'provider_message_id', ARGV[7])
  -- Status callbacks name the delivery by this id (FIND_BY_PROVIDER_ID).
  redis.call('SET', k('pmid', redis.call('HGET', dk, 'channel'), ARGV[7]), id)
end
if ARGV[8] == '1' then redis.call('HSET', dk, 'last_error', ARGV[9]) end
index_delivery(id)
return 1
`);

/**
 * The delivery a provider's message id names. ARGV: channel, provider message id. Replies its
 * flat hash, or nil.
 */
export const FIND_BY_PROVIDER_ID = new LuaScript(`
local id = redis.call('GET', k('pmid', ARGV[2], ARGV[3]))
if not id then return nil end
local h = redis.call('HGETALL', k('dlv', id))
if #h == 0 then return nil end
return h
`);

/**
 * A provider's later word on a sent delivery. ARGV: id, status, at, then '1' and the error or
 * '0' and ''. Replies the delivery's flat hash after, or nil when it is not sent.
 */
export const CONFIRM_SENT = new LuaScript(`${LUA_DELIVERY_INDEX}
local id = ARGV[2]
local dk = k('dlv', id)
if redis.call('HGET', dk, 'status') ~= 'sent' then return nil end
redis.call('HSET', dk, 'status', ARGV[3], 'updated_at', ARGV[4])
if ARGV[5] == '1' then redis.call('HSET', dk, 'last_error', ARGV[6]) end
index_delivery(id)
return redis.call('HGETALL', dk)
`);

/**
 * Queues a delivery leased under a token again. ARGV: id, token, next attempt, error, at.
 * Replies 1 when queued, 0 when it is not leased under that token (or unknown).
 */
export const RETRY = new LuaScript(`${LUA_DELIVERY_INDEX}${LUA_TAKE_LEASE}
local id = ARGV[2]
local dk = k('dlv', id)
if not take_lease(dk, ARGV[3]) then return 0 end
redis.call('HSET', dk, 'status', 'pending', 'next_attempt_at', ARGV[4], 'last_error', ARGV[5], 'updated_at', ARGV[6])
index_delivery(id)
return 1
`);

/**
 * Queues a delivery leased under a token again without counting the claim's attempt (no
 * provider could take it). ARGV: id, token, due at, at. Replies 1 when queued, 0 when it is
 * not leased under that token (or unknown).
 */
export const RELEASE = new LuaScript(`${LUA_DELIVERY_INDEX}${LUA_TAKE_LEASE}
local id = ARGV[2]
local dk = k('dlv', id)
if not take_lease(dk, ARGV[3]) then return 0 end
local attempts = tonumber(redis.call('HGET', dk, 'attempts') or '0')
if attempts > 0 then redis.call('HSET', dk, 'attempts', attempts - 1) end
redis.call('HSET', dk, 'next_attempt_at', ARGV[4], 'updated_at', ARGV[5])
index_delivery(id)
return 1
`);

/**
 * Sets the status of the recipient's deliveries on one channel of these notifications. ARGV:
 * tenant, recipient, channel, status, at, notification ids…. Replies how many changed.
 */
export const SET_STATUS = new LuaScript(`${LUA_DELIVERY_INDEX}
local t, r, channel, status, at = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local seen, changed = {}, 0
for i = 7, #ARGV do
  local nid = ARGV[i]
  if not seen[nid] then
    seen[nid] = true
    for _, id in ipairs(redis.call('ZRANGE', k('ndlv', nid), 0, -1)) do
      local dk = k('dlv', id)
      local h = redis.call('HMGET', dk, 'tenant_id', 'recipient_id', 'channel', 'status')
      if h[1] == t and h[2] == r and h[3] == channel and h[4] ~= status then
        redis.call('HSET', dk, 'status', status, 'updated_at', at)
        index_delivery(id)
        changed = changed + 1
      end
    end
  end
end
return changed
`);

/**
 * A tenant's dead letters, newest first. ARGV: tenant, channel ('' for any), before ('' for
 * none), limit. Reads the tenant's dead set by id downwards, skipping other channels. Replies
 * flat hashes.
 */
export const LIST_DEAD = new LuaScript(`
local dead, channel, limit = k('dead', ARGV[2]), ARGV[3], tonumber(ARGV[5])
local top = ARGV[4] == '' and '+' or '(' .. ARGV[4]
local out = {}
while #out < limit do
  local ids = redis.call('ZREVRANGEBYLEX', dead, top, '-', 'LIMIT', 0, 100)
  if #ids == 0 then break end
  for _, id in ipairs(ids) do
    if #out >= limit then break end
    local h = redis.call('HGETALL', k('dlv', id))
    local ch = redis.call('HGET', k('dlv', id), 'channel')
    if channel == '' or ch == channel then out[#out + 1] = h end
  end
  top = '(' .. ids[#ids]
end
return out
`);

/**
 * A tenant's dead letter back to the queue, due at once. ARGV: tenant, id, at. Replies its
 * flat hash, or nil when it is not a failed delivery of the tenant.
 */
export const REQUEUE_DEAD = new LuaScript(`${LUA_DELIVERY_INDEX}
local id = ARGV[3]
local dk = k('dlv', id)
local h = redis.call('HMGET', dk, 'tenant_id', 'status')
if h[1] ~= ARGV[2] or h[2] ~= 'failed' then return nil end
redis.call('HSET', dk, 'status', 'pending', 'next_attempt_at', ARGV[4], 'updated_at', ARGV[4],
  'attempts', 0)
redis.call('HDEL', dk, 'lease_until', 'lease_token')
index_delivery(id)
return redis.call('HGETALL', dk)
`);

/** The deliveries of a notification, oldest (lowest id) first, as flat hashes. ARGV: id. */
export const LIST_DELIVERIES = new LuaScript(`${LUA_HASHES_OF}
return hashes_of({}, k('ndlv', ARGV[2]), 'dlv')
`);

/** The deliveries of several notifications, each's oldest first, in turn. ARGV: ids…. */
export const LIST_DELIVERIES_MANY = new LuaScript(`${LUA_HASHES_OF}
local out = {}
for j = 2, #ARGV do hashes_of(out, k('ndlv', ARGV[j]), 'dlv') end
return out
`);

/**
 * Adds deliveries to existing notifications, written and indexed as the insert script does.
 * ARGV[2]: JSON array of { id, nid (notification id), fields (flat hash fields) }. A delivery
 * whose id exists is left alone. Replies how many were added.
 */
export const ADD_DELIVERIES = new LuaScript(`${LUA_DELIVERY_INDEX}
local added = 0
for _, d in ipairs(cjson.decode(ARGV[2])) do
  local dk = k('dlv', d.id)
  if redis.call('EXISTS', dk) == 0 then
    redis.call('HSET', dk, unpack(d.fields))
    redis.call('ZADD', k('ndlv', d.nid), 0, d.id)
    index_delivery(d.id)
    added = added + 1
  end
end
return added
`);
