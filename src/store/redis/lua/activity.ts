import { LuaScript } from '../../../redis/script.js';

/**
 * Shared by the activity scripts: a row of `aact:{t}:{day}` is `first|last|prev_last`.
 */
const ROWS = `
local function num(x) return string.format('%d', x) end
local function getRow(t, day, user)
  local v = redis.call('HGET', k('aact', t, day), user)
  if not v then return nil end
  local f, l, p = string.match(v, '^(-?%d+)|(-?%d+)|(-?%d+)$')
  return { first = tonumber(f), last = tonumber(l), prev = tonumber(p) }
end
local function putRow(t, day, user, r)
  redis.call('HSET', k('aact', t, day), user, num(r.first) .. '|' .. num(r.last) .. '|' .. num(r.prev))
  redis.call('ZADD', k('aactl', t, day), num(r.last), user)
  redis.call('ZADD', k('aactp', t, day), num(r.prev), user)
end
-- Whether '*' rows are kept, and else the one tenant that has rows (nil: none has).
local function mode()
  local one = nil
  for _, t in ipairs(redis.call('SMEMBERS', k('aactt'))) do
    if t == '*' then return true, nil end
    one = t
  end
  return false, one
end
`;

/**
 * Adds activity groups (src/analytics/activity.ts) to their rows. ARGV[2] is NO_PREV, then
 * five arguments per group: tenant, user, day, first, last. The groups of tenant '*' are
 * written only once a second tenant has rows: the script that sees the second tenant copies
 * the first one's rows to '*' first (activity.ts). Keys, per tenant t (or '*'):
 *
 * | key                 | type | holds                                              |
 * |---------------------|------|----------------------------------------------------|
 * | aact:{t}:{day}      | hash | user → `first\\|last\\|prev_last` of that day       |
 * | aactl:{t}:{day}     | zset | user by the day's last event                       |
 * | aactp:{t}:{day}     | zset | user by prev_last (the last event before the day)  |
 * | aactu:{t}:{user}    | zset | the user's days (member and score the day)         |
 * | aactd:{t}           | zset | the days that have rows                            |
 * | aactt               | set  | the tenants that have rows                         |
 *
 * A row whose last moved gives the user's next row its prev_last; a new row takes the
 * previous row's last. Replies how many rows changed.
 */
export const ADD_ACTIVITY = new LuaScript(`${ROWS}
local none = tonumber(ARGV[2])
local changed = 0
local all, one = mode()
if not all then
  local seen = one
  local i = 3
  while i <= #ARGV and not all do
    local t = ARGV[i]
    if t ~= '*' then
      if seen == nil then seen = t elseif t ~= seen then all = true end
    end
    i = i + 5
  end
  if all and one then
    -- The second tenant: '*' rows start as a copy of the first one's.
    for _, day in ipairs(redis.call('ZRANGE', k('aactd', one), 0, -1)) do
      local rows = redis.call('HGETALL', k('aact', one, day))
      for j = 1, #rows, 2 do
        local user = rows[j]
        redis.call('HSET', k('aact', '*', day), user, rows[j + 1])
        redis.call('ZADD', k('aactu', '*', user), day, day)
      end
      redis.call('ZUNIONSTORE', k('aactl', '*', day), 1, k('aactl', one, day))
      redis.call('ZUNIONSTORE', k('aactp', '*', day), 1, k('aactp', one, day))
      redis.call('ZADD', k('aactd', '*'), day, day)
    end
    redis.call('SADD', k('aactt'), '*')
  end
end
local i = 3
while i <= #ARGV do
  local t, user, day, first, last = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4])
  i = i + 5
  if t ~= '*' or all then
  local days = k('aactu', t, user)
  local row = getRow(t, day, user)
  local moved = false
  if row then
    if first < row.first then row.first = first; moved = true end
    if last > row.last then row.last = last; moved = true end
  else
    local before = redis.call('ZREVRANGEBYSCORE', days, '(' .. day, '-inf', 'LIMIT', 0, 1)[1]
    row = { first = first, last = last, prev = none }
    if before then row.prev = getRow(t, before, user).last end
    redis.call('ZADD', days, day, day)
    redis.call('ZADD', k('aactd', t), day, day)
    redis.call('SADD', k('aactt'), t)
    moved = true
  end
  if moved then
    changed = changed + 1
    putRow(t, day, user, row)
    local after = redis.call('ZRANGEBYSCORE', days, '(' .. day, '+inf', 'LIMIT', 0, 1)[1]
    if after then
      local nextRow = getRow(t, after, user)
      if nextRow.prev ~= row.last then
        nextRow.prev = row.last
        putRow(t, after, user, nextRow)
      end
    end
  end
  end
end
return changed
`);

/**
 * Counts rows of one day's activity for a window part: ARGV[2] tenant ('*': across tenants,
 * counted from the one tenant's rows while no '*' rows are kept), [3] day, [4] from, [5] to,
 * [6] '1' for rows with last >= from, '0' for rows with prev_last < from; rows need first < to
 * as well.
 */
export const COUNT_ACTIVITY = new LuaScript(`${ROWS}
local t, day, from, to = ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
if t == '*' then
  local all, one = mode()
  if not all then
    if one == nil then return 0 end
    t = one
  end
end
local users
if ARGV[6] == '1' then
  users = redis.call('ZRANGEBYSCORE', k('aactl', t, day), num(from), '+inf')
else
  users = redis.call('ZRANGEBYSCORE', k('aactp', t, day), '-inf', '(' .. num(from))
end
local n = 0
for _, user in ipairs(users) do
  if getRow(t, day, user).first < to then n = n + 1 end
end
return n
`);

/**
 * Forgets activity rows of days before ARGV[2], per tenant and day (see ADD_ACTIVITY's
 * keys). Replies how many rows.
 */
export const PURGE_ACTIVITY = new LuaScript(`
local before = ARGV[2]
local n = 0
for _, t in ipairs(redis.call('SMEMBERS', k('aactt'))) do
  for _, day in ipairs(redis.call('ZRANGEBYSCORE', k('aactd', t), '-inf', '(' .. before)) do
    local users = redis.call('HKEYS', k('aact', t, day))
    for _, user in ipairs(users) do
      local days = k('aactu', t, user)
      redis.call('ZREM', days, day)
      if redis.call('ZCARD', days) == 0 then redis.call('DEL', days) end
    end
    n = n + #users
    redis.call('DEL', k('aact', t, day), k('aactl', t, day), k('aactp', t, day))
    redis.call('ZREM', k('aactd', t), day)
  end
  if redis.call('ZCARD', k('aactd', t)) == 0 then redis.call('SREM', k('aactt'), t) end
end
return n
`);
