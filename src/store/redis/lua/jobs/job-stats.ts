import { LuaScript } from '../../../../redis/script.js';

/**
 * Counts per kind at a time. ARGV: now. Replies, per kind ever scheduled, { kind, scheduled,
 * due, running, failed }; a running job whose lease ended counts as due.
 */
export const JOB_STATS = new LuaScript(`
local now = ARGV[2]
local out = {}
for _, kind in ipairs(redis.call('SMEMBERS', k('jkinds'))) do
  local due, leased = k('jdue', kind), k('jlease', kind)
  out[#out + 1] = {
    kind,
    redis.call('ZCOUNT', due, '(' .. now, '+inf'),
    redis.call('ZCOUNT', due, '-inf', now) + redis.call('ZCOUNT', leased, '-inf', now),
    redis.call('ZCOUNT', leased, '(' .. now, '+inf'),
    redis.call('ZCARD', k('jfail', kind)),
  }
end
return out
`);
