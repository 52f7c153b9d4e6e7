/**
 * A digest bucket: what one recipient's window holds, kept as one document in the object
 * store (kind `digest_bucket`, key `{recipient}@{window end}`), so every backend has it with
 * no migration. Writers add with the object's version (optimistic locking): two nodes adding
 * at once both land, one after a retry. Only the latest items are kept one by one; the rest
 * is counted, per category and per group key.
 */
import type { DigestItem } from '../notifications/ports.js';

/** Where a bucket is: taking items, being sent (closed), or done. */
export type BucketStatus = 'open' | 'closed' | 'sent' | 'skipped';

/** One item as a digest lists it. */
export interface BucketItem {
  notification_id: string;
  category: string;
  title: string;
  body: string;
  action_url: string | null;
  group_key: string | null;
  created_at: number;
}

/** Notifications that share a group key (within a category). */
export interface BucketGroup {
  category: string;
  group_key: string;
  count: number;
  /** Distinct actor names, first seen first (at most MAX_ACTORS). */
  actors: string[];
  /** Distinct actors seen in all (names beyond MAX_ACTORS are only counted). */
  actor_count: number;
  /** `data.verb` of the latest item that had one: "commented". */
  verb: string | null;
  latest_title: string;
}

export interface BucketData {
  recipient_id: string;
  window_end: number;
  status: BucketStatus;
  count: number;
  by_category: Record<string, number>;
  /** Latest first, at most `digests.max_items`. */
  items: BucketItem[];
  groups: BucketGroup[];
  /** Set once sent: the digest notification, its channel and when. */
  notification_id: string | null;
  channel: string | null;
  sent_at: number | null;
}

const MAX_ACTORS = 20;
const MAX_GROUPS = 200;

export const BUCKET_KIND = 'digest_bucket';
export const STATE_KIND = 'digest_state';

/** The key of a recipient's bucket for the window ending at `end`. */
export const bucketKey = (recipient: string, end: number) => `${recipient}@${end}`;

export function emptyBucket(recipient: string, end: number): BucketData {
  return {
    recipient_id: recipient,
    window_end: end,
    status: 'open',
    count: 0,
    by_category: {},
    items: [],
    groups: [],
    notification_id: null,
    channel: null,
    sent_at: null,
  };
}

/** The actor a notification names in its data: `actor.name`, `actor_name` or `actor`. */
function actorOf(data: Record<string, unknown> | null): string | null {
  if (!data) return null;
  const a = data.actor;
  if (a && typeof a === 'object' && typeof (a as { name?: unknown }).name === 'string') {
    return (a as { name: string }).name;
  }
  if (typeof data.actor_name === 'string') return data.actor_name;
  return typeof a === 'string' ? a : null;
}

/** The bucket with an item added (unchanged when it holds that notification already). */
export function addItem(b: BucketData, item: DigestItem, maxItems: number): BucketData {
  if (b.items.some((i) => i.notification_id === item.notification_id)) return b;
  const next: BucketData = {
    ...b,
    count: b.count + 1,
    by_category: { ...b.by_category, [item.category]: (b.by_category[item.category] ?? 0) + 1 },
    items: [
      {
        notification_id: item.notification_id,
        category: item.category,
        title: item.title,
        body: item.body,
        action_url: item.action_url,
        group_key: item.group_key,
        created_at: item.created_at,
      },
      ...b.items,
    ].slice(0, maxItems),
  };
  if (item.group_key) {
    const groups = b.groups.map((g) => ({ ...g, actors: [...g.actors] }));
    let g = groups.find((x) => x.group_key === item.group_key && x.category === item.category);
    if (!g && groups.length < MAX_GROUPS) {
      g = {
        category: item.category,
        group_key: item.group_key,
        count: 0,
        actors: [],
        actor_count: 0,
        verb: null,
        latest_title: item.title,
      };
      groups.push(g);
    }
    if (g) {
      g.count += 1;
      g.latest_title = item.title;
      const verb = item.data?.verb;
      if (typeof verb === 'string') g.verb = verb;
      const actor = actorOf(item.data);
      if (actor && !g.actors.includes(actor)) {
        g.actor_count += 1;
        if (g.actors.length < MAX_ACTORS) g.actors.push(actor);
      }
    }
    next.groups = groups;
  }
  return next;
}

/** "Alice", "Alice and Bob", "Alice, Bob and Carol", "Alice, Bob and 3 others". */
export function actorList(actors: readonly string[], total: number): string {
  if (total <= 3 && actors.length === total) {
    if (total <= 1) return actors[0] ?? '';
    return `${actors.slice(0, -1).join(', ')} and ${actors[actors.length - 1]}`;
  }
  const others = total - 2;
  return `${actors.slice(0, 2).join(', ')} and ${others} other${others === 1 ? '' : 's'}`;
}

/** A group in one line: "Alice, Bob and 3 others commented", or "3 × {latest title}". */
export function groupSummary(g: BucketGroup): string {
  if (g.actor_count > 0) {
    return `${actorList(g.actors, g.actor_count)} ${g.verb ?? (g.count === 1 ? 'sent a notification' : `sent ${g.count} notifications`)}`;
  }
  return g.count === 1 ? g.latest_title : `${g.count} × ${g.latest_title}`;
}
