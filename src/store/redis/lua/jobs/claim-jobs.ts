import { LuaScript } from '../../../../redis/script.js';
import { LUA_GATHER_DUE } from '../fragments.js';

/**
 * Leases due jobs. ARGV: now, lease ms, limit, token, kinds…. Per kind, jobs whose lease
 * ended rejoin the due set first (at their run_at, so they keep their place); then the first
 * `limit` due ids of each kind are merged by (run_at, id) and the first `limit` of those are
 * leased. One script, so two workers never lease the same job. Replies the claimed jobs'
 * hashes, flat, earliest due first.
 */
export const CLAIM_JOBS = new LuaScript(`${LUA_GATHER_DUE}
local now = tonumber(ARGV[2])
local leaseEnd = string.format('%d', now + tonumber(ARGV[3]))
local limit = tonumber(ARGV[4])
local token = ARGV[5]
local due = gather_due(now, limit, 'jdue', 'jlease', 'job', 'run_at')
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
