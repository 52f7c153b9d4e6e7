import { type Static, type TObject, type TProperties, Type } from '@sinclair/typebox';
import { ListQuery, OwnerTenant } from '../objects/schemas.js';

/**
 * The shapes of templates: what the API takes and answers, and the stored document. Every
 * text field is Liquid; its length is bounded here loosely and by templates.max_source_chars
 * at save time.
 */

/** The channels a template has content for (the built-in ones). */
export const TEMPLATE_CHANNELS = ['in_app', 'push', 'sms', 'email', 'webhook'] as const;
export type TemplateChannel = (typeof TEMPLATE_CHANNELS)[number];

const literals = <T extends string>(values: readonly T[]) =>
  Type.Union(values.map((v) => Type.Literal(v)));

const Liquid = (description: string) => Type.String({ maxLength: 1_048_576, description });

/** A template's key: a name usable wherever its id is (not starting with `tpl_`). */
export const KEY_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$';
/** A locale: a BCP 47 tag such as `fr` or `pt-BR`. */
export const LOCALE_PATTERN = '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$';

const Locale = Type.String({ pattern: LOCALE_PATTERN, maxLength: 35 });

const ActionTemplate = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64 }),
    label: Liquid('The button text (Liquid).'),
    type: literals(['primary', 'secondary', 'destructive'] as const),
    url: Type.Optional(Liquid('Where the action leads (Liquid).')),
    callback_key: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  { additionalProperties: false },
);

const InAppFields = {
  title: Liquid('The feed title.'),
  body: Liquid('The feed text.'),
  action_url: Type.Optional(Liquid('Where a click leads.')),
  image_url: Type.Optional(Liquid('An image shown with it.')),
  cta_text: Type.Optional(Liquid('The call-to-action text.')),
  actions: Type.Optional(Type.Array(ActionTemplate, { maxItems: 10 })),
  data: Type.Optional(
    Type.Record(Type.String({ maxLength: 256 }), Type.Unknown(), {
      maxProperties: 256,
      description:
        'Custom JSON the feed entry carries (its `content.data`, for your app): every string in it, at any depth, is Liquid.',
    }),
  ),
};
const PushFields = {
  title: Liquid('The notification title.'),
  body: Liquid('The notification text.'),
  image: Type.Optional(Liquid('A large image URL.')),
  icon: Type.Optional(Liquid('An icon URL.')),
  url: Type.Optional(Liquid('Where a click leads.')),
  data: Type.Optional(
    Type.Record(Type.String({ maxLength: 128 }), Liquid('A data value.'), { maxProperties: 64 }),
  ),
};
const SmsFields = { body: Liquid('The text message.') };
const EmailFields = {
  subject: Liquid('The subject line.'),
  html: Type.Optional(
    Liquid('The HTML part; every output is HTML-escaped unless piped through `| safe` or `| raw`.'),
  ),
  text: Type.Optional(Liquid('The plain-text part; derived from the HTML part when absent.')),
};
const WebhookFields = {
  body: Type.Record(Type.String({ maxLength: 256 }), Type.Unknown(), {
    maxProperties: 256,
    description: 'The JSON body: every string in it (at any depth) is Liquid.',
  }),
};

const FIELDS = {
  in_app: InAppFields,
  push: PushFields,
  sms: SmsFields,
  email: EmailFields,
  webhook: WebhookFields,
} satisfies Record<TemplateChannel, TProperties>;

const object = <P extends TProperties>(p: P) => Type.Object(p, { additionalProperties: false });

