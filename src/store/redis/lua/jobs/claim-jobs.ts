import { LuaScript } from '../../../../redis/script.js';
import { LUA_BY_SCORE } from '../fragments.js';

/**
 * Leases due jobs. ARGV: now, lease ms, limit, token, kinds…. Per kind, jobs whose lease
 * ended rejoin the due set first (at their run_at, so they keep their place); then the first
 * `limit` due ids of each kind are merged by (run_at, id) and the first `limit` of those are
 * leased. One script, so two workers never lease the same job. Replies the claimed jobs'
 * hashes, flat, earliest due first.
 */
export const CLAIM_JOBS = new LuaScript(`${LUA_BY_SCORE}
local now = tonumber(ARGV[2])
local leaseEnd = string.format('%d', now + tonumber(ARGV[3]))
local limit = tonumber(ARGV[4])
local token = ARGV[5]
local due = {}
for c = 6, #ARGV do
  local kind = ARGV[c]
  local leased = k('jlease', kind)
  for _, id in ipairs(redis.call('ZRANGE', leased, '-inf', now, 'BYSCORE')) do
    redis.call('ZREM', leased, id)
    redis.call('ZADD', k('jdue', kind), redis.call('HGET', k('job', id), 'run_at'), id)
  end
  local rows = redis.call('ZRANGE', k('jdue', kind), '-inf', now, 'BYSCORE', 'LIMIT', 0, limit, 'WITHSCORES')
  for i = 1, #rows, 2 do due[#due + 1] = { rows[i], tonumber(rows[i + 1]), kind } end
end
table.sort(due, by_score_then_id)
local out = {}
for i = 1, math.min(limit, #due) do
  local id, kind = due[i][1], due[i][3]
  local jk = k('job', id)
  redis.call('ZREM', k('jdue', kind), id)
  redis.call('ZADD', k('jlease', kind), leaseEnd, id)
  redis.call('HINCRBY', jk, 'attempts', 1)
  redis.call('HSET', jk, 'status', 'running', 'lease_token', token, 'lease_until', leaseEnd,
    'updated_at', ARGV[2])
  out[i] = redis.call('HGETALL', jk)
end
return out
`);
