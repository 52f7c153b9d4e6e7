import type { UserPrincipal } from '../auth/principal.js';
import { NotifydError } from '../core/errors.js';
import type { FeedQuery } from '../store/types.js';
import { normalPriority, type Priority } from './records.js';

/** The filters of a feed request (the feed, grouped, export), as the query string gives them. */
export interface FeedFilters {
  read?: boolean;
  category?: string;
  priority?: Priority | 'critical';
  /** Absent: not dismissed (dismissed notifications leave the feed). */
  dismissed?: boolean;
  created_after?: string;
  created_before?: string;
  /** `metadata.<key>=value` pairs, keys without the prefix. */
  metadata?: Record<string, string>;
}

/** The most `metadata.<key>` filters one request may give. */
export const MAX_METADATA_FILTERS = 10;

const PREFIX = 'metadata.';

/** The `metadata.<key>` parameters of a query string, keys without the prefix. */
export function metadataOf(query: object): Record<string, string> | undefined {
  const pairs = Object.entries(query).filter(([k]) => k.startsWith(PREFIX));
  if (pairs.length === 0) return undefined;
  if (pairs.length > MAX_METADATA_FILTERS) {
    const message = `at most ${MAX_METADATA_FILTERS} metadata filters`;
    throw new NotifydError('VALIDATION_ERROR', `query: ${message}`, {
      issues: [{ field: 'query', message }],
    });
  }
  return Object.fromEntries(pairs.map(([k, v]) => [k.slice(PREFIX.length), String(v)]));
}

/** The store's query for a user's feed at `now`: expired notifications are never in it. */
export function toStoreQuery(
  user: UserPrincipal,
  f: FeedFilters,
  now: number,
): Omit<FeedQuery, 'limit'> {
  return {
    tenant_id: user.tenant_id,
    recipient_id: user.user_id,
    now,
    dismissed: f.dismissed ?? false,
    ...(f.read !== undefined ? { read: f.read } : {}),
    ...(f.category !== undefined ? { category: f.category } : {}),
    ...(f.priority !== undefined ? { priority: normalPriority(f.priority) } : {}),
    ...(f.created_after !== undefined ? { created_after: Date.parse(f.created_after) } : {}),
    ...(f.created_before !== undefined ? { created_before: Date.parse(f.created_before) } : {}),
    ...(f.metadata ? { metadata: f.metadata } : {}),
  };
}