/** Each channel's content, keyed by channel. */
export const ChannelTemplates = Type.Object(
  {
    in_app: Type.Optional(object(InAppFields)),
    push: Type.Optional(object(PushFields)),
    sms: Type.Optional(object(SmsFields)),
    email: Type.Optional(object(EmailFields)),
    webhook: Type.Optional(object(WebhookFields)),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type ChannelTemplates = Static<typeof ChannelTemplates>;

/** The seed's array form: `[{channel: "in_app", title, body}, …]`. */
const ChannelTemplateList = Type.Array(
  Type.Union(
    TEMPLATE_CHANNELS.map((c) =>
      Type.Object(
        { channel: Type.Literal(c), ...(FIELDS[c] as TProperties) },
        { additionalProperties: false },
      ),
    ),
  ),
  { minItems: 1, maxItems: TEMPLATE_CHANNELS.length },
);

const partial = <T extends TObject>(o: T) =>
  Type.Partial(o, { additionalProperties: false }) as unknown as T;

/** A locale's variant: for each channel, the fields that differ from the default locale. */
export const LocaleVariant = Type.Object(
  {
    in_app: Type.Optional(partial(object(InAppFields))),
    push: Type.Optional(partial(object(PushFields))),
    sms: Type.Optional(partial(object(SmsFields))),
    email: Type.Optional(partial(object(EmailFields))),
    webhook: Type.Optional(partial(object(WebhookFields))),
  },
  { additionalProperties: false },
);
export type LocaleVariant = Static<typeof LocaleVariant>;

const Locales = Type.Record(
  Type.String({ pattern: LOCALE_PATTERN, maxLength: 35 }),
  LocaleVariant,
  {
    maxProperties: 100,
    description:
      'Variants by locale (`fr`, `pt-BR`): each field given replaces the default one; a field not given falls back to the default locale.',
  },
);

export const VARIABLE_TYPES = ['string', 'number', 'boolean', 'datetime', 'url'] as const;
export type VariableType = (typeof VARIABLE_TYPES)[number];

export const TemplateVariable = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' }),
    type: Type.Optional(literals(VARIABLE_TYPES)),
    required: Type.Optional(Type.Boolean()),
    default: Type.Optional(
      Type.Unknown({ description: 'The value used when the payload has none.' }),
    ),
    default_value: Type.Optional(Type.Unknown({ description: 'The seed’s name for `default`.' })),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);
export type TemplateVariableInput = Static<typeof TemplateVariable>;

/** A variable as stored and shown. */
export interface TemplateVariableDoc {
  name: string;
  type: VariableType;
  required: boolean;
  default: unknown;
  description: string | null;
}

const Key = Type.String({
  pattern: KEY_PATTERN,
  description: 'A unique name in the tenant, usable wherever the id is (not starting with `tpl_`).',
});
const Name = Type.String({ minLength: 1, maxLength: 256 });
const Description = Type.Union([Type.String({ maxLength: 4096 }), Type.Null()]);
const Category = Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Null()], {
  description: 'The category of the notifications sent with it (routing reads its preferences).',
});
const Variables = Type.Array(TemplateVariable, { maxItems: 100 });

/** The priorities a template may give its notifications (notifyd's; `critical` = `urgent`). */
export const TEMPLATE_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TemplatePriority = (typeof TEMPLATE_PRIORITIES)[number];
const DefaultPriority = Type.Union(
  [literals([...TEMPLATE_PRIORITIES, 'critical'] as const), Type.Null()],
  {
    description:
      'The priority of the notifications sent with it when the send gives none (`critical` is `urgent`); null: normal.',
  },
);
/** The longest lifetime a template may give, as a send's `ttl_seconds`. */
export const MAX_TEMPLATE_TTL_S = 2_419_200;
const DefaultTtl = Type.Union(
  [Type.Integer({ minimum: 1, maximum: MAX_TEMPLATE_TTL_S }), Type.Null()],
  {
    description:
      'Seconds the notifications sent with it stay relevant (they expire then) when the send gives no `ttl_seconds` or `expires_at`; null: no expiry.',
  },
);
const defaults = {
  priority: Type.Optional(DefaultPriority),
  ttl_seconds: Type.Optional(DefaultTtl),
};

const content = {
  channels: Type.Union([ChannelTemplates, ChannelTemplateList], {
    description:
      'Each channel’s content in Liquid, keyed by channel (`{in_app: {title, body}, email: {subject, html}}`); the array form `[{channel: "in_app", …}]` is accepted too.',
  }),
  locales: Type.Optional(Locales),
  default_locale: Type.Optional(Locale),
  variables: Type.Optional(Variables),
};

/** A template's content without its name: what `POST /templates/render` renders unsaved. */
export const DraftTemplate = Type.Object(
  {
    ...content,
    key: Type.Optional(Key),
    name: Type.Optional(Name),
    category: Type.Optional(Category),
  },
  { additionalProperties: false },
);
export type DraftTemplate = Static<typeof DraftTemplate>;

export const CreateTemplateBody = Type.Object(
  {
    key: Key,
    name: Name,
    description: Type.Optional(Description),
    category: Type.Optional(Category),
    ...content,
    ...defaults,
    is_active: Type.Optional(
      Type.Boolean({ description: 'Inactive templates cannot be sent with (default true).' }),
    ),
    tenant_id: OwnerTenant(
      'The owning tenant; null for a global template (every tenant can send with it; a notifications:admin key bound to no tenant); default the caller’s.',
    ),
  },
  { additionalProperties: false },
);
export type CreateTemplateBody = Static<typeof CreateTemplateBody>;

