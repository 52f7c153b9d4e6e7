import { LuaScript } from '../../../redis/script.js';
import { LUA_BY_SCORE } from './fragments.js';

/**
 * Configuration objects (see key-names.ts): `obj:{kind}:{id}` holds one object's fields,
 * `objs:{kind}` and `objs-t:{kind}:{tenant}` order its ids by created_at (then id),
 * `objkey:{kind}:{tenant}` maps keys to ids, `objrev` counts writes per kind. A global
 * object's tenant is ''. Every script that writes moves the kind's revision.
 */

/**
 * ARGV: kind, id, tenant, key, has-key flag, data, created_at. Refuses a taken id or key with
 * CONFLICT, writing nothing; replies with the stored hash, flat.
 */
export const CREATE_OBJECT = new LuaScript(`
local kind, id, tenant, key, haskey, data, created = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local ok = k('obj', kind, id)
if redis.call('EXISTS', ok) == 1 then
  return redis.error_reply('CONFLICT A ' .. kind .. ' with id ' .. id .. ' already exists.')
end
if haskey == '1' and redis.call('HSETNX', k('objkey', kind, tenant), key, id) == 0 then
  return redis.error_reply('CONFLICT A ' .. kind .. ' with key ' .. key .. ' already exists.')
end
redis.call('HSET', ok, 'kind', kind, 'id', id, 'tenant', tenant, 'data', data,
  'version', 1, 'created_at', created, 'updated_at', created)
if haskey == '1' then redis.call('HSET', ok, 'key', key) end
redis.call('ZADD', k('objs', kind), created, id)
redis.call('ZADD', k('objs-t', kind, tenant), created, id)
redis.call('HINCRBY', k('objrev'), kind, 1)
return redis.call('HGETALL', ok)
`);

/**
 * ARGV: kind, id, data, key, has-key flag, expected version, at. Replies { 'ok', hash },
 * { 'not_found' }, { 'version_conflict', hash } or { 'key_taken' }.
 */
export const UPDATE_OBJECT = new LuaScript(`
local kind, id, data, key, haskey, expected, at = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local ok = k('obj', kind, id)
if redis.call('EXISTS', ok) == 0 then return { 'not_found' } end
if redis.call('HGET', ok, 'version') ~= expected then
  return { 'version_conflict', redis.call('HGETALL', ok) }
end
local keys = k('objkey', kind, redis.call('HGET', ok, 'tenant'))
local old = redis.call('HGET', ok, 'key')
if haskey == '1' and old ~= key then
  if redis.call('HSETNX', keys, key, id) == 0 then return { 'key_taken' } end
end
if old and (haskey ~= '1' or old ~= key) then redis.call('HDEL', keys, old) end
if haskey == '1' then redis.call('HSET', ok, 'key', key) else redis.call('HDEL', ok, 'key') end
redis.call('HSET', ok, 'data', data, 'updated_at', at)
redis.call('HINCRBY', ok, 'version', 1)
redis.call('HINCRBY', k('objrev'), kind, 1)
return { 'ok', redis.call('HGETALL', ok) }
`);

/**
 * ARGV: kind, id, expected version ('' for any). Replies { 'ok', hash } with what it
 * deleted, { 'not_found' } or { 'version_conflict', hash }.
 */
export const REMOVE_OBJECT = new LuaScript(`
local kind, id, expected = ARGV[2], ARGV[3], ARGV[4]
local ok = k('obj', kind, id)
if redis.call('EXISTS', ok) == 0 then return { 'not_found' } end
local hash = redis.call('HGETALL', ok)
if expected ~= '' and redis.call('HGET', ok, 'version') ~= expected then
  return { 'version_conflict', hash }
end
local tenant = redis.call('HGET', ok, 'tenant')
local key = redis.call('HGET', ok, 'key')
if key then redis.call('HDEL', k('objkey', kind, tenant), key) end
redis.call('ZREM', k('objs', kind), id)
redis.call('ZREM', k('objs-t', kind, tenant), id)
redis.call('DEL', ok)
redis.call('HINCRBY', k('objrev'), kind, 1)
return { 'ok', hash }
`);

/**
 * ARGV: kind, offset, limit (-1: all), n, then n tenants ('' global; n = 0: every tenant).
 * Replies { total, hash, hash, … }, oldest first. Several tenants' lists are merged here:
 * configuration is small, so reading their ids whole costs less than a temporary key.
 */
export const LIST_OBJECTS = new LuaScript(`${LUA_BY_SCORE}
local kind, offset, limit, n = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local ids, total = {}, 0
if n <= 1 then
  local set = n == 0 and k('objs', kind) or k('objs-t', kind, ARGV[6])
  total = redis.call('ZCARD', set)
  local stop = limit < 0 and -1 or offset + limit - 1
  if limit ~= 0 then ids = redis.call('ZRANGE', set, offset, stop) end
else
  local all = {}
  for i = 1, n do
    local scored = redis.call('ZRANGE', k('objs-t', kind, ARGV[5 + i]), 0, -1, 'WITHSCORES')
    for j = 1, #scored, 2 do all[#all + 1] = { scored[j], tonumber(scored[j + 1]) } end
  end
  table.sort(all, by_score_then_id)
  total = #all
  local last = limit < 0 and total or math.min(total, offset + limit)
  for i = offset + 1, last do ids[#ids + 1] = all[i][1] end
end
local out = { total }
for i, id in ipairs(ids) do out[i + 1] = redis.call('HGETALL', k('obj', kind, id)) end
return out
`);
