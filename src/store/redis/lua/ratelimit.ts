import { LuaScript } from '../script.js';

/**
 * The Lua twin of src/ratelimit/algorithms/ (decide.ts and the algorithms it calls), step
 * for step in the same order, so that Redis decides with the same double arithmetic as the
 * other backends: test/ratelimit/redis-limiter.test.ts holds the two to identical answers
 * over thousands of random decisions. A change to one is a change to the other.
 *
 * A key's state is one string of ten little-endian doubles in the order of STATE_FIELDS
 * (state.ts), written with its TTL in one SET: exact, and a third of the Redis time a hash
 * of formatted numbers took. Only the algorithm in use is defined on each call, for the
 * same reason.
 *
 * ARGV (after the prefix): 2 key, 3 algorithm, 4–7 the normal quota (limit, window ms,
 * refill per ms, initial tokens), 8–10 the penalty quota's limit, refill per ms and initial
 * tokens, 11 the penalty's duration in ms (-1: no penalty box), 12–14 the burst (max, window
 * ms, cooldown ms; max -1: no burst), 15 cost, 16 now, 17 '1' for a dry run.
 *
 * Replies eleven little-endian doubles: allowed (1/0), limit, remaining, used, reset_at,
 * retry_after_ms, burst remaining, burst used now (1/0), cooldown until (0: none), penalty
 * until (0: none), penalty entered (1/0).
 */
