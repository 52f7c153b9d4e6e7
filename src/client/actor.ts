import type { Actor } from './types.js';

/**
 * An actor from a notification's `data.actor`: an id, or `{id, name?, avatar_url?}`;
 * anything else is none. One rule for the engine's grouping (`GET /me/notifications/grouped`,
 * src/notifications/history.ts) and the inbox's (web/src/inbox/group.ts), which groups what
 * it has loaded the same way.
 */
export function actorOf(value: unknown): Actor | null {
  if (typeof value === 'string' && value) return { id: value, name: null, avatar_url: null };
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const a = value as Record<string, unknown>;
    if (typeof a.id !== 'string' || !a.id) return null;
    return {
      id: a.id,
      name: typeof a.name === 'string' ? a.name : null,
      avatar_url: typeof a.avatar_url === 'string' ? a.avatar_url : null,
    };
  }
  return null;
}
