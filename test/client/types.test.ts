/**
 * The client's types mirror the server's schemas without importing them (a browser bundle
 * of the client must not pull in the server). This file keeps the two in step: it only
 * type-checks when each client type and the schema's type accept each other, and
 * `npm test` type-checks the tests.
 */
import type { Static } from '@sinclair/typebox';
import t from 'tap';
import type { CreateKeyBody, KeyView } from '../../src/auth/routes.js';
import type { Scope as ServerScope } from '../../src/auth/scopes.js';
import type {
  ApiKey,
  CreateKeyInput,
  Scope,
  SendInput,
  SendResult,
} from '../../src/client/rest.js';
import type {
  ActionResult,
  BroadcastMessage,
  BulkDeleteResult,
  ChannelMessage,
  DismissUpdate,
  FeedPage,
  GroupedPage,
  MetricStreamOptions,
  MetricValue,
  Notification,
  NotificationDeleted,
  ReadAllResult,
  ReadStatusUpdate,
  UnreadSummary,
} from '../../src/client/types.js';
import type * as feedActions from '../../src/notifications/routes/feed-actions.js';
import type * as history from '../../src/notifications/routes/history.js';
import type * as schemas from '../../src/notifications/schemas.js';
import type { UserMessage } from '../../src/notifications/user-channel.js';
import type {
  MetricSample,
  MetricStreamRequest,
} from '../../src/server/realtime/metric-streams.js';

/** True only when A and B are assignable to each other. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <A, B>(ok: Same<A, B>) => ok;
type Frame<T extends UserMessage['type']> = Extract<UserMessage, { type: T }>['data'];

const checks: boolean[] = [
  same<Notification, Static<typeof schemas.NotificationView>>(true),
  same<FeedPage, Static<typeof schemas.FeedPage>>(true),
  same<UnreadSummary, Static<typeof schemas.UnreadCount>>(true),
  same<ReadAllResult, Static<typeof schemas.ReadAllResult>>(true),
  same<SendResult, Static<typeof schemas.SendAccepted>>(true),
  same<SendInput, Static<typeof schemas.SendNotificationBody>>(true),
  same<ApiKey, Static<typeof KeyView>>(true),
  same<CreateKeyInput, Static<typeof CreateKeyBody>>(true),
  same<Scope, ServerScope>(true),
  same<ReadStatusUpdate, Frame<'read_status_updated'>>(true),
  same<BroadcastMessage, Frame<'broadcast'>>(true),
  same<ChannelMessage, Frame<'channel_message'>>(true),
  same<Notification, Frame<'notification_updated'>>(true),
  same<NotificationDeleted, Frame<'notification_deleted'>>(true),
  same<DismissUpdate, Frame<'notifications_dismissed'>>(true),
  same<UnreadSummary, Frame<'unread_count'>>(true),
  same<ActionResult, Static<typeof feedActions.ActionResult>>(true),
  same<BulkDeleteResult, Static<typeof feedActions.BulkDeleteResult>>(true),
  same<GroupedPage, Static<typeof history.GroupedPage>>(true),
  same<MetricValue, MetricSample>(true),
  same<MetricStreamOptions, MetricStreamRequest>(true),
];

t.test('the client types and the server schemas agree', async (t) => {
  t.ok(checks.every(Boolean), 'checked by the type checker');
});