export const UpdateTemplateBody = Type.Object(
  {
    key: Type.Optional(Key),
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    category: Type.Optional(Category),
    channels: Type.Optional(content.channels),
    locales: Type.Optional(Locales),
    default_locale: Type.Optional(Locale),
    variables: Type.Optional(Variables),
    ...defaults,
    is_active: Type.Optional(Type.Boolean()),
    version: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Refuse the change (409 VERSION_CONFLICT) unless it is at this version.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type UpdateTemplateBody = Static<typeof UpdateTemplateBody>;

export const TemplateListQuery = Type.Object(
  {
    ...ListQuery.properties,
    category: Type.Optional(Type.String({ maxLength: 128 })),
    is_active: Type.Optional(Type.Boolean()),
    q: Type.Optional(Type.String({ maxLength: 256, description: 'Part of the key or name.' })),
  },
  { additionalProperties: false },
);
export type TemplateListQuery = Static<typeof TemplateListQuery>;

/** The stored document of a template (its key is the object's key). */
export interface TemplateData {
  name: string;
  description: string | null;
  category: string | null;
  channels: ChannelTemplates;
  locales: Record<string, LocaleVariant>;
  default_locale: string;
  variables: TemplateVariableDoc[];
  /** The priority of its notifications when the send gives none (absent in older documents). */
  priority?: TemplatePriority | null;
  /** Their lifetime in seconds when the send gives none (absent in older documents). */
  ttl_seconds?: number | null;
  is_active: boolean;
  /** When this version was made by activating an older one: that version. */
  restored_from: number | null;
  /**
   * The API shape it was last written in when not notifyd's (`ara`: Ara's payload_template,
   * compat.ara): reads of it answer in that shape too (see TemplateShape).
   */
  shape?: string | null;
}

/** A stored past version: the template's document then, its key and version. */
export interface TemplateVersionData extends TemplateData {
  template_id: string;
  key: string;
  version: number;
  /** When that version was made. */
  made_at: number;
}

const VariableView = Type.Object({
  name: Type.String(),
  type: literals(VARIABLE_TYPES),
  required: Type.Boolean(),
  default: Type.Unknown(),
  description: Type.Union([Type.String(), Type.Null()]),
});

const contentView = {
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  category: Type.Union([Type.String(), Type.Null()]),
  channels: ChannelTemplates,
  locales: Type.Record(Type.String(), LocaleVariant),
  default_locale: Type.String(),
  variables: Type.Array(VariableView),
  priority: Type.Union([literals(TEMPLATE_PRIORITIES), Type.Null()]),
  ttl_seconds: Type.Union([Type.Integer(), Type.Null()]),
  is_active: Type.Boolean(),
  restored_from: Type.Union([Type.Integer(), Type.Null()], {
    description: 'The older version this one was made from by activating it, if so.',
  }),
};

export const TemplateView = Type.Object({
  id: Type.String(),
  key: Type.String(),
  tenant_id: Type.Union([Type.String(), Type.Null()]),
  ...contentView,
  version: Type.Integer(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
export type TemplateView = Static<typeof TemplateView>;

export const TemplateVersionView = Type.Object({
  template_id: Type.String(),
  key: Type.String(),
  version: Type.Integer(),
  current: Type.Boolean({ description: 'Whether this is the version sends use.' }),
  ...contentView,
  created_at: Type.String({ format: 'date-time', description: 'When this version was made.' }),
});
export type TemplateVersionView = Static<typeof TemplateVersionView>;

export const VersionSummaryView = Type.Object({
  version: Type.Integer(),
  current: Type.Boolean(),
  name: Type.String(),
  is_active: Type.Boolean(),
  restored_from: Type.Union([Type.Integer(), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
});

export const VersionParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128 }),
  version: Type.Integer({ minimum: 1 }),
});

const Payload = Type.Record(Type.String({ maxLength: 256 }), Type.Unknown(), {
  description: 'The variables, as the template reads them (`{{ user.name }}`).',
});
const RenderChannels = Type.Array(literals(TEMPLATE_CHANNELS), {
  minItems: 1,
  uniqueItems: true,
  description: 'Render only these channels (default every channel the template has).',
});

export const RenderBody = Type.Object(
  {
    payload: Type.Optional(Payload),
    locale: Type.Optional(Type.Union([Locale, Type.Null()])),
    channels: Type.Optional(RenderChannels),
    version: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Render this version (default the current one).' }),
    ),
  },
  { additionalProperties: false },
);
export type RenderBody = Static<typeof RenderBody>;

export const RenderDraftBody = Type.Object(
  {
    template: DraftTemplate,
    payload: Type.Optional(Payload),
    locale: Type.Optional(Type.Union([Locale, Type.Null()])),
    channels: Type.Optional(RenderChannels),
  },
  { additionalProperties: false },
);
export type RenderDraftBody = Static<typeof RenderDraftBody>;

export const RenderedView = Type.Object({
  template: Type.Object({
    id: Type.Union([Type.String(), Type.Null()]),
    key: Type.Union([Type.String(), Type.Null()]),
    version: Type.Union([Type.Integer(), Type.Null()]),
    category: Type.Union([Type.String(), Type.Null()]),
  }),
  locale: Type.String({
    description: 'The locale rendered: the one asked, a parent of it, or the default.',
  }),
  channels: Type.Array(Type.String()),
  contents: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()), {
    description: 'Each channel’s rendered content (the shapes of the send pipeline).',
  }),
});
