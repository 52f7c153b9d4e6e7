import { LuaLibrary } from '../../../redis/library.js';

/**
 * The Lua twin of src/ratelimit/algorithms/ (decide.ts and the algorithms it calls), step
 * for step in the same order, so that Redis decides with the same double arithmetic as the
 * other backends: test/ratelimit/redis-limiter.test.ts holds the two to identical answers
 * over thousands of random decisions. A change to one is a change to the other.
 *
 * Written for speed, because it runs once per request: every helper is defined once at the
 * library's top level (as a Redis function it is loaded once, not on every call), the limit
 * arrives packed in one argument, the key's name in KEYS, and a key's state is one string
 * of ten little-endian doubles in the order of STATE_FIELDS (state.ts), written with its TTL
 * in one SET. Redis forgets a state by that TTL: there is no index to keep.
 *
 * consume(KEYS, ARGV): KEYS[1] the state's key; ARGV[1] the limit, twelve little-endian
 * doubles (see packSpec in ../ratelimit.ts): algorithm (1 sliding window, 2 token bucket,
 * 3 fixed window), the normal quota's limit, window ms, refill per ms and initial tokens,
 * the penalty quota's limit, refill per ms and initial tokens, the penalty's duration in ms
 * (-1: no penalty box), the burst's max (-1: no burst), window ms and cooldown ms; ARGV[2]
 * cost, ARGV[3] now, ARGV[4] '1' for a dry run.
 *
 * Replies eleven little-endian doubles: allowed (1/0), limit, remaining, used, reset_at,
 * retry_after_ms, burst remaining, burst used now (1/0), cooldown until (0: none), penalty
 * until (0: none), penalty entered (1/0).
 *
 * consume_many(KEYS, ARGV): consume() for each key in turn, KEYS[i] with ARGV[4i-3..4i]
 * (a key may come more than once: each sees the state the one before left). Replies the
 * replies one after the other, eleven doubles each.
 */
