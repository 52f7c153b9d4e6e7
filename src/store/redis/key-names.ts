import { keyName } from '../../redis/key-names.js';

/**
 * The store's keys. Every key starts with the store's prefix, then its kind, then its
 * parts, named as src/redis/key-names.ts says (escaped, so that tenant `a:b` with recipient
 * `c` and tenant `a` with recipient `b:c` never share a feed).
 *
 * The data model (t = tenant, r = recipient, c = category, ch = channel):
 *
 * | key                          | type | holds                                              |
 * |------------------------------|------|----------------------------------------------------|
 * | ntf:{id}                     | hash | a notification (records.ts)                        |
 * | feed:{t}:{r}, feedc:…:{c}    | zset | visible notification ids, score 0, ordered by id   |
 * | unread…, unreadc…, read…, readc… | zset | the same, split by read state                |
 * | unreadn:{t}:{r}              | hash | unread count per category                          |
 * | idem:{t}:{key}               | hash | an idempotency claim; TTL until it expires         |
 * | idem-exp                     | zset | claim key names by expiry, for the purge           |
 * | dlv:{id}                     | hash | a delivery                                         |
 * | ndlv:{notification id}       | zset | a notification's delivery ids, ordered by id       |
 * | due:{ch}                     | zset | pending, unleased delivery ids by next attempt     |
 * | leased:{ch}                  | zset | pending, leased delivery ids by lease end          |
 * | dead:{t}                     | zset | a tenant's failed delivery ids, score 0, by id     |
 * | apikey:{id}                  | hash | an API key                                         |
 * | apikey-hash                  | hash | key hash → key id                                  |
 * | apikeys, apikeys-t:{t}       | zset | key ids by created_at (then id)                    |
 * | ctr:{key}                    | hash | a counter's value and expiry; TTL until it expires |
 * | ctr-exp                      | zset | counter key names by expiry, for the purge         |
 * | uq:{q}:{t}:{u}               | zset | a user's queued ids, score 0, ordered by id        |
 * | uqp:{q}:{t}:{u}              | hash | id → the queued item's JSON                        |
 * | uqx:{q}                      | zset | `{id}:{t}:{u}` (escaped) by expiry: takeExpired, count |
 * | uqt:{q}:{t}                  | zset | `{id}:{u}` (escaped) by expiry: a tenant's count   |
 *
 * (q = queue name, u = user.) Queue keys carry a TTL, a day past their longest item's
 * expiry, so a queue nobody sweeps any more still goes away.
 * | obj:{kind}:{id}              | hash | a configuration object (objects.ts)                |
 * | objs:{kind}, objs-t:{kind}:{t} | zset | object ids by created_at (then id); t '' = global |
 * | objkey:{kind}:{t}            | hash | an object's key → its id, per kind and tenant      |
 * | objrev                       | hash | kind → writes so far (the revision caches poll)    |
 * | rl:{key}                     | str  | a rate limiter's state (packed); TTL until expiry  |
 * | rq:{t}:{id}                  | hash | a send request (json) and its index entries        |
 * | rqs:{t}, rqr:{t}:{r}, rqt:{t}:{topic} | zset | sort keys (created_at, id), newest last |
 * | rq-age                       | zset | `[t, id]` by created_at, for the purge             |
 *
 * Scripts build names with `k(kind, part…)` (`LUA_KEY_NAMES`); this class builds the ones
 * the TypeScript side reads or passes to scripts.
 */

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
    return keyName(this.prefix, kind, ...parts);
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

  /** A queue's expiry index: every user's items, or one tenant's (see user-queues.ts). */
  queueExpiry(queue: string, tenantId?: string): string {
    return tenantId === undefined ? this.name('uqx', queue) : this.name('uqt', queue, tenantId);
  }
}
