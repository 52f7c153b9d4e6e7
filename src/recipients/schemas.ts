import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { CHANNELS } from '../notifications/channels.js';
import { TIME_PATTERN } from './validation.js';

/**
 * The shapes of subscribers, devices, categories, topics and preferences: what the API
 * takes and what it answers.
 */

const literals = <T extends string>(values: readonly T[], options = {}) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  );
const nullable = <T extends TSchema>(schema: T, options = {}) =>
  Type.Union([schema, Type.Null()], options);
const Iso = Type.String({ format: 'date-time' });

export const ChannelName = literals(CHANNELS, { description: 'A channel.' });

/** A subscriber id: the service's own user id. */
export const SubscriberId = Type.String({ minLength: 1, maxLength: 256 });
export const SubscriberParams = Type.Object({ id: SubscriberId });

/** A slug: a category's id, a topic's key. */
export const SLUG = '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$';
export const Slug = Type.String({ pattern: SLUG, maxLength: 128 });

// ---- subscribers ----

export const SubscriberBody = Type.Object(
  {
    email: Type.Optional(nullable(Type.String({ format: 'email', maxLength: 320 }))),
    phone: Type.Optional(nullable(Type.String({ maxLength: 16, description: 'E.164.' }))),
    locale: Type.Optional(nullable(Type.String({ maxLength: 64, description: 'BCP 47.' }))),
    timezone: Type.Optional(nullable(Type.String({ maxLength: 64, description: 'IANA.' }))),
    name: Type.Optional(nullable(Type.String({ maxLength: 256 }))),
    avatar_url: Type.Optional(nullable(Type.String({ format: 'uri', maxLength: 2048 }))),
    data: Type.Optional(nullable(Type.Record(Type.String(), Type.Unknown()))),
  },
  { additionalProperties: false },
);
export type SubscriberBody = Static<typeof SubscriberBody>;

export const SubscriberView = Type.Object({
  id: Type.String(),
  email: nullable(Type.String()),
  phone: nullable(Type.String()),
  locale: nullable(Type.String()),
  timezone: nullable(Type.String()),
  name: nullable(Type.String()),
  avatar_url: nullable(Type.String()),
  data: nullable(Type.Record(Type.String(), Type.Unknown())),
  created_at: Iso,
  updated_at: Iso,
});
export type SubscriberView = Static<typeof SubscriberView>;

/** Cursor-based list parameters. */
export const CursorQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ maxLength: 1024 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);

export const SubscriberListQuery = Type.Composite(
  [CursorQuery, Type.Object({ email: Type.Optional(Type.String({ maxLength: 320 })) })],
  { additionalProperties: false },
);

/** One page of a cursor-based list. */
export function CursorPage<T extends TSchema>(item: T) {
  return Type.Object({
    data: Type.Array(item),
    cursor: nullable(Type.String(), { description: 'Pass as `cursor` for the next page.' }),
    has_more: Type.Boolean(),
  });
}

// ---- devices ----

const DeviceKind = literals(['webpush', 'fcm', 'apns'] as const);
const Keys = Type.Object(
  {
    p256dh: Type.String({ maxLength: 128, description: 'base64url of the 65-byte P-256 key.' }),
    auth: Type.String({ maxLength: 64, description: 'base64url of the 16-byte auth secret.' }),
  },
  { additionalProperties: false },
);
const DeviceInfo = Type.Record(Type.String(), Type.Unknown(), {
  description: 'What the app says about the device: platform, os_version, device_name…',
});

export const RegisterDeviceBody = Type.Object(
  {
    kind: DeviceKind,
    endpoint: Type.Optional(Type.String({ maxLength: 2048, description: 'webpush: the URL.' })),
    keys: Type.Optional(Keys),
    token: Type.Optional(
      Type.String({ minLength: 1, maxLength: 4096, description: 'fcm, apns: the token.' }),
    ),
    device_info: Type.Optional(DeviceInfo),
  },
  { additionalProperties: false },
);
export type RegisterDeviceBody = Static<typeof RegisterDeviceBody>;

