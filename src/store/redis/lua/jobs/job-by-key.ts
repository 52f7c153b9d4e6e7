import { LuaScript } from '../../../../redis/script.js';

/** The job holding a key. ARGV: tenant, key. Replies its hash, or {} when none holds it. */
export const JOB_BY_KEY = new LuaScript(`
local id = redis.call('HGET', k('jkey', ARGV[2]), ARGV[3])
if not id then return {} end
return redis.call('HGETALL', k('job', id))
`);
