import { LuaScript } from '../../../../redis/script.js';
import { LUA_JOB_FRAGMENTS } from './fragments.js';

/**
 * Ends a run. ARGV: id, token, status, at, has error ('1'/'0'), error, run_at (for
 * 'scheduled'), reset attempts ('1'/'0'). Only while the job is running under the token.
 * Replies 1 when it was ended, 0 when the claim was lost.
 */
export const COMPLETE_JOB = new LuaScript(`${LUA_JOB_FRAGMENTS}
local id, token, status, at = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local jk = k('job', id)
local h = redis.call('HMGET', jk, 'tenant_id', 'kind', 'key', 'status', 'lease_token')
if h[4] ~= 'running' or h[5] ~= token then return 0 end
if ARGV[6] == '1' then redis.call('HSET', jk, 'last_error', ARGV[7]) end
if status == 'scheduled' then
  redis.call('ZREM', k('jlease', h[2]), id)
  redis.call('ZADD', k('jdue', h[2]), ARGV[8], id)
  redis.call('HSET', jk, 'status', 'scheduled', 'run_at', ARGV[8], 'updated_at', at)
  redis.call('HDEL', jk, 'lease_token', 'lease_until')
  if ARGV[9] == '1' then redis.call('HSET', jk, 'attempts', 0) end
else
  settle_job(id, h, status, at)
end
return 1
`);
