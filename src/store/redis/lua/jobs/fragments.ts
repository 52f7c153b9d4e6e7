/**
 * Lua shared by the job scripts (one script per file beside this one). The data model
 * (t = tenant):
 *
 * | key            | type | holds                                                     |
 * |----------------|------|-----------------------------------------------------------|
 * | job:{id}       | hash | a job; null fields absent, payload as its JSON text       |
 * | jdue:{kind}    | zset | scheduled job ids by run_at                               |
 * | jlease:{kind}  | zset | running job ids by lease end                              |
 * | jkey:{t}       | hash | key → id of the scheduled or running job holding it       |
 * | jobs-t:{t}     | zset | every job id of the tenant, score 0, ordered by id        |
 * | jfail:{kind}   | zset | failed job ids by updated_at (stats)                      |
 * | jend           | zset | settled job ids by updated_at (purge)                     |
 * | jkinds         | set  | every kind ever scheduled (stats)                         |
 *
 * `settle_job(id, h, status, at)` records a job as settled: frees its key, indexes it for
 * purge and, when failed, for stats. `h` is the job's HMGET of tenant_id, kind, key.
 */
export const LUA_JOB_FRAGMENTS = `
local function settle_job(id, h, status, at)
  local tenant, kind, key = h[1], h[2], h[3]
  redis.call('ZREM', k('jdue', kind), id)
  redis.call('ZREM', k('jlease', kind), id)
  redis.call('HSET', k('job', id), 'status', status, 'updated_at', at)
  redis.call('HDEL', k('job', id), 'lease_token', 'lease_until')
  if key and redis.call('HGET', k('jkey', tenant), key) == id then
    redis.call('HDEL', k('jkey', tenant), key)
  end
  redis.call('ZADD', k('jend'), at, id)
  if status == 'failed' then redis.call('ZADD', k('jfail', kind), at, id) end
end
`;
