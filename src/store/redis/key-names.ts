/**
 * Every key the Redis adapter writes, built in one place. Scripts build the same names in
 * Lua (`LUA_KEY_NAMES` below, prepended to every script), so the two must stay in step:
 * a part is escaped, joined with `:` after its kind, and the whole is put after the prefix.
 *
 * Escaping `%` and `:` in each part keeps names unambiguous: tenant `a:b` with recipient
 * `c` and tenant `a` with recipient `b:c` can never share a feed.
 */
export function escapePart(part: string): string {
  return part.replace(/[%:]/g, (c) => (c === '%' ? '%25' : '%3A'));
}

/** Filters of a feed page that pick one of the feed indexes. */
export interface FeedFilter {
  read?: boolean;
  category?: string;
}

/** The names of the keys of one store, all starting with its prefix. */
export class KeyNames {
  constructor(readonly prefix: string) {}

  /** `{prefix}{kind}:{part}:{part}…` */
  name(kind: string, ...parts: string[]): string {
    if (parts.length === 0) return this.prefix + kind;
    return `${this.prefix}${kind}:${parts.map(escapePart).join(':')}`;
  }

  /** A notification's hash. */
  notification(id: string): string {
    return this.name('ntf', id);
  }

  /**
   * The sorted set (all scores 0, ordered by id) a feed page reads: every visible
   * notification of the recipient, or only the read or unread ones, optionally of one
   * category. Insert, markRead and remove keep all six up to date.
   */
  feed(tenantId: string, recipientId: string, filter: FeedFilter = {}): string {
    const kind = filter.read === undefined ? 'feed' : filter.read ? 'read' : 'unread';
    return filter.category === undefined
      ? this.name(kind, tenantId, recipientId)
      : this.name(`${kind}c`, tenantId, recipientId, filter.category);
  }

  /** A hash of unread notification counts by category. */
  unreadCounts(tenantId: string, recipientId: string): string {
    return this.name('unreadn', tenantId, recipientId);
  }

  /** The sorted set of a notification's delivery ids. */
  deliveriesOf(notificationId: string): string {
    return this.name('ndlv', notificationId);
  }

  /** An API key's hash. */
  apiKey(id: string): string {
    return this.name('apikey', id);
  }

  /** The hash from key hash to key id. */
  apiKeyHashes(): string {
    return this.name('apikey-hash');
  }

  /** Key ids in creation order: every key, or one tenant's. */
  apiKeyList(tenantId?: string): string {
    return tenantId === undefined ? this.name('apikeys') : this.name('apikeys-t', tenantId);
  }

  /** A counter's hash (value and logical expiry). */
  counter(key: string): string {
    return this.name('ctr', key);
  }
}

/**
 * The Lua twin of `KeyNames.name`: `k(kind, part…)`. Every script starts with it and takes
 * the prefix as ARGV[1]. Keys are built inside the scripts, so the adapter needs a single
 * Redis (or a primary with replicas), not Redis Cluster.
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
