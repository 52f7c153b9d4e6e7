/**
 * Where messages go, as topic names shared by the WebSocket (uWS topics) and SSE streams:
 * one per user, one per tenant (broadcasts), one per named channel of a tenant.
 */
export const topicOf = (tenantId: string, userId: string) => `u:${tenantId}:${userId}`;
export const tenantTopic = (tenantId: string) => `t:${tenantId}`;
export const channelTopic = (tenantId: string, channel: string) => `c:${tenantId}:${channel}`;

/** Whether the token's `channels` claim lets its user subscribe to `channel`. */
export function channelAllowed(allowed: readonly string[], channel: string): boolean {
  return allowed.some((a) =>
    a.endsWith('*') ? channel.startsWith(a.slice(0, -1)) : a === channel,
  );
}