export const CONSUME = new LuaScript(`
-- Globals are looked up through Redis' guard on every use; locals are not.
local tonumber, math, struct, redis = tonumber, math, struct, redis
local EPS = 1e-9
local STATE = '<dddddddddd'
local function num(i) return tonumber(ARGV[i]) end
local algorithm = ARGV[3]
local normal = { limit = num(4), window = num(5), refill = num(6), initial = num(7) }
local penalised_quota = { limit = num(8), window = num(5), refill = num(9), initial = num(10) }
local penalty_ms = num(11)
local burst_max, burst_window, cooldown = num(12), num(13), num(14)
local cost, now, dry = num(15), num(16), ARGV[17] == '1'
local has_penalty, has_burst = penalty_ms >= 0, burst_max >= 0
local key = k('rl', ARGV[2])

local function copy(s)
  return { window_start = s.window_start, current = s.current, previous = s.previous,
    tokens = s.tokens, refilled_at = s.refilled_at, burst_start = s.burst_start,
    burst_used = s.burst_used, cooldown_until = s.cooldown_until,
    penalty_until = s.penalty_until, expires_at = s.expires_at }
end

-- The counting algorithm (counting.ts): advance and take change the state; usage replies
-- available, used, remaining, reset_at; wait replies ms until cost fits (math.huge: never).
local advance, usage, take, wait
if algorithm == 'token_bucket' then
  advance = function(s, q, t)
    local elapsed = 0
    if t > s.refilled_at then elapsed = t - s.refilled_at end
    s.tokens = math.min(q.limit, s.tokens + elapsed * q.refill)
    if elapsed > 0 then s.refilled_at = t end
  end
  usage = function(s, q, t)
    local remaining = math.max(0, math.floor(s.tokens + EPS))
    local missing = q.limit - s.tokens
    local reset = t
    if missing > EPS and q.refill > 0 then reset = t + math.ceil(missing / q.refill - EPS) end
    return s.tokens, math.max(0, q.limit - remaining), remaining, reset
  end
  take = function(s, c) s.tokens = s.tokens - c end
  wait = function(s, q, c, t)
    if c > q.limit + EPS then return math.huge end
    local missing = c - s.tokens
    if missing <= EPS then return 0 end
    if q.refill <= 0 then return math.huge end
    return math.ceil(missing / q.refill - EPS)
  end
else
  local sliding = algorithm == 'sliding_window'
  advance = function(s, q, t)
    local start = t - (t % q.window)
    if start <= s.window_start then return end
    if sliding and start == s.window_start + q.window then s.previous = s.current
    else s.previous = 0 end
    s.current = 0
    s.window_start = start
  end
  take = function(s, c) s.current = s.current + c end
  if sliding then
    local function clamp(e, w)
      if e < 0 then return 0 elseif e > w then return w end
      return e
    end
    local function count(s, q, t)
      if s.previous <= 0 then return s.current end
      local weighted = (s.previous * (q.window - clamp(t - s.window_start, q.window))) / q.window
      return math.floor(weighted + EPS) + s.current
    end
    local function falls_to(previous, room, w)
      local most = math.floor(room + EPS) + 1
      return math.max(0, math.floor(w - (most * w) / previous) + 1)
    end
    local function fits(s, q, c, t)
      local later = copy(s)
      advance(later, q, t)
      return count(later, q, t) + c <= q.limit + EPS
    end
    usage = function(s, q, t)
      local counted = count(s, q, t)
      local available = q.limit - counted
      local reset = t
      if s.current > 0 then reset = s.window_start + 2 * q.window
      elseif s.previous > 0 then reset = s.window_start + q.window end
      return available, math.ceil(counted - EPS), math.max(0, math.floor(available + EPS)), reset
    end
    wait = function(s, q, c, t)
      if c > q.limit + EPS then return math.huge end
      local elapsed = clamp(t - s.window_start, q.window)
      local room = q.limit - c - s.current
      local w = 0
      if room >= -EPS then
        if s.previous > 0 then w = falls_to(s.previous, room, q.window) - elapsed end
      else
        w = q.window - elapsed + falls_to(s.current, q.limit - c, q.window)
      end
      w = math.max(0, w)
      while not fits(s, q, c, t + w) do w = w + 1 end
      while w > 0 and fits(s, q, c, t + w - 1) do w = w - 1 end
      return w
    end
  else
    usage = function(s, q, t)
      local available = q.limit - s.current
      local reset = t
      if s.current > 0 then reset = s.window_start + q.window end
      return available, math.ceil(s.current - EPS), math.max(0, math.floor(available + EPS)), reset
    end
    wait = function(s, q, c, t)
      if c > q.limit + EPS then return math.huge end
      if s.current + c <= q.limit + EPS then return 0 end
      return s.window_start + q.window - t
    end
  end
end

-- Burst (burst.ts).
local function burst_advance(s, t)
  if s.cooldown_until > 0 then
    if t < s.cooldown_until then return end
    s.cooldown_until = 0
  elseif s.burst_start <= 0 or t < s.burst_start + burst_window then
    return
  end
  s.burst_start = 0
  s.burst_used = 0
end
local function burst_available(s, t)
  if s.cooldown_until > t then return 0 end
  return math.max(0, burst_max - s.burst_used)
end
local function burst_take(s, c, t)
  if s.burst_start <= 0 then s.burst_start = t end
  s.burst_used = s.burst_used + c
  if s.burst_used >= burst_max - EPS then
    s.cooldown_until = math.max(t + cooldown, s.burst_start + burst_window)
  end
end

-- decideInPlace (decide.ts).
local s = {}
local packed = redis.call('GET', key)
if packed then
  s.window_start, s.current, s.previous, s.tokens, s.refilled_at, s.burst_start, s.burst_used,
    s.cooldown_until, s.penalty_until, s.expires_at = struct.unpack(STATE, packed)
end
-- Whether the key already has its entry in the expiry index (it does while its state lives).
local fresh_index = packed and s.expires_at > now
if not packed or s.expires_at <= now then
  s.window_start, s.current, s.previous, s.tokens, s.refilled_at = 0, 0, 0, normal.initial, now
  s.burst_start, s.burst_used, s.cooldown_until, s.penalty_until, s.expires_at = 0, 0, 0, 0, 0
end

local penalised = has_penalty and s.penalty_until > now
if not penalised then s.penalty_until = 0 end
local quota = penalised and penalised_quota or normal
advance(s, quota, now)
if has_burst then burst_advance(s, now) end

local available, used, remaining, reset = usage(s, quota, now)
local allowed = cost <= available + EPS
local burst_used_now, entered = false, false
if allowed then
  take(s, cost)
  available, used, remaining, reset = usage(s, quota, now)
elseif has_burst and not penalised and cost <= burst_available(s, now) + EPS then
  allowed, burst_used_now = true, true
  burst_take(s, cost, now)
elseif has_penalty and not penalised and not dry then
  penalised, entered = true, true
  quota = penalised_quota
  s.penalty_until = now + penalty_ms
  advance(s, quota, now)
  available, used, remaining, reset = usage(s, quota, now)
end

-- retryAfter (decide.ts).
local retry = 0
if not allowed then
  retry = wait(s, quota, cost, now)
  local untl = s.penalty_until
  if has_penalty and untl > now and now + retry > untl then
    local after = copy(s)
    advance(after, normal, untl)
    retry = math.min(retry, untl - now + wait(after, normal, cost, untl))
  end
  if retry == math.huge then retry = normal.window end
end

local burst_left, cooldown_until = 0, 0
if has_burst then
  burst_left = burst_available(s, now)
  if s.cooldown_until > now then cooldown_until = s.cooldown_until end
end
local penalty_until = 0
if penalised then penalty_until = s.penalty_until end

if not dry then
  -- expiry (decide.ts).
  local expires = s.penalty_until
  local counted
  if expires <= now and quota == normal then
    local _a, _u, _r, r = usage(s, normal, now)
    counted = r
  else
    local from = math.max(now, expires)
    local later = copy(s)
    advance(later, normal, from)
    local _a, _u, _r, r = usage(later, normal, from)
    counted = r
  end
  if counted > now then expires = math.max(expires, counted) end
  if has_burst then
    if s.cooldown_until > 0 then expires = math.max(expires, s.cooldown_until)
    elseif s.burst_start > 0 then expires = math.max(expires, s.burst_start + burst_window) end
  end
  s.expires_at = expires
  local index = k('rl-exp')
  if expires > now then
    local state = struct.pack(STATE, s.window_start, s.current, s.previous, s.tokens,
      s.refilled_at, s.burst_start, s.burst_used, s.cooldown_until, s.penalty_until, expires)
    redis.call('SET', key, state, 'PX', string.format('%d', math.ceil(expires - now)))
    -- Only a new state joins the index: a live key's entry keeps an earlier score, and
    -- PURGE_RATELIMIT reads the state before it forgets anything. One sorted-set write
    -- less per decision.
    if not fresh_index then redis.call('ZADD', index, string.format('%.17g', expires), key) end
  elseif packed then
    redis.call('DEL', key)
    redis.call('ZREM', index, key)
  end
end

local function flag(b) if b then return 1 end return 0 end
return struct.pack('<ddddddddddd', flag(allowed), quota.limit, remaining, used, reset, retry,
  burst_left, flag(burst_used_now), cooldown_until, penalty_until, flag(entered))
`);

/** Forgets one key's state (admin reset); replies 1 when it had one. */
export const RESET = new LuaScript(`
local key = k('rl', ARGV[2])
redis.call('ZREM', k('rl-exp'), key)
return redis.call('DEL', key)
`);

/**
 * Looks at up to ARGV[3] index entries due at or before ARGV[2] and forgets the states among
 * them that expired; replies { forgotten, looked at }. An index
 * entry's score is the expiry its state had when it was created, which later decisions may
 * have pushed back: the state itself says, and a live one is scored again instead.
 */
export const PURGE_RATELIMIT = new LuaScript(`
local index = k('rl-exp')
local now = tonumber(ARGV[2])
local keys = redis.call('ZRANGE', index, '-inf', ARGV[2], 'BYSCORE', 'LIMIT', 0, ARGV[3])
local purged = 0
for _, key in ipairs(keys) do
  local packed = redis.call('GET', key)
  local expires = packed and select(10, struct.unpack('<dddddddddd', packed))
  if expires and expires > now then
    redis.call('ZADD', index, string.format('%.17g', expires), key)
  else
    if packed then redis.call('DEL', key) end
    redis.call('ZREM', index, key)
    purged = purged + 1
  end
end
return { purged, #keys }
`);
