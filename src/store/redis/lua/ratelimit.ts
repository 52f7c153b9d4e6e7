import { LuaScript } from '../script.js';

/**
 * The Lua twin of src/ratelimit/algorithms/ (decide.ts and the algorithms it calls), line for
 * line in the same order, so that Redis decides with the same double arithmetic as the other
 * backends: the shared contract (test/store/contract/ratelimit.ts) holds both to the same
 * answers. A change to one is a change to the other.
 *
 * ARGV (after the prefix): 2 key, 3 algorithm, 4–7 the normal quota (limit, window ms,
 * refill per ms, initial tokens), 8–11 the penalty quota's limit, refill per ms and initial
 * tokens and the penalty's duration in ms (-1: no penalty box), 12–14 the burst (max, window
 * ms, cooldown ms; max -1: no burst), 15 cost, 16 now, 17 '1' for a dry run.
 *
 * Replies the decision as strings (Redis would truncate Lua numbers to integers): allowed
 * (1/0), limit, remaining, used, reset_at, retry_after_ms, burst remaining, burst used now
 * (1/0), cooldown until (0: none), penalty until (0: none), penalty entered (1/0).
 */
export const CONSUME = new LuaScript(`
local EPS = 1e-9
local FIELDS = { 'window_start', 'current', 'previous', 'tokens', 'refilled_at', 'burst_start',
  'burst_used', 'cooldown_until', 'penalty_until', 'expires_at' }
local function num(i) return tonumber(ARGV[i]) end
local function fmt(x) return string.format('%.17g', x) end
local function copy(s)
  local c = {}
  for f, v in pairs(s) do c[f] = v end
  return c
end
local function window_start(t, w) return t - (t % w) end
local function clamp_elapsed(e, w)
  if e < 0 then return 0 elseif e > w then return w end
  return e
end

local sliding = {}
function sliding.advance(s, q, t)
  local start = window_start(t, q.window)
  if start <= s.window_start then return s end
  local c = copy(s)
  c.previous = (start == s.window_start + q.window) and s.current or 0
  c.current = 0
  c.window_start = start
  return c
end
local function sliding_count(s, q, t)
  if s.previous <= 0 then return s.current end
  local elapsed = clamp_elapsed(t - s.window_start, q.window)
  local weighted = (s.previous * (q.window - elapsed)) / q.window
  return math.floor(weighted + EPS) + s.current
end
function sliding.usage(s, q, t)
  local counted = sliding_count(s, q, t)
  local available = q.limit - counted
  local reset = t
  if s.current > 0 then reset = s.window_start + 2 * q.window
  elseif s.previous > 0 then reset = s.window_start + q.window end
  return available, math.ceil(counted - EPS), math.max(0, math.floor(available + EPS)), reset
end
function sliding.take(s, cost)
  local c = copy(s)
  c.current = s.current + cost
  return c
end
local function falls_to(previous, room, w)
  local most = math.floor(room + EPS) + 1
  return math.max(0, math.floor(w - (most * w) / previous) + 1)
end
local function sliding_fits(s, q, cost, t)
  return sliding_count(sliding.advance(s, q, t), q, t) + cost <= q.limit + EPS
end
function sliding.wait(s, q, cost, t)
  if cost > q.limit + EPS then return math.huge end
  local elapsed = clamp_elapsed(t - s.window_start, q.window)
  local room = q.limit - cost - s.current
  local wait = 0
  if room >= -EPS then
    if s.previous > 0 then wait = falls_to(s.previous, room, q.window) - elapsed end
  else
    wait = q.window - elapsed + falls_to(s.current, q.limit - cost, q.window)
  end
  wait = math.max(0, wait)
  while not sliding_fits(s, q, cost, t + wait) do wait = wait + 1 end
  while wait > 0 and sliding_fits(s, q, cost, t + wait - 1) do wait = wait - 1 end
  return wait
end

local fixed = {}
function fixed.advance(s, q, t)
  local start = window_start(t, q.window)
  if start <= s.window_start then return s end
  local c = copy(s)
  c.window_start = start
  c.current = 0
  c.previous = 0
  return c
end
function fixed.usage(s, q, t)
  local available = q.limit - s.current
  local reset = t
  if s.current > 0 then reset = s.window_start + q.window end
  return available, math.ceil(s.current - EPS), math.max(0, math.floor(available + EPS)), reset
end
fixed.take = sliding.take
function fixed.wait(s, q, cost, t)
  if cost > q.limit + EPS then return math.huge end
  if s.current + cost <= q.limit + EPS then return 0 end
  return s.window_start + q.window - t
end

local bucket = {}
function bucket.advance(s, q, t)
  local elapsed = 0
  if t > s.refilled_at then elapsed = t - s.refilled_at end
  local tokens = math.min(q.limit, s.tokens + elapsed * q.refill)
  if tokens == s.tokens and elapsed == 0 then return s end
  local c = copy(s)
  c.tokens = tokens
  c.refilled_at = math.max(t, s.refilled_at)
  return c
end
function bucket.usage(s, q, t)
  local remaining = math.max(0, math.floor(s.tokens + EPS))
  local missing = q.limit - s.tokens
  local reset = t
  if missing > EPS and q.refill > 0 then reset = t + math.ceil(missing / q.refill - EPS) end
  return s.tokens, math.max(0, q.limit - remaining), remaining, reset
end
function bucket.take(s, cost)
  local c = copy(s)
  c.tokens = s.tokens - cost
  return c
end
function bucket.wait(s, q, cost, t)
  if cost > q.limit + EPS then return math.huge end
  local missing = cost - s.tokens
  if missing <= EPS then return 0 end
  if q.refill <= 0 then return math.huge end
  return math.ceil(missing / q.refill - EPS)
end


local algorithms = { sliding_window = sliding, fixed_window = fixed, token_bucket = bucket }
local alg = algorithms[ARGV[3]]
local normal = { limit = num(4), window = num(5), refill = num(6), initial = num(7) }
local penalty_ms = num(11)
local has_penalty = penalty_ms >= 0
local penalised_quota = { limit = num(8), window = num(5), refill = num(9), initial = num(10) }
local burst_max, burst_window, cooldown = num(12), num(13), num(14)
local has_burst = burst_max >= 0
local cost, now, dry = num(15), num(16), ARGV[17] == '1'
local key = k('rl', ARGV[2])

local function burst_advance(s, t)
  if s.cooldown_until > 0 then
    if t < s.cooldown_until then return s end
    local c = copy(s)
    c.burst_start, c.burst_used, c.cooldown_until = 0, 0, 0
    return c
  end
  if s.burst_start > 0 and t >= s.burst_start + burst_window then
    local c = copy(s)
    c.burst_start, c.burst_used = 0, 0
    return c
  end
  return s
end
local function burst_available(s, t)
  if s.cooldown_until > t then return 0 end
  return math.max(0, burst_max - s.burst_used)
end
local function burst_take(s, units, t)
  local c = copy(s)
  if s.burst_start <= 0 then c.burst_start = t end
  c.burst_used = s.burst_used + units
  c.cooldown_until = 0
  if c.burst_used >= burst_max - EPS then
    c.cooldown_until = math.max(t + cooldown, c.burst_start + burst_window)
  end
  return c
end

-- The stored state, or a fresh one when there is none or it expired.
local raw = redis.call('HMGET', key, unpack(FIELDS))
local state = {}
if raw[10] and tonumber(raw[10]) > now then
  for i, f in ipairs(FIELDS) do state[f] = tonumber(raw[i]) end
else
  for _, f in ipairs(FIELDS) do state[f] = 0 end
  state.tokens = normal.initial
  state.refilled_at = now
end

local penalised = has_penalty and state.penalty_until > now
if not penalised and state.penalty_until > 0 then
  state = copy(state)
  state.penalty_until = 0
end
local quota = penalised and penalised_quota or normal
state = alg.advance(state, quota, now)
if has_burst then state = burst_advance(state, now) end

local available, used, remaining, reset = alg.usage(state, quota, now)
local allowed = cost <= available + EPS
local burst_used_now, entered = false, false
local nxt = state
if allowed then
  nxt = alg.take(state, cost)
  available, used, remaining, reset = alg.usage(nxt, quota, now)
elseif has_burst and not penalised and cost <= burst_available(state, now) + EPS then
  allowed = true
  burst_used_now = true
  nxt = burst_take(state, cost, now)
elseif has_penalty and not penalised and not dry then
  penalised, entered = true, true
  quota = penalised_quota
  nxt = copy(state)
  nxt.penalty_until = now + penalty_ms
  nxt = alg.advance(nxt, quota, now)
  available, used, remaining, reset = alg.usage(nxt, quota, now)
end

local retry = 0
if not allowed then
  retry = alg.wait(nxt, quota, cost, now)
  local untl = nxt.penalty_until
  if has_penalty and untl > now and now + retry > untl then
    local after = alg.advance(nxt, normal, untl)
    retry = math.min(retry, untl - now + alg.wait(after, normal, cost, untl))
  end
  if retry == math.huge then retry = normal.window end
end

local burst_left, cooldown_until = 0, 0
if has_burst then
  burst_left = burst_available(nxt, now)
  if nxt.cooldown_until > now then cooldown_until = nxt.cooldown_until end
end
local penalty_until = 0
if penalised then penalty_until = nxt.penalty_until end

if not dry then
  -- When the state may be forgotten (decide.ts, expiry()).
  local expires = nxt.penalty_until
  local from = math.max(now, expires)
  local _, _, _, counted = alg.usage(alg.advance(nxt, normal, from), normal, from)
  if counted > now then expires = math.max(expires, counted) end
  if has_burst then
    if nxt.cooldown_until > 0 then expires = math.max(expires, nxt.cooldown_until)
    elseif nxt.burst_start > 0 then expires = math.max(expires, nxt.burst_start + burst_window) end
  end
  local index = k('rl-exp')
  if expires > now then
    nxt.expires_at = expires
    local values = {}
    for i, f in ipairs(FIELDS) do
      values[2 * i - 1] = f
      values[2 * i] = fmt(nxt[f])
    end
    redis.call('HSET', key, unpack(values))
    redis.call('PEXPIRE', key, string.format('%d', math.ceil(expires - now)))
    redis.call('ZADD', index, fmt(expires), key)
  else
    redis.call('DEL', key)
    redis.call('ZREM', index, key)
  end
end

local function flag(b) return b and '1' or '0' end
return { flag(allowed), fmt(quota.limit), fmt(remaining), fmt(used), fmt(reset), fmt(retry),
  fmt(burst_left), flag(burst_used_now), fmt(cooldown_until), fmt(penalty_until), flag(entered) }
`);

/** Forgets one key's state (admin reset); replies 1 when it had one. */
export const RESET = new LuaScript(`
local key = k('rl', ARGV[2])
redis.call('ZREM', k('rl-exp'), key)
return redis.call('DEL', key)
`);

/** Forgets up to ARGV[3] states expired at or before ARGV[2]; replies how many. */
export const PURGE_RATELIMIT = new LuaScript(`
local index = k('rl-exp')
local states = redis.call('ZRANGE', index, '-inf', ARGV[2], 'BYSCORE', 'LIMIT', 0, ARGV[3])
for _, state in ipairs(states) do
  redis.call('DEL', state)
  redis.call('ZREM', index, state)
end
return #states
`);