export const UpdateDeviceBody = Type.Object(
  {
    active: Type.Optional(Type.Boolean()),
    keys: Type.Optional(Keys),
    device_info: Type.Optional(nullable(DeviceInfo)),
  },
  { additionalProperties: false },
);
export type UpdateDeviceBody = Static<typeof UpdateDeviceBody>;

export const DeviceView = Type.Object({
  id: Type.String(),
  subscriber_id: Type.String(),
  kind: DeviceKind,
  endpoint: nullable(Type.String()),
  keys: nullable(Type.Object({ p256dh: Type.String(), auth: Type.String() })),
  token: nullable(Type.String()),
  device_info: nullable(DeviceInfo),
  active: Type.Boolean(),
  last_used_at: nullable(Iso),
  failure_count: Type.Integer(),
  created_at: Iso,
  updated_at: Iso,
});
export type DeviceView = Static<typeof DeviceView>;

export const DeviceParams = Type.Object({ device: Type.String({ minLength: 1, maxLength: 64 }) });
export const SubscriberDeviceParams = Type.Object({
  id: SubscriberId,
  device: Type.String({ minLength: 1, maxLength: 64 }),
});

// ---- categories ----

const Channels = Type.Array(ChannelName, { uniqueItems: true, maxItems: CHANNELS.length });

export const CreateCategoryBody = Type.Object(
  {
    id: Type.String({ pattern: SLUG, maxLength: 128, description: 'A slug you choose.' }),
    name: Type.String({ minLength: 1, maxLength: 256 }),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    default_channels: Type.Optional(Channels),
    mandatory: Type.Optional(Type.Boolean()),
    parent: Type.Optional(nullable(Slug)),
  },
  { additionalProperties: false },
);
export type CreateCategoryBody = Static<typeof CreateCategoryBody>;

export const UpdateCategoryBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    default_channels: Type.Optional(Channels),
    mandatory: Type.Optional(Type.Boolean()),
    parent: Type.Optional(nullable(Slug)),
    version: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
export type UpdateCategoryBody = Static<typeof UpdateCategoryBody>;

/** The stored document of a category (its slug is the object's key). */
export type CategoryData = {
  name: string;
  description: string | null;
  default_channels: string[];
  mandatory: boolean;
  parent: string | null;
};

export const CategoryView = Type.Object({
  id: Type.String({ description: 'The slug.' }),
  tenant_id: nullable(Type.String()),
  name: Type.String(),
  description: nullable(Type.String()),
  default_channels: Type.Array(Type.String()),
  mandatory: Type.Boolean(),
  parent: nullable(Type.String()),
  version: Type.Integer(),
  created_at: Iso,
  updated_at: Iso,
});

// ---- topics ----

export const CreateTopicBody = Type.Object(
  {
    key: Slug,
    name: Type.String({ minLength: 1, maxLength: 256 }),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);
export type CreateTopicBody = Static<typeof CreateTopicBody>;

export const UpdateTopicBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    version: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
export type UpdateTopicBody = Static<typeof UpdateTopicBody>;

export type TopicData = { name: string; description: string | null };

export const TopicView = Type.Object({
  id: Type.String(),
  key: Type.String(),
  name: Type.String(),
  description: nullable(Type.String()),
  subscriber_count: Type.Integer(),
  version: Type.Integer(),
  created_at: Iso,
  updated_at: Iso,
});

/** The most members one call adds or removes. */
export const MAX_MEMBERS_PER_CALL = 1000;

export const MembersBody = Type.Object(
  {
    subscribers: Type.Array(SubscriberId, {
      minItems: 1,
      maxItems: MAX_MEMBERS_PER_CALL,
      description: `Subscriber ids, at most ${MAX_MEMBERS_PER_CALL}.`,
    }),
  },
  { additionalProperties: false },
);

// ---- preferences ----

/** The days of the week, Monday first, as quiet hours name them. */
export const DAYS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;
const Day = literals(DAYS);
export type Day = Static<typeof Day>;
const Time = Type.String({ pattern: TIME_PATTERN, description: 'HH:MM, 24-hour.' });

export const ChannelPreference = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    delivery_schedule: Type.Optional(literals(['realtime', 'digest'] as const)),
  },
  { additionalProperties: false },
);

