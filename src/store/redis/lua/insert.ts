import { LuaScript } from '../../../redis/script.js';
import { LUA_DELIVERY_INDEX, LUA_FEED } from './fragments.js';
import { LUA_PUT_REQUEST } from './requests/put-request.js';

/**
 * Inserts a batch of notifications: ARGV[2] is the JSON of `InsertPayload` (insert.ts next to
 * notifications.ts). A script runs alone, so each item's notification, deliveries, feed
 * indexes, unread count, idempotency claim and request record are written together.
 *
 * The first pass decides every outcome and checks every id before anything is written, so a
 * batch with a colliding id writes nothing. Claims are judged against the item's created_at
 * (the caller's clock); the key's TTL only lets Redis clean up after that.
 *
 * Replies one entry per item: {'created'} or {'duplicate', notification_id, request_id}.
 */
export const INSERT = new LuaScript(`${LUA_FEED}${LUA_DELIVERY_INDEX}${LUA_PUT_REQUEST}
local items = cjson.decode(ARGV[2])
local claims = {}
local taken = {}
local plan = {}

local function collides(key)
  if taken[key] or redis.call('EXISTS', key) == 1 then return true end
  taken[key] = true
  return false
end

for i, it in ipairs(items) do
  local held = nil
  if it.idem then
    local ck = k('idem', it.t, it.idem.key)
    local claim = claims[ck]
    if claim == nil then
      local h = redis.call('HMGET', ck, 'notification_id', 'request_id', 'expires_at')
      claim = h[1] and { h[1], h[2], tonumber(h[3]) } or false
    end
    if claim and claim[3] > tonumber(it.created) then
      held = claim
    else
      claims[ck] = { it.id, it.rid, tonumber(it.idem.exp) }
    end
  end
  if held then
    plan[i] = held
  else
    if collides(k('ntf', it.id)) then
      return redis.error_reply('CONFLICT A notification with id ' .. it.id .. ' already exists.')
    end
    for _, d in ipairs(it.dlv) do
      if collides(k('dlv', d.id)) then
        return redis.error_reply('CONFLICT A delivery with id ' .. d.id .. ' already exists.')
      end
    end
    plan[i] = false
  end
end

local out = {}
for i, it in ipairs(items) do
  local held = plan[i]
  if held then
    out[i] = { 'duplicate', held[1], held[2] }
  else
    redis.call('HSET', k('ntf', it.id), unpack(it.fields))
    redis.call('ZADD', k('nrcp', it.t, it.r), 0, it.id) -- every one, deleted too: GDPR
    if not it.deleted then
      local all, ofCat, state, stateOfCat = feed_keys(it.t, it.r, it.cat, it.read)
      for _, key in ipairs({ all, ofCat, state, stateOfCat }) do redis.call('ZADD', key, 0, it.id) end
      if not it.read then
        count_unread(it.t, it.r, it.cat, it.pri, 1)
        if it.exp then redis.call('ZADD', k('uexp', it.t, it.r), it.exp, it.id) end
      end
    end
    redis.call('ZADD', k('ntfs'), 0, it.id)
    local ofNotification = k('ndlv', it.id)
    for _, d in ipairs(it.dlv) do
      redis.call('HSET', k('dlv', d.id), unpack(d.fields))
      redis.call('ZADD', ofNotification, 0, d.id)
      index_delivery(d.id)
    end
    if it.idem then
      local ck = k('idem', it.t, it.idem.key)
      redis.call('HSET', ck, 'notification_id', it.id, 'request_id', it.rid, 'expires_at', it.idem.exp)
      redis.call('PEXPIRE', ck, it.idem.ttl)
      redis.call('ZADD', k('idem-exp'), it.idem.exp, ck)
    end
    if it.req then put_request(unpack(it.req)) end
    out[i] = { 'created' }
  end
end
return out
`);
