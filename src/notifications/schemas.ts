import { type Static, Type } from '@sinclair/typebox';
import { CHANNELS } from './channels.js';

const Url = Type.String({ format: 'uri', maxLength: 2048 });

/** An action the recipient can take (a button); the same shape in requests and views. */
export const NotificationActionSchema = Type.Object(
  {
    id: Type.String({
      pattern: '^[A-Za-z0-9_.:-]{1,64}$',
      description:
        'Unique within the notification; the path of POST /me/notifications/{id}/actions/{action_id}.',
    }),
    label: Type.String({ minLength: 1, maxLength: 128 }),
    type: Type.Union([
      Type.Literal('primary'),
      Type.Literal('secondary'),
      Type.Literal('destructive'),
    ]),
    url: Type.Optional(Url),
    callback_key: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'Sent with the `notification.action` event (signed webhooks) when taken.',
      }),
    ),
  },
  { additionalProperties: false },
);

const Actions = Type.Array(NotificationActionSchema, { maxItems: 10 });

/** The in-app content a sender gives (inline, or a channel override). */
export const ContentBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 512 }),
    body: Type.String({ maxLength: 10000 }),
    action_url: Type.Optional(Url),
    image_url: Type.Optional(Url),
    cta_text: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    actions: Type.Optional(Actions),
  },
  { additionalProperties: false },
);

const ExpiresAt = Type.String({
  format: 'date-time',
  description: 'From then on it leaves the feed and the unread counts.',
});

/** A channel routing may pick. */
export const ChannelName = Type.Union(
  CHANNELS.map((c) => Type.Literal(c)),
  { description: 'A delivery channel.' },
);

const RecipientId = Type.String({
  minLength: 1,
  maxLength: 256,
  description: 'Your id of the user.',
});
const Nullable = <T extends ReturnType<typeof Type.String>>(s: T) => Type.Union([s, Type.Null()]);

/** A recipient given inline: upserted as a subscriber on the way (the recipients module checks it). */
export const InlineRecipient = Type.Object(
  {
    id: RecipientId,
    email: Type.Optional(Nullable(Type.String({ maxLength: 320 }))),
    phone: Type.Optional(Nullable(Type.String({ maxLength: 32, description: 'E.164.' }))),
    locale: Type.Optional(Nullable(Type.String({ maxLength: 35 }))),
    timezone: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
    name: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
    avatar_url: Type.Optional(Nullable(Type.String({ maxLength: 2048 }))),
    data: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
  },
  { additionalProperties: false },
);

const Text = (max: number) => Type.String({ maxLength: max });

