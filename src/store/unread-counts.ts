import type { UnreadCounts } from './types.js';

/** Counts with nothing unread, to add to. */
export const noUnread = (): UnreadCounts => ({ total: 0, by_category: {}, by_priority: {} });

/** Adds one group of unread notifications to the counts (the SQL backends group by both). */
function addCount(c: UnreadCounts, category: string, priority: string, n: number): void {
  const p = priority === 'critical' ? 'urgent' : priority;
  c.total += n;
  c.by_category[category] = (c.by_category[category] ?? 0) + n;
  c.by_priority[p] = (c.by_priority[p] ?? 0) + n;
}

/** The counts of unread groups as the SQL backends read them (by category and priority). */
export function tallyUnread(
  groups: Iterable<{ category: string; priority: string; n: number }>,
): UnreadCounts {
  const counts = noUnread();
  for (const { category, priority, n } of groups) addCount(counts, category, priority, n);
  return counts;
}
