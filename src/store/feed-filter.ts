import type { FeedQuery, NotificationRecord } from './types.js';

/**
 * Whether a visible notification passes a feed query's filters (not its position): the
 * memory and Redis backends filter with this as they read; the SQL backends say the same in
 * their WHERE clause (feed-sql.ts).
 */
export function matchesFeed(n: NotificationRecord, q: FeedQuery): boolean {
  if (n.deleted_at !== null) return false;
  if (q.read !== undefined && (n.read_at !== null) !== q.read) return false;
  if (q.category !== undefined && n.category !== q.category) return false;
  if (q.dismissed !== undefined && (n.dismissed_at !== null) !== q.dismissed) return false;
  if (q.priority !== undefined && n.priority !== q.priority) return false;
  if (q.group_key !== undefined && n.group_key !== q.group_key) return false;
  if (q.created_after !== undefined && n.created_at < q.created_after) return false;
  if (q.created_before !== undefined && n.created_at >= q.created_before) return false;
  if (q.now !== undefined && isExpired(n, q.now)) return false;
  if (q.metadata) {
    for (const [key, value] of Object.entries(q.metadata)) {
      if (metadataText(n.data?.[key]) !== value) return false;
    }
  }
  return true;
}

/** Whether a notification has expired at `now`. */
export function isExpired(n: { expires_at: number | null }, now: number): boolean {
  return n.expires_at !== null && n.expires_at <= now;
}

/**
 * A `data` value as a metadata filter compares it: strings as they are, numbers and
 * booleans as JSON writes them; objects, arrays and null never match.
 */
export function metadataText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  return undefined;
}
