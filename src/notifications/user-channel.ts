import type { NotificationView } from './schemas.js';

/** Unread notifications of a user, as sent in feed answers and real-time updates. */
export interface UnreadSummary {
  unread_count: number;
  unread_by_category: Record<string, number>;
}

/** Messages the server pushes on a user's own stream. */
export type UserMessage =
  | { type: 'notification'; data: NotificationView }
  | {
      type: 'read_status_updated';
      data: { notification_ids: string[]; read: true; read_at: string } & UnreadSummary;
    }
  | { type: 'unread_count'; data: UnreadSummary };

/**
 * Reaches every open session of one user. The real-time gateway implements it on one
 * node; a cluster implementation fans out across nodes.
 */
export interface UserChannel {
  /** Sends to all of the user's sessions; resolves nothing, drops nothing durable. */
  publish(tenantId: string, userId: string, message: UserMessage): void;
}
