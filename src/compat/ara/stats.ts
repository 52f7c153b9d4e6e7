import type { SessionInfo } from './ports.js';

/** Ara's `connections`, `users` and `channels` figures from the sessions open on this node. */
export function connectionStats(sessions: SessionInfo[]) {
  const perUser = new Map<string, number>();
  let websocket = 0;
  let subscriptions = 0;
  for (const s of sessions) {
    if (s.transport === 'websocket') websocket++;
    subscriptions += s.channels.size;
    const key = `${s.tenant_id}\u0000${s.user_id}`;
    perUser.set(key, (perUser.get(key) ?? 0) + 1);
  }
  let multiple = 0;
  for (const n of perUser.values()) if (n > 1) multiple++;
  return {
    connections: { total: sessions.length, websocket, sse: sessions.length - websocket },
    users: { connected: perUser.size, with_multiple_connections: multiple },
    channels: { active: channelStats(sessions).size, total_subscriptions: subscriptions },
  };
}

/** Each channel with subscribers: how many, and its first subscription's time (ms). */
export function channelStats(sessions: SessionInfo[]) {
  const out = new Map<string, { name: string; subscribers: number; since: number }>();
  for (const s of sessions) {
    for (const [name, at] of s.channels) {
      const c = out.get(name);
      if (c) {
        c.subscribers++;
        c.since = Math.min(c.since, at);
      } else out.set(name, { name, subscribers: 1, since: at });
    }
  }
  return out;
}