const ChannelSwitches = Type.Object(
  Object.fromEntries(CHANNELS.map((c) => [c, Type.Optional(Type.Boolean())])),
  { additionalProperties: false },
);

export const CategoryPreferenceBody = Type.Object(
  {
    channels: Type.Optional(ChannelSwitches),
    is_muted: Type.Optional(Type.Boolean()),
    category_id: Type.Optional(Type.String({ description: 'Read-only: ignored.' })),
    name: Type.Optional(Type.String({ description: 'Read-only: ignored.' })),
    description: Type.Optional(nullable(Type.String({ description: 'Read-only: ignored.' }))),
    is_mandatory: Type.Optional(Type.Boolean({ description: 'Read-only: ignored.' })),
  },
  { additionalProperties: false },
);
export type CategoryPreferenceBody = Static<typeof CategoryPreferenceBody>;

export const QuietHours = Type.Object(
  {
    enabled: Type.Boolean(),
    start_time: Time,
    end_time: Time,
    timezone: Type.Optional(
      nullable(Type.String({ maxLength: 64, description: 'IANA; default the subscriber’s.' })),
    ),
    days: Type.Optional(
      Type.Array(Day, {
        uniqueItems: true,
        maxItems: 7,
        description: 'Days a window starts on; default every day.',
      }),
    ),
    channels_affected: Type.Optional(
      Type.Array(ChannelName, { uniqueItems: true, description: 'Default: push, sms, email.' }),
    ),
  },
  { additionalProperties: false },
);
export type QuietHours = Static<typeof QuietHours>;

export const Digest = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    frequency: Type.Optional(literals(['hourly', 'daily', 'weekly'] as const)),
    delivery_time: Type.Optional(Time),
    delivery_day: Type.Optional(Day),
    timezone: Type.Optional(Type.String({ maxLength: 64 })),
    categories: Type.Optional(Type.Array(Slug, { uniqueItems: true, maxItems: 256 })),
    channel: Type.Optional(
      literals(['in_app', 'push', 'sms', 'email'] as const, {
        description: 'The channel the digest itself is sent on; email by default.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type Digest = Static<typeof Digest>;

export const PreferencesBody = Type.Object(
  {
    global_enabled: Type.Optional(Type.Boolean()),
    channels: Type.Optional(
      Type.Object(Object.fromEntries(CHANNELS.map((c) => [c, Type.Optional(ChannelPreference)])), {
        additionalProperties: false,
      }),
    ),
    categories: Type.Optional(
      Type.Record(Type.String({ pattern: SLUG }), CategoryPreferenceBody, {
        maxProperties: 256,
        additionalProperties: false,
      }),
    ),
    quiet_hours: Type.Optional(nullable(QuietHours)),
    digest: Type.Optional(Digest),
  },
  { additionalProperties: false },
);
export type PreferencesBody = Static<typeof PreferencesBody>;

export const CategoryPreferenceView = Type.Object({
  category_id: Type.String(),
  name: Type.String({ description: 'The category’s name, for a preferences screen.' }),
  description: nullable(Type.String()),
  channels: Type.Record(Type.String(), Type.Boolean()),
  is_muted: Type.Boolean(),
  is_mandatory: Type.Boolean(),
});
export type CategoryPreferenceView = Static<typeof CategoryPreferenceView>;

export const PreferencesView = Type.Object({
  subscriber_id: Type.String(),
  global_enabled: Type.Boolean(),
  channels: Type.Record(
    Type.String(),
    Type.Object({ enabled: Type.Boolean(), delivery_schedule: Type.String() }),
  ),
  categories: Type.Record(Type.String(), CategoryPreferenceView),
  quiet_hours: nullable(QuietHours),
  digest: Type.Object({
    enabled: Type.Boolean(),
    frequency: Type.String(),
    delivery_time: Type.String(),
    delivery_day: Type.String(),
    timezone: Type.String(),
    categories: Type.Array(Type.String()),
    channel: Type.String(),
  }),
  updated_at: nullable(Iso),
});
export type PreferencesView = Static<typeof PreferencesView>;
