import { LuaScript } from '../../../../redis/script.js';

/**
 * put_request(t, id, json, sk, recipient, topic, created, age): stores a send request,
 * replacing the tenant's one with its id, and indexes it. json is the record, sk its sort
 * key (created_at padded, `:`, id), recipient and topic '' for none, age the member of
 * rq-age (JSON [tenant, id]). Used by PUT_REQUEST and by the insert script (a single send
 * writes its request with its notification).
 *
 * Keys: rq:{t}:{id} hash {json, sk, recipient, topic}; rqs:{t} (every request),
 * rqr:{t}:{recipient} (single sends), rqt:{t}:{topic} (topic sends): zsets of sort keys,
 * score 0, so that ZREVRANGEBYLEX walks them newest first; rq-age: age members by created_at.
 */
export const LUA_PUT_REQUEST = `
local function put_request(t, id, json, sk, recipient, topic, created, age)
  local rk = k('rq', t, id)
  local old = redis.call('HMGET', rk, 'sk', 'recipient', 'topic')
  if old[1] then
    redis.call('ZREM', k('rqs', t), old[1])
    if old[2] and old[2] ~= '' then redis.call('ZREM', k('rqr', t, old[2]), old[1]) end
    if old[3] and old[3] ~= '' then redis.call('ZREM', k('rqt', t, old[3]), old[1]) end
  end
  redis.call('HSET', rk, 'json', json, 'sk', sk, 'recipient', recipient, 'topic', topic)
  redis.call('ZADD', k('rqs', t), 0, sk)
  if recipient ~= '' then redis.call('ZADD', k('rqr', t, recipient), 0, sk) end
  if topic ~= '' then redis.call('ZADD', k('rqt', t, topic), 0, sk) end
  redis.call('ZADD', k('rq-age'), tonumber(created), age)
end
`;

/** Stores one send request. ARGV: the arguments of put_request, in order. Replies 1. */
export const PUT_REQUEST = new LuaScript(`${LUA_PUT_REQUEST}
put_request(ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9])
return 1
`);
