import type { UserPrincipal } from '../../auth/principal.js';
import type { NotificationService } from '../../notifications/service.js';
import type { UserMessage } from '../../notifications/user-channel.js';
import { RESUME_LIMIT } from './protocol.js';

/** A `last_id` worth resuming after, or null. */
export function validLastId(value: string | null | undefined): string | null {
  return value && value.length <= 64 ? value : null;
}

/**
 * What a session that last saw `lastId` is sent before anything else, on either transport:
 * the missed notifications oldest first, then `resumed {count, has_more}`.
 */
export async function resumeMessages(
  service: NotificationService,
  user: UserPrincipal,
  lastId: string,
): Promise<UserMessage[]> {
  const missed = await service.missed(user, lastId, RESUME_LIMIT);
  return [
    ...missed.data.map((data): UserMessage => ({ type: 'notification', data })),
    { type: 'resumed', data: { count: missed.data.length, has_more: missed.has_more } },
  ];
}
