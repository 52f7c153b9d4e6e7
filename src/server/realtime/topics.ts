/**
 * Where messages go, as topic names shared by the WebSocket (uWS topics) and SSE streams:
 * one per user, one per tenant (broadcasts), one per named channel of a tenant.
 */
export const topicOf = (tenantId: string, userId: string) => `u:${tenantId}:${userId}`;
export const tenantTopic = (tenantId: string) => `t:${tenantId}`;
export const channelTopic = (tenantId: string, channel: string) => `c:${tenantId}:${channel}`;

/**
 * The channel that carries a user's presence to those of their sessions that asked for it.
 * `$` is not allowed in channel names, so no client can subscribe to it by name.
 */
export const presenceChannel = (userId: string) => `$presence:${userId}`;

/** Whether the token's `channels` claim lets its user subscribe to `channel`. */
export function channelAllowed(allowed: readonly string[], channel: string): boolean {
  return allowed.some((a) =>
    a.endsWith('*') ? channel.startsWith(a.slice(0, -1)) : a === channel,
  );
}

/** The topic of a protocol's heartbeat frames (sharded like a tenant's). */
export const HEARTBEAT_TOPIC = 'h';
