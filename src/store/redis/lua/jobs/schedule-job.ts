import { LuaScript } from '../../../../redis/script.js';

/**
 * Adds a job. ARGV: id, tenant, kind, run_at, has key ('1'/'0'), key, payload JSON,
 * created_at. Replies { 1, job hash } when added, { 0, holder's hash } when the key is held
 * by a scheduled or running job, or a CONFLICT error when the id is taken.
 */
export const SCHEDULE_JOB = new LuaScript(`
local id, tenant, kind, runAt = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local hasKey, key, payload, createdAt = ARGV[6] == '1', ARGV[7], ARGV[8], ARGV[9]
if hasKey then
  local held = redis.call('HGET', k('jkey', tenant), key)
  if held then return { 0, redis.call('HGETALL', k('job', held)) } end
end
local jk = k('job', id)
if redis.call('EXISTS', jk) == 1 then
  return redis.error_reply('CONFLICT A job with id ' .. id .. ' already exists')
end
redis.call('HSET', jk, 'id', id, 'tenant_id', tenant, 'kind', kind, 'run_at', runAt,
  'payload', payload, 'status', 'scheduled', 'attempts', 0, 'created_at', createdAt,
  'updated_at', createdAt)
if hasKey then
  redis.call('HSET', jk, 'key', key)
  redis.call('HSET', k('jkey', tenant), key, id)
end
redis.call('ZADD', k('jdue', kind), runAt, id)
redis.call('ZADD', k('jobs-t', tenant), 0, id)
redis.call('SADD', k('jkinds'), kind)
return { 1, redis.call('HGETALL', jk) }
`);