/** Per-channel content that replaces (field by field) what the template or inline content gives. */
export const ChannelOverrides = Type.Object(
  {
    in_app: Type.Optional(Type.Partial(ContentBody)),
    push: Type.Optional(
      Type.Object(
        {
          title: Type.Optional(Text(512)),
          body: Type.Optional(Text(4096)),
          image: Type.Optional(Url),
          icon: Type.Optional(Url),
          url: Type.Optional(Url),
          data: Type.Optional(Type.Record(Type.String(), Text(4096))),
        },
        { additionalProperties: false },
      ),
    ),
    sms: Type.Optional(
      Type.Object({ body: Type.Optional(Text(1600)) }, { additionalProperties: false }),
    ),
    email: Type.Optional(
      Type.Object(
        {
          subject: Type.Optional(Text(998)),
          html: Type.Optional(Text(1_000_000)),
          text: Type.Optional(Text(1_000_000)),
          attachments: Type.Optional(
            Type.Array(
              Type.Object(
                {
                  filename: Type.String({ minLength: 1, maxLength: 255 }),
                  content_type: Type.String({ minLength: 3, maxLength: 255 }),
                  content_base64: Type.String({
                    maxLength: 14_000_000,
                    description: 'The file, base64-encoded.',
                  }),
                },
                { additionalProperties: false },
              ),
              { maxItems: 10, description: 'Files attached to the email (providers that can).' },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    webhook: Type.Optional(
      Type.Object(
        { body: Type.Optional(Type.Record(Type.String(), Type.Unknown())) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** What POST /notifications accepts. The same schema validates, types and documents it. */
export const SendNotificationBody = Type.Object(
  {
    recipient_id: Type.Optional(RecipientId),
    recipient: Type.Optional(InlineRecipient),
    content: Type.Optional(ContentBody),
    template: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description: 'A template id or key: its channels are rendered with `payload`.',
      }),
    ),
    template_id: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'An alias of `template`.' }),
    ),
    payload: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'The template variables.',
        maxProperties: 256,
      }),
    ),
    locale: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 35,
        description: "The template locale; the subscriber's when absent.",
      }),
    ),
    channels: Type.Optional(
      Type.Array(ChannelName, {
        minItems: 1,
        maxItems: CHANNELS.length,
        uniqueItems: true,
        description:
          'Restricts routing to these channels. With inline content: the channels it goes to (`in_app` when absent).',
      }),
    ),
    channel_overrides: Type.Optional(ChannelOverrides),
    ttl_seconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 2_419_200,
        description: 'Expires this long after the send (when `expires_at` is not given).',
      }),
    ),
    category: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$',
        description: 'Groups notifications for filters and unread counts; `general` when absent.',
      }),
    ),
    priority: Type.Optional(
      Type.Union(
        [
          Type.Literal('low'),
          Type.Literal('normal'),
          Type.Literal('high'),
          Type.Literal('urgent'),
          Type.Literal('critical'),
        ],
        { description: '`critical` is an alias of `urgent`.' },
      ),
    ),
    actions: Type.Optional(Actions),
    expires_at: Type.Optional(ExpiresAt),
    cancellation_key: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'POST /notifications/cancel with this key cancels what is not yet sent.',
      }),
    ),
    data: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'Free-form data delivered with the notification.',
      }),
    ),
    group_key: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    idempotency_key: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'A second send with the same key within the idempotency window gets 409.',
      }),
    ),
    send_at: Type.Optional(
      Type.String({
        format: 'date-time',
        description:
          'Send later: kept as a scheduled send (202 `status: scheduled`) and sent at this time. In the future, at most `scheduler.max_send_ahead_days` ahead.',
      }),
    ),
    workflow: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description:
          'Start a run of the workflow with this trigger identifier (or id) for `recipient_id`, with `payload` and `cancellation_key` (202 `status: running`, `run_id`); nothing else is sent directly.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type SendNotificationBody = Static<typeof SendNotificationBody>;

export const SendAccepted = Type.Object({
  request_id: Type.String(),
  notification_id: Type.String(),
  status: Type.Literal('accepted'),
  channels_targeted: Type.Array(Type.String(), { description: 'The routed channels.' }),
  channels_skipped: Type.Optional(
    Type.Record(Type.String(), Type.String(), {
      description: 'Channels routing dropped, with why (routed sends only).',
    }),
  ),
  channels_deferred: Type.Optional(
    Type.Record(Type.String(), Type.String({ format: 'date-time' }), {
      description:
        "Channels past the recipient's cap (notifications.caps), with when they go: the next window with room.",
    }),
  ),
});
export type SendAccepted = Static<typeof SendAccepted>;

/** The 202 of a send with `workflow`. */
export const WorkflowStartedSchema = Type.Object({
  request_id: Type.String(),
  status: Type.Literal('running'),
  run_id: Type.String({ description: 'GET or DELETE /workflow-runs/{run_id}.' }),
});

/** The 202 of a send with `send_at`. */
export const ScheduledAcceptedSchema = Type.Object({
  request_id: Type.String(),
  status: Type.Literal('scheduled'),
  scheduled_id: Type.String({ description: 'GET or DELETE /scheduled/{scheduled_id}.' }),
  send_at: Type.String({ format: 'date-time' }),
});

const ScheduledStatus = Type.Union(
  [
    Type.Literal('scheduled'),
    Type.Literal('sending'),
    Type.Literal('sent'),
    Type.Literal('failed'),
    Type.Literal('dropped'),
    Type.Literal('cancelled'),
  ],
  {
    description:
      'scheduled (waiting), sending (claimed by a node), sent, failed (last_error says why), dropped (found later than scheduler.max_lateness_ms), cancelled.',
  },
);

/** A scheduled send as GET /scheduled/{id} shows it. */
export const ScheduledViewSchema = Type.Object({
  scheduled_id: Type.String(),
  status: ScheduledStatus,
  send_at: Type.String({ format: 'date-time' }),
  request_id: Type.String(),
  recipient_id: Type.Union([Type.String(), Type.Null()]),
  cancellation_key: Type.Union([Type.String(), Type.Null()]),
  idempotency_key: Type.Union([Type.String(), Type.Null()]),
  attempts: Type.Integer({ description: 'Runs so far (a run whose node died counts).' }),
  last_error: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});

