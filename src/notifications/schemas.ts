import { type Static, Type } from '@sinclair/typebox';

/** What POST /notifications accepts. The same schema validates, types and documents it. */
export const SendNotificationBody = Type.Object(
  {
    recipient_id: Type.String({
      minLength: 1,
      maxLength: 256,
      description: 'Your id of the user.',
    }),
    content: Type.Object(
      {
        title: Type.String({ minLength: 1, maxLength: 512 }),
        body: Type.String({ maxLength: 10000 }),
        action_url: Type.Optional(Type.String({ format: 'uri', maxLength: 2048 })),
        image_url: Type.Optional(Type.String({ format: 'uri', maxLength: 2048 })),
      },
      { additionalProperties: false },
    ),
    category: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$',
        description: 'Groups notifications for filters and unread counts; `general` when absent.',
      }),
    ),
    priority: Type.Optional(
      Type.Union([
        Type.Literal('low'),
        Type.Literal('normal'),
        Type.Literal('high'),
        Type.Literal('critical'),
      ]),
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
  },
  { additionalProperties: false },
);
export type SendNotificationBody = Static<typeof SendNotificationBody>;

export const SendAccepted = Type.Object({
  request_id: Type.String(),
  notification_id: Type.String(),
  status: Type.Literal('accepted'),
  channels_targeted: Type.Array(Type.String()),
});
export type SendAccepted = Static<typeof SendAccepted>;

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
  }),
  data: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  group_key: Type.Union([Type.String(), Type.Null()]),
  read: Type.Boolean(),
  read_at: Type.Union([IsoTime, Type.Null()]),
  created_at: IsoTime,
});
export type NotificationView = Static<typeof NotificationView>;

export const UnreadCount = Type.Object({
  unread_count: Type.Integer(),
  unread_by_category: Type.Record(Type.String(), Type.Integer()),
});

export const FeedQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    read: Type.Optional(Type.Boolean()),
    category: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type FeedQuery = Static<typeof FeedQuery>;

export const FeedPage = Type.Object({
  data: Type.Array(NotificationView),
  cursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as ?cursor= for the next (older) page; null on the last page.',
  }),
  has_more: Type.Boolean(),
  unread_count: Type.Integer(),
  unread_by_category: Type.Record(Type.String(), Type.Integer()),
});
export type FeedPage = Static<typeof FeedPage>;

export const ReadAllBody = Type.Object(
  { category: Type.Optional(Type.String({ maxLength: 64 })) },
  { additionalProperties: false },
);

export const ReadAllResult = Type.Object({
  updated: Type.Integer(),
  unread_count: Type.Integer(),
  unread_by_category: Type.Record(Type.String(), Type.Integer()),
});

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const DeliveryView = Type.Object({
  id: Type.String(),
  channel: Type.String(),
  status: Type.String(),
  attempts: Type.Integer(),
  last_error: Type.Union([Type.String(), Type.Null()]),
  created_at: IsoTime,
  updated_at: IsoTime,
});
