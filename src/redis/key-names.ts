/**
 * How notifyd names its Redis keys: a prefix, then a kind, then parts, each part escaped and
 * joined with `:`. Escaping `%` and `:` in each part keeps names unambiguous: tenant `a:b`
 * with recipient `c` and tenant `a` with recipient `b:c` never share a key. Scripts build
 * names with the Lua twin below (`LUA_KEY_NAMES`); the two must stay in step.
 */

/** One part of a key name, with `%` and `:` escaped. */
export function escapePart(part: string): string {
  return part.replace(/[%:]/g, (c) => (c === '%' ? '%25' : '%3A'));
}

/** `{prefix}{kind}:{part}:{part}…` */
export function keyName(prefix: string, kind: string, ...parts: string[]): string {
  if (parts.length === 0) return prefix + kind;
  return `${prefix}${kind}:${parts.map(escapePart).join(':')}`;
}

/**
 * The Lua twin of `keyName`: `k(kind, part…)`. Every script starts with it and takes the
 * prefix as ARGV[1]. Keys are built inside the scripts, so their users need a single Redis
 * (or a primary with replicas), not Redis Cluster.
 */
export const LUA_KEY_NAMES = `
local P = ARGV[1]
local ESCAPES = { ['%'] = '%25', [':'] = '%3A' }
local function esc(s)
  return (string.gsub(s, '[%%:]', ESCAPES))
end
local function k(kind, ...)
  local parts = { ... }
  if #parts == 0 then return P .. kind end
  for i = 1, #parts do parts[i] = esc(parts[i]) end
  return P .. kind .. ':' .. table.concat(parts, ':')
end
`;