export const ScheduledQuery = Type.Object(
  {
    status: Type.Optional(ScheduledStatus),
    cursor: Type.Optional(
      Type.String({ maxLength: 64, description: 'The `next` of the previous page.' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
);

export const ScheduledPage = Type.Object({
  data: Type.Array(ScheduledViewSchema),
  next: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as ?cursor= for the next (older) page; null on the last.',
  }),
});

const IsoTime = Type.String({ format: 'date-time' });

/** A notification as its recipient sees it. */
export const NotificationView = Type.Object({
  id: Type.String(),
  request_id: Type.String(),
  recipient_id: Type.String(),
  category: Type.String(),
  priority: Type.String(),
  content: Type.Object({
    title: Type.String(),
    body: Type.String(),
    action_url: Type.Optional(Type.String()),
    image_url: Type.Optional(Type.String()),
    cta_text: Type.Optional(Type.String()),
    data: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: "Custom JSON from its template's `in_app.data`, rendered.",
      }),
    ),
  }),
  actions: Type.Array(NotificationActionSchema),
  data: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  group_key: Type.Union([Type.String(), Type.Null()]),
  template: Type.Union([
    Type.Object({ id: Type.String(), key: Type.String(), version: Type.Integer() }),
    Type.Null(),
  ]),
  read: Type.Boolean(),
  read_at: Type.Union([IsoTime, Type.Null()]),
  dismissed: Type.Boolean(),
  dismissed_at: Type.Union([IsoTime, Type.Null()]),
  action_taken: Type.Union([Type.Object({ action_id: Type.String(), at: IsoTime }), Type.Null()], {
    description: 'The action the recipient took (recorded once), or null.',
  }),
  expires_at: Type.Union([IsoTime, Type.Null()]),
  created_at: IsoTime,
});
export type NotificationView = Static<typeof NotificationView>;

const Counts = Type.Record(Type.String(), Type.Integer());

export const UnreadCount = Type.Object({
  unread_count: Type.Integer(),
  unread_by_category: Counts,
  unread_by_priority: Counts,
});

const Priority = Type.Union([
  Type.Literal('low'),
  Type.Literal('normal'),
  Type.Literal('high'),
  Type.Literal('urgent'),
  Type.Literal('critical'),
]);

/** The filters every feed query takes (the feed, grouped, export). */
export const feedFilters = {
  read: Type.Optional(Type.Boolean()),
  category: Type.Optional(Type.String({ maxLength: 64 })),
  priority: Type.Optional(Priority),
  dismissed: Type.Optional(
    Type.Boolean({ description: 'true: only dismissed; false (the default): not dismissed.' }),
  ),
  created_after: Type.Optional(Type.String({ format: 'date-time' })),
  created_before: Type.Optional(Type.String({ format: 'date-time' })),
};

/**
 * `metadata.<key>=value` query parameters filter on the notification's `data`: the
 * additional properties of a feed query.
 */
export const MetadataParams = Type.String({ maxLength: 256 });
export const METADATA_PARAM = '^metadata\\.[A-Za-z0-9_-]{1,64}$';

export const FeedQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    ...feedFilters,
  },
  { additionalProperties: false, patternProperties: { [METADATA_PARAM]: MetadataParams } },
);
export type FeedQuery = Static<typeof FeedQuery>;

export const FeedPage = Type.Object({
  data: Type.Array(NotificationView),
  cursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as ?cursor= for the next (older) page; null on the last page.',
  }),
  has_more: Type.Boolean(),
  unread_count: Type.Integer(),
  unread_by_category: Counts,
  unread_by_priority: Counts,
});
export type FeedPage = Static<typeof FeedPage>;

export const ReadAllBody = Type.Object(
  { category: Type.Optional(Type.String({ maxLength: 64 })) },
  { additionalProperties: false },
);

export const ReadAllResult = Type.Object({
  updated: Type.Integer(),
  unread_count: Type.Integer(),
  unread_by_category: Counts,
  unread_by_priority: Counts,
});

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const DeliveryView = Type.Object({
  id: Type.String(),
  channel: Type.String(),
  status: Type.String({
    description:
      'pending, deferred (quiet hours: see next_attempt_at), sent, delivered, acknowledged, failed, bounced, skipped, cancelled, expired.',
  }),
  skip_reason: Type.Union([Type.String(), Type.Null()]),
  device_id: Type.Union([Type.String(), Type.Null()]),
  attempts: Type.Integer(),
  last_error: Type.Union([Type.String(), Type.Null()]),
  provider_message_id: Type.Union([Type.String(), Type.Null()]),
  next_attempt_at: Type.Union([IsoTime, Type.Null()], {
    description: 'When a pending or deferred delivery may go next.',
  }),
  created_at: IsoTime,
  updated_at: IsoTime,
});

