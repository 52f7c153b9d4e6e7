import { actorOf } from '../client/actor.js';
import type { Actor, Notification } from '../client/index.js';

/**
 * One entry of the list: a notification alone, or the notifications sharing a `group_key`
 * drawn as one ("Alice and 3 others"). The rule is the engine's
 * (`GET /me/notifications/grouped`, src/notifications/history.ts): same `group_key`, one
 * group; actors from `data.actor` (src/client/actor.ts, shared with the engine), distinct,
 * most recent first. The inbox groups what it has loaded, so a group grows as older pages
 * arrive and moves up when a member arrives.
 */
export interface FeedEntry {
  /** The group_key, or the id of a notification without one. */
  key: string;
  /** The newest member: its title, body, time and buttons stand for the group. */
  latest: Notification;
  /** Newest first. */
  members: Notification[];
  actors: Actor[];
  unread: number;
}

/** The entries of a list of notifications (newest first), in the order of their newest member. */
export function groupFeed(items: readonly Notification[]): FeedEntry[] {
  const entries = new Map<string, FeedEntry>();
  for (const n of items) {
    const key = n.group_key ? `g:${n.group_key}` : `n:${n.id}`;
    let entry = entries.get(key);
    if (!entry) {
      entry = { key, latest: n, members: [], actors: [], unread: 0 };
      entries.set(key, entry);
    }
    entry.members.push(n);
    if (!n.read) entry.unread++;
    const actor = actorOf(n.data?.actor);
    if (actor && !entry.actors.some((a) => a.id === actor.id)) entry.actors.push(actor);
  }
  return [...entries.values()];
}
