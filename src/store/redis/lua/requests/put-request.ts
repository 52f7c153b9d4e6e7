import { LuaScript } from '../../../../redis/script.js';

/**
 * unindex_request(t, rk): takes the tenant's request stored at rk (its hash; see below) out
 * of the request indexes; nothing when there is none. Used by put_request and PURGE_REQUESTS.
 */
export const LUA_UNINDEX_REQUEST = `
local function unindex_request(t, rk)
  local h = redis.call('HMGET', rk, 'sk', 'recipient', 'topic')
  if h[1] then
    redis.call('ZREM', k('rqs', t), h[1])
    if h[2] and h[2] ~= '' then redis.call('ZREM', k('rqr', t, h[2]), h[1]) end
    if h[3] and h[3] ~= '' then redis.call('ZREM', k('rqt', t, h[3]), h[1]) end
  end
end
`;

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
export const LUA_PUT_REQUEST = `${LUA_UNINDEX_REQUEST}
local function put_request(t, id, json, sk, recipient, topic, created, age)
  local rk = k('rq', t, id)
  unindex_request(t, rk)
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
