import { LuaScript } from '../../../redis/script.js';
import { LUA_HASHES_OF } from './fragments.js';

/**
 * Scripts of the recipients' concerns (subscribers, devices, topic members). Key names:
 * sub:{t}:{id} (hash), subs:{t} (zset of ids, score 0), sube:{t}:{email key} (zset of ids),
 * dev:{id} (hash), devaddr:{t} (hash address → id), devs:{t}:{subscriber} (zset of ids by
 * created_at), tm:{t}:{topic} (zset of member ids, score 0), st:{t}:{subscriber} (set of
 * topic keys), pref:{t}:{subscriber} (hash: data, updated_at).
 */

/**
 * ARGV: tenant, id, at, JSON object of the fields given (strings, or null to clear), email
 * given flag ('1'), new email key ('' for none). Replies {created (1/0), flat hash}.
 */
export const UPSERT_SUBSCRIBER = new LuaScript(`
local t, id, at = ARGV[2], ARGV[3], ARGV[4]
local sk = k('sub', t, id)
local created = redis.call('EXISTS', sk) == 0
if created then
  redis.call('HSET', sk, 'id', id, 'tenant_id', t, 'created_at', at)
  redis.call('ZADD', k('subs', t), 0, id)
end
if ARGV[6] == '1' then
  local old = redis.call('HGET', sk, 'email_key')
  if old then
    redis.call('ZREM', k('sube', t, old), id)
    redis.call('HDEL', sk, 'email_key')
  end
  if ARGV[7] ~= '' then
    redis.call('ZADD', k('sube', t, ARGV[7]), 0, id)
    redis.call('HSET', sk, 'email_key', ARGV[7])
  end
end
for f, v in pairs(cjson.decode(ARGV[5])) do
  if v == cjson.null then redis.call('HDEL', sk, f) else redis.call('HSET', sk, f, v) end
end
redis.call('HSET', sk, 'updated_at', at)
return { created and 1 or 0, redis.call('HGETALL', sk) }
`);

/** ARGV: tenant, id. Replies 1 when it deleted a subscriber. */
export const REMOVE_SUBSCRIBER = new LuaScript(`
local t, id = ARGV[2], ARGV[3]
local sk = k('sub', t, id)
if redis.call('EXISTS', sk) == 0 then return 0 end
local ek = redis.call('HGET', sk, 'email_key')
if ek then redis.call('ZREM', k('sube', t, ek), id) end
redis.call('ZREM', k('subs', t), id)
redis.call('DEL', sk)
return 1
`);

/** ARGV: tenant, index key, lower bound ('-' or '(id'), count. Replies flat hashes, by id. */
export const LIST_SUBSCRIBERS = new LuaScript(`
local ids = redis.call('ZRANGE', ARGV[3], ARGV[4], '+', 'BYLEX', 'LIMIT', 0, ARGV[5])
local out = {}
for i, id in ipairs(ids) do out[i] = redis.call('HGETALL', k('sub', ARGV[2], id)) end
return out
`);

/**
 * ARGV: tenant, address, id, subscriber, created_at, updated_at, keys JSON ('' none),
 * info JSON ('' none), fields of a new device (flat). An address already registered is
 * updated in place. Replies {created (1/0), flat hash}.
 */
export const REGISTER_DEVICE = new LuaScript(`
local t, addr, sub = ARGV[2], ARGV[3], ARGV[5]
local known = redis.call('HGET', k('devaddr', t), addr)
if known then
  local dk = k('dev', known)
  redis.call('ZREM', k('devs', t, redis.call('HGET', dk, 'subscriber_id')), known)
  redis.call('HSET', dk, 'subscriber_id', sub, 'active', '1', 'failure_count', '0', 'updated_at', ARGV[7])
  if ARGV[8] == '' then redis.call('HDEL', dk, 'keys') else redis.call('HSET', dk, 'keys', ARGV[8]) end
  if ARGV[9] == '' then redis.call('HDEL', dk, 'info') else redis.call('HSET', dk, 'info', ARGV[9]) end
  redis.call('ZADD', k('devs', t, sub), redis.call('HGET', dk, 'created_at'), known)
  return { 0, redis.call('HGETALL', dk) }
end
local dk = k('dev', ARGV[4])
redis.call('HSET', dk, unpack(ARGV, 10))
redis.call('HSET', k('devaddr', t), addr, ARGV[4])
redis.call('ZADD', k('devs', t, sub), ARGV[6], ARGV[4])
return { 1, redis.call('HGETALL', dk) }
`);

