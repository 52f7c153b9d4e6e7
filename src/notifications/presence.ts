/** Who is connected, as the notifications module asks it; the realtime gateway answers. */

/** A user's presence, as the API and `presence` frames show it. */
export interface PresenceInfo {
  user_id: string;
  /** Has at least one open session (WebSocket or SSE) on a live node. */
  online: boolean;
  /** Open sessions on all live nodes. */
  connections: number;
  /** When a session of the user last opened or closed; null when not known. */
  last_seen: string | null;
}

/** Whether a user has an open session anywhere (on any node). */
export interface PresenceProbe {
  isOnline(tenantId: string, userId: string): Promise<boolean>;
  /** Where the user stands: online, sessions on all live nodes, last seen. */
  of(tenantId: string, userId: string): Promise<PresenceInfo>;
}