export const RATELIMIT = new LuaLibrary(
  'notifyd_ratelimit',
  ['consume', 'consume_many'],
  `
-- Library functions as locals, taken on the first call: a function library's top level
-- runs where only \`redis\` is defined.
local tonumber, struct, floor, ceil, max, min, huge
local function init()
  tonumber, struct = _G.tonumber, _G.struct
  floor, ceil, max, min, huge = math.floor, math.ceil, math.max, math.min, math.huge
end
local EPS = 1e-9
local STATE = '<dddddddddd'
local SPEC = '<dddddddddddd'
local REPLY = '<ddddddddddd'

local function copy(s)
  return { window_start = s.window_start, current = s.current, previous = s.previous,
    tokens = s.tokens, refilled_at = s.refilled_at, burst_start = s.burst_start,
    burst_used = s.burst_used, cooldown_until = s.cooldown_until,
    penalty_until = s.penalty_until, expires_at = s.expires_at }
end

-- The counting algorithms (counting.ts): advance and take change the state; usage replies
-- available, used, remaining, reset_at; wait replies ms until cost fits (huge: never).
-- A quota q is { limit, window, refill, initial }.
local function take_window(s, c) s.current = s.current + c end

local function clamp(e, w)
  if e < 0 then return 0 elseif e > w then return w end
  return e
end

local sliding = { take = take_window }
function sliding.advance(s, q, t)
  local start = t - (t % q.window)
  if start <= s.window_start then return end
  if start == s.window_start + q.window then s.previous = s.current else s.previous = 0 end
  s.current = 0
  s.window_start = start
end
local function sliding_count(s, q, t)
  if s.previous <= 0 then return s.current end
  local weighted = (s.previous * (q.window - clamp(t - s.window_start, q.window))) / q.window
  return floor(weighted + EPS) + s.current
end
local function falls_to(previous, room, w)
  local most = floor(room + EPS) + 1
  return max(0, floor(w - (most * w) / previous) + 1)
end
local function sliding_fits(s, q, c, t)
  local later = copy(s)
  sliding.advance(later, q, t)
  return sliding_count(later, q, t) + c <= q.limit + EPS
end
function sliding.usage(s, q, t)
  local counted = sliding_count(s, q, t)
  local available = q.limit - counted
  local reset = t
  if s.current > 0 then reset = s.window_start + 2 * q.window
  elseif s.previous > 0 then reset = s.window_start + q.window end
  return available, ceil(counted - EPS), max(0, floor(available + EPS)), reset
end
function sliding.wait(s, q, c, t)
  if c > q.limit + EPS then return huge end
  local elapsed = clamp(t - s.window_start, q.window)
  local room = q.limit - c - s.current
  local w = 0
  if room >= -EPS then
    if s.previous > 0 then w = falls_to(s.previous, room, q.window) - elapsed end
  else
    w = q.window - elapsed + falls_to(s.current, q.limit - c, q.window)
  end
  w = max(0, w)
  while not sliding_fits(s, q, c, t + w) do w = w + 1 end
  while w > 0 and sliding_fits(s, q, c, t + w - 1) do w = w - 1 end
  return w
end

local fixed = { take = take_window }
function fixed.advance(s, q, t)
  local start = t - (t % q.window)
  if start <= s.window_start then return end
  s.window_start = start
  s.current = 0
  s.previous = 0
end
function fixed.usage(s, q, t)
  local available = q.limit - s.current
  local reset = t
  if s.current > 0 then reset = s.window_start + q.window end
  return available, ceil(s.current - EPS), max(0, floor(available + EPS)), reset
end
function fixed.wait(s, q, c, t)
  if c > q.limit + EPS then return huge end
  if s.current + c <= q.limit + EPS then return 0 end
  return s.window_start + q.window - t
end

local bucket = {}
function bucket.advance(s, q, t)
  local elapsed = 0
  if t > s.refilled_at then elapsed = t - s.refilled_at end
  s.tokens = min(q.limit, s.tokens + elapsed * q.refill)
  if elapsed > 0 then s.refilled_at = t end
end
function bucket.usage(s, q, t)
  local remaining = max(0, floor(s.tokens + EPS))
  local missing = q.limit - s.tokens
  local reset = t
  if missing > EPS and q.refill > 0 then reset = t + ceil(missing / q.refill - EPS) end
  return s.tokens, max(0, q.limit - remaining), remaining, reset
end
function bucket.take(s, c) s.tokens = s.tokens - c end
function bucket.wait(s, q, c, t)
  if c > q.limit + EPS then return huge end
  local missing = c - s.tokens
  if missing <= EPS then return 0 end
  if q.refill <= 0 then return huge end
  return ceil(missing / q.refill - EPS)
end

local ALGORITHMS = { sliding, bucket, fixed }

-- Burst (burst.ts); b is { max, window, cooldown }.
local function burst_advance(s, t, b)
  if s.cooldown_until > 0 then
    if t < s.cooldown_until then return end
    s.cooldown_until = 0
  elseif s.burst_start <= 0 or t < s.burst_start + b.window then
    return
  end
  s.burst_start = 0
  s.burst_used = 0
end
local function burst_available(s, t, b)
  if s.cooldown_until > t then return 0 end
  return max(0, b.max - s.burst_used)
end
local function burst_take(s, c, t, b)
  if s.burst_start <= 0 then s.burst_start = t end
  s.burst_used = s.burst_used + c
  if s.burst_used >= b.max - EPS then
    s.cooldown_until = max(t + b.cooldown, s.burst_start + b.window)
  end
end

local function flag(b) if b then return 1 end return 0 end

-- The working records of a call. As a function, the library keeps them between calls and
-- consume() fills them in: Redis runs one call at a time, and a new table per call costs
-- more than the rest of the algorithm.
local normal, penalised_quota, b, s = {}, {}, {}, {}
local function fill(q, limit, window, refill, initial)
  q.limit, q.window, q.refill, q.initial = limit, window, refill, initial
  return q
end

-- decideInPlace (decide.ts).
local function consume(keys, args)
  if not floor then init() end
  local key = keys[1]
  local code, n_limit, window, n_refill, n_initial, p_limit, p_refill, p_initial, penalty_ms,
    burst_max, burst_window, cooldown = struct.unpack(SPEC, args[1])
  local cost, now, dry = tonumber(args[2]), tonumber(args[3]), args[4] == '1'
  local algorithm = ALGORITHMS[code]
  fill(normal, n_limit, window, n_refill, n_initial)
  local has_penalty = penalty_ms >= 0
  local has_burst = burst_max >= 0
  b.max, b.window, b.cooldown = burst_max, burst_window, cooldown

  local packed = redis.call('GET', key)
  local live = false
  if packed then
    s.window_start, s.current, s.previous, s.tokens, s.refilled_at, s.burst_start,
      s.burst_used, s.cooldown_until, s.penalty_until, s.expires_at = struct.unpack(STATE, packed)
    live = s.expires_at > now
  end
  if not live then
    s.window_start, s.current, s.previous, s.tokens, s.refilled_at = 0, 0, 0, n_initial, now
    s.burst_start, s.burst_used, s.cooldown_until, s.penalty_until, s.expires_at = 0, 0, 0, 0, 0
  end

  local penalised = has_penalty and s.penalty_until > now
  if not penalised then s.penalty_until = 0 end
  local quota = normal
  if penalised then quota = fill(penalised_quota, p_limit, window, p_refill, p_initial) end
  algorithm.advance(s, quota, now)
  if has_burst then burst_advance(s, now, b) end

  local available, used, remaining, reset = algorithm.usage(s, quota, now)
  local allowed = cost <= available + EPS
  local burst_used_now, entered = false, false
  if allowed then
    algorithm.take(s, cost)
    available, used, remaining, reset = algorithm.usage(s, quota, now)
  elseif has_burst and not penalised and cost <= burst_available(s, now, b) + EPS then
    allowed, burst_used_now = true, true
    burst_take(s, cost, now, b)
  elseif has_penalty and not penalised and not dry then
    penalised, entered = true, true
    quota = fill(penalised_quota, p_limit, window, p_refill, p_initial)
    s.penalty_until = now + penalty_ms
    algorithm.advance(s, quota, now)
    available, used, remaining, reset = algorithm.usage(s, quota, now)
  end

  -- retryAfter (decide.ts).
  local retry = 0
  if not allowed then
    retry = algorithm.wait(s, quota, cost, now)
    local untl = s.penalty_until
    if has_penalty and untl > now and now + retry > untl then
      local after = copy(s)
      algorithm.advance(after, normal, untl)
      retry = min(retry, untl - now + algorithm.wait(after, normal, cost, untl))
    end
    if retry == huge then retry = window end
  end

  local burst_left, cooldown_until = 0, 0
  if has_burst then
    burst_left = burst_available(s, now, b)
    if s.cooldown_until > now then cooldown_until = s.cooldown_until end
  end
  local penalty_until = 0
  if penalised then penalty_until = s.penalty_until end

  if not dry then
    -- expiry (decide.ts). Under the normal quota at now, the counted state's reset is the
    -- one usage replied above: no burst step changes what the algorithm counts.
    local expires = s.penalty_until
    local counted = reset
    if expires > now or quota ~= normal then
      local from = max(now, expires)
      local later = copy(s)
      algorithm.advance(later, normal, from)
      local _a, _u, _r, r = algorithm.usage(later, normal, from)
      counted = r
    end
    if counted > now then expires = max(expires, counted) end
    if has_burst then
      if s.cooldown_until > 0 then expires = max(expires, s.cooldown_until)
      elseif s.burst_start > 0 then expires = max(expires, s.burst_start + b.window) end
    end
    if expires > now then
      local state = struct.pack(STATE, s.window_start, s.current, s.previous, s.tokens,
        s.refilled_at, s.burst_start, s.burst_used, s.cooldown_until, s.penalty_until, expires)
      -- Redis writes a whole number given to it as one: the TTL needs no formatting.
      redis.call('SET', key, state, 'PX', ceil(expires - now))
    elseif packed then
      redis.call('DEL', key)
    end
  end

  -- reachMs (counting.ts): no reset reported further ahead than the algorithm reaches.
  local reach = huge
  if code == 1 then reach = 2 * window elseif code == 3 then reach = window end
  return struct.pack(REPLY, flag(allowed), quota.limit, remaining, used, min(reset, now + reach),
    retry, burst_left, flag(burst_used_now), cooldown_until, penalty_until, flag(entered))
end

local one_key, one_args = {}, {}
local function consume_many(keys, args)
  local replies = {}
  for i = 1, #keys do
    local at = (i - 1) * 4
    one_key[1] = keys[i]
    one_args[1], one_args[2], one_args[3], one_args[4] =
      args[at + 1], args[at + 2], args[at + 3], args[at + 4]
    replies[i] = consume(one_key, one_args)
  end
  return table.concat(replies)
end
`,
);
