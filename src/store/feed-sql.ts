import type { FeedQuery } from './types.js';

/** How one SQL dialect spells what the feed's WHERE clause needs. */
export interface FeedDialect {
  /** Adds a parameter and returns its placeholder (`?` or `$n`). */
  param(value: string | number): string;
  /**
   * An expression that is the text of `data[key]` when it is a string, number or boolean
   * (as JSON writes it, strings without quotes) and NULL otherwise. `key` is the raw key:
   * the dialect passes it as a parameter or quotes it.
   */
  metadataText(key: string): string;
}

/**
 * The conditions of a feed query after tenant and recipient, in SQL: the same filters as
 * `matchesFeed` (feed-filter.ts), position included. Values go through `d.param`.
 */
export function feedConditions(q: FeedQuery, d: FeedDialect): string {
  let where = 'deleted_at IS NULL';
  if (q.before !== undefined) where += ` AND id < ${d.param(q.before)}`;
  if (q.after !== undefined) where += ` AND id > ${d.param(q.after)}`;
  if (q.read !== undefined) where += ` AND read_at IS ${q.read ? 'NOT NULL' : 'NULL'}`;
  if (q.dismissed !== undefined) {
    where += ` AND dismissed_at IS ${q.dismissed ? 'NOT NULL' : 'NULL'}`;
  }
  if (q.category !== undefined) where += ` AND category = ${d.param(q.category)}`;
  if (q.priority !== undefined) where += ` AND priority = ${d.param(q.priority)}`;
  if (q.group_key !== undefined) where += ` AND group_key = ${d.param(q.group_key)}`;
  if (q.created_after !== undefined) where += ` AND created_at >= ${d.param(q.created_after)}`;
  if (q.created_before !== undefined) where += ` AND created_at < ${d.param(q.created_before)}`;
  if (q.now !== undefined) where += ` AND ${notExpired(d.param(q.now))}`;
  for (const [key, value] of Object.entries(q.metadata ?? {})) {
    where += ` AND ${d.metadataText(key)} = ${d.param(value)}`;
  }
  return where;
}

/** Not expired at the time in the placeholder `now`. */
export function notExpired(now: string): string {
  return `(expires_at IS NULL OR expires_at > ${now})`;
}