/** ARGV: tenant, id, at, JSON object of fields to set (strings, or null to clear). Replies the hash or {}. */
export const UPDATE_DEVICE = new LuaScript(`
local dk = k('dev', ARGV[3])
if redis.call('HGET', dk, 'tenant_id') ~= ARGV[2] then return {} end
for f, v in pairs(cjson.decode(ARGV[5])) do
  if v == cjson.null then redis.call('HDEL', dk, f) else redis.call('HSET', dk, f, v) end
end
redis.call('HSET', dk, 'updated_at', ARGV[4])
return redis.call('HGETALL', dk)
`);

/** Lua: deletes one device of tenant t with its indexes; returns its hash or {}. */
const LUA_DROP_DEVICE = `
local function drop_device(t, id)
  local dk = k('dev', id)
  if redis.call('HGET', dk, 'tenant_id') ~= t then return {} end
  local h = redis.call('HGETALL', dk)
  local f = redis.call('HMGET', dk, 'address', 'subscriber_id')
  redis.call('HDEL', k('devaddr', t), f[1])
  redis.call('ZREM', k('devs', t, f[2]), id)
  redis.call('DEL', dk)
  return h
end
`;

/** ARGV: tenant, id. Replies the deleted device's hash, or {}. */
export const REMOVE_DEVICE = new LuaScript(`${LUA_DROP_DEVICE}
return drop_device(ARGV[2], ARGV[3])
`);

/** ARGV: tenant, subscriber. Replies how many devices it deleted. */
export const REMOVE_DEVICES = new LuaScript(`${LUA_DROP_DEVICE}
local ids = redis.call('ZRANGE', k('devs', ARGV[2], ARGV[3]), 0, -1)
for _, id in ipairs(ids) do drop_device(ARGV[2], id) end
return #ids
`);

/** ARGV: tenant, subscriber. Replies the devices' hashes, oldest first. */
export const LIST_DEVICES = new LuaScript(`${LUA_HASHES_OF}
return hashes_of({}, k('devs', ARGV[2], ARGV[3]), 'dev')
`);

/** ARGV: tenant, subscriber ids…. Replies every device hash of each, in turn. */
export const LIST_DEVICES_MANY = new LuaScript(`${LUA_HASHES_OF}
local out = {}
for j = 3, #ARGV do hashes_of(out, k('devs', ARGV[2], ARGV[j]), 'dev') end
return out
`);

/** ARGV: tenant, topic, ids…. Replies how many it added. */
export const ADD_MEMBERS = new LuaScript(`
local t, topic, n = ARGV[2], ARGV[3], 0
local members = k('tm', t, topic)
for i = 4, #ARGV do
  if redis.call('SADD', k('st', t, ARGV[i]), topic) == 1 then
    redis.call('ZADD', members, 0, ARGV[i])
    n = n + 1
  end
end
return n
`);

/** Lua: removes members (a list) of topic; returns how many were in. */
const LUA_LEAVE = `
local function leave(t, topic, ids)
  local members, n = k('tm', t, topic), 0
  for _, id in ipairs(ids) do
    if redis.call('ZREM', members, id) == 1 then n = n + 1 end
    redis.call('SREM', k('st', t, id), topic)
  end
  return n
end
`;

/** ARGV: tenant, topic, ids…. Replies how many were members. */
export const REMOVE_MEMBERS = new LuaScript(`${LUA_LEAVE}
return leave(ARGV[2], ARGV[3], { unpack(ARGV, 4) })
`);

/** ARGV: tenant, topic, limit. Removes up to limit members; replies how many. */
export const CLEAR_MEMBERS = new LuaScript(`${LUA_LEAVE}
local ids = redis.call('ZRANGE', k('tm', ARGV[2], ARGV[3]), 0, tonumber(ARGV[4]) - 1)
return leave(ARGV[2], ARGV[3], ids)
`);

/** ARGV: tenant, subscriber. Leaves every topic; replies how many memberships. */
export const LEAVE_ALL = new LuaScript(`
local t, id = ARGV[2], ARGV[3]
local topics = redis.call('SMEMBERS', k('st', t, id))
for _, topic in ipairs(topics) do redis.call('ZREM', k('tm', t, topic), id) end
redis.call('DEL', k('st', t, id))
return #topics
`);
