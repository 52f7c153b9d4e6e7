import type { DeliveryRecord } from '../notifications/records.js';

/**
 * Compares two ids (or keys) by code unit, as JavaScript sorts strings and as the SQL
 * backends are told to (`COLLATE "C"`, SQLite's BINARY): time-ordered ids then sort by time.
 */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Records with an id, lowest id first. */
export const byId = (a: { id: string }, b: { id: string }): number => compareIds(a.id, b.id);

/** Deliveries in the order workers claim them: earliest due first, then lowest id. */
export function byDueThenId(a: DeliveryRecord, b: DeliveryRecord): number {
  return a.next_attempt_at - b.next_attempt_at || compareIds(a.id, b.id);
}

/**
 * Deliveries (lowest id first) grouped by notification in the order of `notificationIds`,
 * each group keeping its order: what `listByNotifications` answers.
 */
export function inOrderOf(notificationIds: string[], rows: DeliveryRecord[]): DeliveryRecord[] {
  const groups = new Map<string, DeliveryRecord[]>(notificationIds.map((id) => [id, []]));
  for (const d of rows) groups.get(d.notification_id)?.push(d);
  return [...groups.values()].flat();
}
