/**
 * `notifyd/client`: the end-user client (realtime session + feed over REST), for browsers
 * and Node. Nothing here imports `node:` modules or server code.
 */
export { AccountApi } from './account.js';
export type * from './account-types.js';
export type { ReconnectOptions } from './backoff.js';
export { RealtimeError } from './errors.js';
export { FeedApi } from './feed.js';
export type { ClientEvents, ClientStatus, CreateClientOptions, StatusChange } from './options.js';
export { createClient, NotifydRealtimeClient } from './realtime.js';
export { NotifydApiError } from './rest.js';
export type {
  ActionResult,
  Actor,
  BroadcastMessage,
  BulkDeleteResult,
  ChannelMessage,
  DismissUpdate,
  FeedFilters,
  FeedPage,
  FeedQuery,
  GroupedPage,
  GroupedQuery,
  MetricStreamOptions,
  MetricValue,
  Notification,
  NotificationAction,
  NotificationDeleted,
  NotificationGroup,
  ReadAllResult,
  ReadStatusUpdate,
  UnreadSummary,
} from './types.js';
export type { WebSocketConstructor, WebSocketLike } from './websocket.js';