/** POST /notifications/batch. */
export const BatchBody = Type.Object(
  {
    notifications: Type.Array(Type.Omit(SendNotificationBody, ['workflow']), {
      minItems: 1,
      maxItems: 1000,
    }),
    atomic: Type.Optional(
      Type.Boolean({ description: 'true: one refused item refuses all; nothing is written.' }),
    ),
  },
  { additionalProperties: false },
);

export const BatchResultSchema = Type.Object({
  request_id: Type.String(),
  accepted: Type.Integer(),
  rejected: Type.Integer(),
  results: Type.Array(
    Type.Object({
      index: Type.Integer(),
      status: Type.Union([
        Type.Literal('accepted'),
        Type.Literal('scheduled'),
        Type.Literal('rejected'),
      ]),
      notification_id: Type.Optional(Type.String()),
      scheduled_id: Type.Optional(Type.String()),
      send_at: Type.Optional(Type.String({ format: 'date-time' })),
      channels_targeted: Type.Optional(Type.Array(Type.String())),
      error: Type.Optional(
        Type.Object({
          code: Type.String(),
          message: Type.String(),
          details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        }),
      ),
    }),
  ),
});

/** POST /topics/{key}/notifications: a send without its recipient. */
export const TopicSendBody = Type.Omit(
  SendNotificationBody,
  ['recipient_id', 'recipient', 'send_at'],
  {
    additionalProperties: false,
  },
);

export const TopicParams = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 128 }),
});

export const TopicSendAccepted = Type.Object({
  request_id: Type.String(),
  status: Type.Literal('accepted'),
  topic: Type.String(),
});

export const RequestParams = Type.Object({
  request_id: Type.String({ minLength: 1, maxLength: 64 }),
});

const RequestTypeSchema = Type.Union(
  [Type.Literal('single'), Type.Literal('batch'), Type.Literal('topic')],
  { description: 'single: one POST /notifications; batch; topic: a topic send.' },
);

const RequestStatusSchema = Type.Union([
  Type.Literal('running'),
  Type.Literal('completed'),
  Type.Literal('cancelled'),
  Type.Literal('failed'),
]);

export const RequestViewSchema = Type.Object({
  request_id: Type.String(),
  type: RequestTypeSchema,
  status: RequestStatusSchema,
  recipient_id: Type.Union([Type.String(), Type.Null()], {
    description: 'The recipient of a single send; null for batches and topic sends.',
  }),
  topic: Type.Union([Type.String(), Type.Null()]),
  accepted: Type.Integer({ description: 'Notifications written.' }),
  skipped: Type.Integer({ description: 'Recipients routing left no channel for.' }),
  rejected: Type.Integer({ description: 'Items or recipients refused for another reason.' }),
  errors: Type.Array(
    Type.Object({
      index: Type.Optional(Type.Integer()),
      recipient_id: Type.Optional(Type.String()),
      code: Type.String(),
      message: Type.String(),
    }),
  ),
  created_at: Type.String({ format: 'date-time' }),
  completed_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

/** GET /requests: filters, cursor and page size. */
export const RequestListQuery = Type.Object(
  {
    status: Type.Optional(RequestStatusSchema),
    type: Type.Optional(RequestTypeSchema),
    recipient_id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'Single sends to this recipient (not with topic).',
      }),
    ),
    topic: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'Sends to this topic.' }),
    ),
    created_after: Type.Optional(
      Type.String({ format: 'date-time', description: 'Created at or after this time.' }),
    ),
    created_before: Type.Optional(
      Type.String({ format: 'date-time', description: 'Created before this time.' }),
    ),
    cursor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 1024, description: 'The previous page’s cursor.' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'default 20' })),
  },
  { additionalProperties: false },
);

export const RequestPageSchema = Type.Object({
  data: Type.Array(RequestViewSchema),
  cursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as `cursor` for the next page; null at the end.',
  }),
  has_more: Type.Boolean(),
});

export const CancelBody = Type.Object(
  { cancellation_key: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);

export const CancelResult = Type.Object({
  cancellation_key: Type.String(),
  cancelled_at: Type.String({ format: 'date-time' }),
});
