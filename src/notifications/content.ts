import { NotifydError } from '../core/errors.js';
import type { InAppContent, NotificationAction } from './channels.js';
import type { NotificationContent } from './records.js';

/**
 * In-app content as stored: the content without its actions, and the actions apart (the
 * notification's, where the feed and `POST …/actions/{action_id}` find them). Actions given
 * beside the content win over actions inside it.
 */
export function splitContent(
  content: InAppContent,
  actions?: NotificationAction[],
): { content: NotificationContent; actions: NotificationAction[] } {
  const { actions: inside, ...rest } = content;
  return { content: rest, actions: actions ?? inside ?? [] };
}

/** Action ids are unique within a notification: VALIDATION_ERROR otherwise. */
export function checkActions(actions: NotificationAction[], where: string): void {
  const seen = new Set<string>();
  for (const a of actions) {
    if (seen.has(a.id)) {
      const field = `${where}.actions`;
      throw new NotifydError('VALIDATION_ERROR', `${field}: action id ${a.id} is used twice`, {
        issues: [{ field, message: `action id ${a.id} is used twice` }],
      });
    }
    seen.add(a.id);
  }
}

/**
 * An expiry as given (ISO time) to epoch ms; null when not given. One at or before `now`
 * would never be seen: VALIDATION_ERROR.
 */
export function checkExpiry(value: string | null | undefined, now: number, field: string) {
  if (value === undefined || value === null) return null;
  const at = Date.parse(value);
  if (!(at > now)) {
    throw new NotifydError('VALIDATION_ERROR', `${field} must be in the future`, {
      issues: [{ field, message: 'must be in the future' }],
    });
  }
  return at;
}
