import { LuaScript } from '../../../../redis/script.js';
import { LUA_JOB_FRAGMENTS } from './fragments.js';

/**
 * Cancels a scheduled or running job. ARGV: tenant, id, at. Replies {} when the tenant has
 * no such job, else { 1 if this call cancelled it, 0 if it was settled already, job hash }.
 */
export const CANCEL_JOB = new LuaScript(`${LUA_JOB_FRAGMENTS}
local tenant, id, at = ARGV[2], ARGV[3], ARGV[4]
local jk = k('job', id)
local h = redis.call('HMGET', jk, 'tenant_id', 'kind', 'key', 'status')
if h[1] ~= tenant then return {} end
local cancelled = 0
if h[4] == 'scheduled' or h[4] == 'running' then
  settle_job(id, h, 'cancelled', at)
  cancelled = 1
end
return { cancelled, redis.call('HGETALL', jk) }
`);
