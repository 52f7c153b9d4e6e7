/**
 * `notifyd/client`: the end-user client (realtime session + feed over REST), for browsers
 * and Node. Nothing here imports `node:` modules or server code.
 */
export type { ReconnectOptions } from './backoff.js';
export { RealtimeError } from './errors.js';
export type { ClientEvents, ClientStatus, CreateClientOptions, StatusChange } from './options.js';
export { createClient, NotifydRealtimeClient } from './realtime.js';
export { NotifydApiError } from './rest.js';
export type {
  BroadcastMessage,
  ChannelMessage,
  FeedPage,
  FeedQuery,
  Notification,
  ReadAllResult,
  ReadStatusUpdate,
  UnreadSummary,
} from './types.js';
export type { WebSocketConstructor, WebSocketLike } from './websocket.js';
