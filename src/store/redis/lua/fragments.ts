/**
 * Lua functions shared by several scripts; a script includes the ones it uses after the key
 * names (see key-names.ts for `k`).
 */

/**
 * The feed indexes a visible notification belongs to: every one, its category's, and the
 * read or unread ones (all and of its category). The unread-count hash drops a category
 * when its count reaches 0, so counts never list empty categories.
 */
export const LUA_FEED = `
local function feed_keys(t, r, cat, read)
  local state = read and 'read' or 'unread'
  return k('feed', t, r), k('feedc', t, r, cat), k(state, t, r), k(state .. 'c', t, r, cat)
end

-- Unread counts by category, and by priority (pri is false for notifications written
-- before priorities were counted: those never entered the priority counts).
local function count_unread(t, r, cat, pri, delta)
  local counts = k('unreadn', t, r)
  if redis.call('HINCRBY', counts, cat, delta) <= 0 then redis.call('HDEL', counts, cat) end
  if pri then
    local byPri = k('unreadp', t, r)
    if redis.call('HINCRBY', byPri, pri, delta) <= 0 then redis.call('HDEL', byPri, pri) end
  end
end

-- Marks one notification read when it is the recipient's, visible and unread: the read flag,
-- the read/unread indexes and the unread count change together.
local function mark_read(t, r, id, at)
  local nk = k('ntf', id)
  local h = redis.call('HMGET', nk, 'tenant_id', 'recipient_id', 'category', 'read_at', 'deleted_at',
    'priority')
  if h[1] ~= t or h[2] ~= r or h[4] or h[5] then return false end
  local cat = h[3]
  redis.call('HSET', nk, 'read_at', at)
  redis.call('ZREM', k('unread', t, r), id)
  redis.call('ZREM', k('unreadc', t, r, cat), id)
  redis.call('ZADD', k('read', t, r), 0, id)
  redis.call('ZADD', k('readc', t, r, cat), 0, id)
  count_unread(t, r, cat, h[6], -1)
  return true
end

-- Takes a notification out of every feed index and the counts (removal, purge).
local function unindex(t, r, id, cat, pri, read)
  local all, ofCat, state, stateOfCat = feed_keys(t, r, cat, read)
  redis.call('ZREM', all, id)
  redis.call('ZREM', ofCat, id)
  redis.call('ZREM', state, id)
  redis.call('ZREM', stateOfCat, id)
  redis.call('ZREM', k('uexp', t, r), id)
  if not read then count_unread(t, r, cat, pri, -1) end
end
`;

/**
 * Puts a delivery where its state says: pending and unleased in its channel's due set
 * (scored by next attempt), pending and leased in its channel's leased set (scored by the
 * lease's end, so claim finds run-out leases by score), failed in its tenant's dead-letter
 * set (score 0: ordered by id), otherwise in none.
 */
export const LUA_DELIVERY_INDEX = `
local function index_delivery(id)
  local h = redis.call('HMGET', k('dlv', id), 'channel', 'status', 'next_attempt_at', 'lease_until',
    'tenant_id')
  local due, leased = k('due', h[1]), k('leased', h[1])
  redis.call('ZREM', due, id)
  redis.call('ZREM', leased, id)
  if h[2] == 'pending' then
    if h[4] then
      redis.call('ZADD', leased, h[4], id)
    else
      redis.call('ZADD', due, h[3], id)
    end
  end
  if h[2] == 'failed' then
    redis.call('ZADD', k('dead', h[5]), 0, id)
  else
    redis.call('ZREM', k('dead', h[5]), id)
  end
end
`;

/**
 * The order due work is claimed in and objects are listed in: entries `{ id, score, … }`
 * by score, then id (`table.sort(entries, by_score_then_id)`).
 */
export const LUA_BY_SCORE = `
local function by_score_then_id(a, b)
  if a[2] ~= b[2] then return a[2] < b[2] end
  return a[1] < b[1]
end
`;

/**
 * Deletes a notification's deliveries with their queue, dead-letter and provider message id
 * entries, and its delivery index.
 */
export const LUA_DROP_DELIVERIES = `
local function drop_deliveries(id)
  local of = k('ndlv', id)
  for _, d in ipairs(redis.call('ZRANGE', of, 0, -1)) do
    local h = redis.call('HMGET', k('dlv', d), 'channel', 'tenant_id', 'provider_message_id')
    if h[1] then
      redis.call('ZREM', k('due', h[1]), d)
      redis.call('ZREM', k('leased', h[1]), d)
      redis.call('ZREM', k('dead', h[2]), d)
      if h[3] then redis.call('DEL', k('pmid', h[1], h[3])) end
    end
    redis.call('DEL', k('dlv', d))
  end
  redis.call('DEL', of)
end
`;

/** ARGV from `from` on, each value once, in order: the ids a script applies itself to. */
export const LUA_DISTINCT_ARGV = `
local function distinct_argv(from)
  local seen, ids = {}, {}
  for i = from, #ARGV do
    local id = ARGV[i]
    if not seen[id] then
      seen[id] = true
      ids[#ids + 1] = id
    end
  end
  return ids
end
`;

/**
 * What a claim may lease, for delivery claims and job claims alike: per group named in
 * ARGV[6…] (a channel, a job kind), leases that ran out by `now` rejoin the group's due set
 * first (at the record's own due time `due_field`, so they keep their place); then the first
 * `limit` due ids of each group, merged by (due time, id). Entries are `{ id, due, group }`.
 * Bounded by how much work is leased at once and by `limit`, not by the backlog. Includes
 * LUA_BY_SCORE.
 */
export const LUA_GATHER_DUE = `${LUA_BY_SCORE}
local function gather_due(now, limit, due_key, leased_key, record_key, due_field)
  local due = {}
  for c = 6, #ARGV do
    local group = ARGV[c]
    local leased = k(leased_key, group)
    for _, id in ipairs(redis.call('ZRANGE', leased, '-inf', now, 'BYSCORE')) do
      redis.call('ZREM', leased, id)
      redis.call('ZADD', k(due_key, group), redis.call('HGET', k(record_key, id), due_field), id)
    end
    local rows = redis.call('ZRANGE', k(due_key, group), '-inf', now, 'BYSCORE', 'LIMIT', 0, limit, 'WITHSCORES')
    for i = 1, #rows, 2 do due[#due + 1] = { rows[i], tonumber(rows[i + 1]), group } end
  end
  table.sort(due, by_score_then_id)
  return due
end
`;

/** Appends to `out` the hashes of the records an index (a sorted set of ids) lists, in its order. */
export const LUA_HASHES_OF = `
local function hashes_of(out, index, kind)
  for _, id in ipairs(redis.call('ZRANGE', index, 0, -1)) do
    out[#out + 1] = redis.call('HGETALL', k(kind, id))
  end
  return out
end
`;
