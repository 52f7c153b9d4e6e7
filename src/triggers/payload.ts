import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { NotifydError } from '../core/errors.js';
import { parseBoundedJson } from '../core/json.js';
import { TENANT_PATTERN } from '../core/tenancy.js';
import { compileValidator } from '../http/validate.js';
import { CHANNEL_PATTERN } from '../notifications/user-channel.js';

/**
 * A trigger as the Ara notification service takes it from Redis. Ara serialises absent
 * optional fields as `null`, so null is accepted wherever a field is optional; fields
 * Ara may add later are ignored rather than refused.
 */
const Nullable = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

/**
 * Ara spells priorities in PascalCase; lowercase (notifyd's spelling) is accepted too.
 * `critical` is stored as `urgent`.
 */
const PRIORITIES = ['low', 'normal', 'high', 'urgent', 'critical'] as const;
export type TriggerPriority = (typeof PRIORITIES)[number];
const Priority = Type.Union(
  PRIORITIES.flatMap((p) => [Type.Literal(p), Type.Literal(p[0]!.toUpperCase() + p.slice(1))]),
);

const TriggerEvent = Type.Object({
  event_type: Type.String({ minLength: 1, maxLength: 64 }),
  payload: Type.Record(Type.String(), Type.Unknown()),
  priority: Nullable(Priority),
  /** Seconds the event stays relevant; kept in the notification's data. */
  ttl: Nullable(Type.Integer({ minimum: 0 })),
  correlation_id: Nullable(Type.String({ maxLength: 256 })),
});

const common = {
  event: TriggerEvent,
  tenant_id: Nullable(Type.String({ pattern: TENANT_PATTERN })),
};
const UserId = Type.String({ minLength: 1, maxLength: 256 });
const Channel = Type.String({ pattern: CHANNEL_PATTERN });
const Many = <T extends TSchema>(item: T) => Type.Array(item, { minItems: 1, maxItems: 1000 });

/** One schema per target type, so that an error names the field, not a union branch. */
const BY_TYPE = {
  user: Type.Object({ type: Type.Literal('user'), target: UserId, ...common }),
  users: Type.Object({ type: Type.Literal('users'), target: Many(UserId), ...common }),
  broadcast: Type.Object({
    type: Type.Literal('broadcast'),
    target: Type.Optional(Type.Null()),
    ...common,
  }),
  channel: Type.Object({ type: Type.Literal('channel'), target: Channel, ...common }),
  channels: Type.Object({ type: Type.Literal('channels'), target: Many(Channel), ...common }),
};
type TargetType = keyof typeof BY_TYPE;

/** A trigger that passed validation. */
export type Trigger = { [K in TargetType]: Static<(typeof BY_TYPE)[K]> }[TargetType];
export type TriggerEvent = Static<typeof TriggerEvent>;

const validators = Object.fromEntries(
  Object.entries(BY_TYPE).map(([type, schema]) => [type, compileValidator(schema, 'body')]),
) as { [K in TargetType]: (value: unknown) => Static<(typeof BY_TYPE)[K]> };

const isTargetType = (type: unknown): type is TargetType =>
  typeof type === 'string' && Object.hasOwn(BY_TYPE, type);

/**
 * Reads a Redis message into a trigger. Throws VALIDATION_ERROR (or INVALID_JSON) saying
 * what is wrong; the listener logs it and drops the message.
 */
export function parseTrigger(raw: string): Trigger {
  let value: unknown;
  try {
    value = parseBoundedJson(raw);
  } catch (err) {
    throw new NotifydError('INVALID_JSON', 'the message is not JSON', {
      reason: (err as Error).message,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new NotifydError('VALIDATION_ERROR', 'the message is not a JSON object');
  }
  const type = (value as { type?: unknown }).type;
  if (!isTargetType(type)) {
    throw new NotifydError(
      'VALIDATION_ERROR',
      `type must be one of ${Object.keys(BY_TYPE).join(', ')}`,
      { type },
    );
  }
  try {
    return validators[type](value);
  } catch (err) {
    // The validator names fields from `body.`; here they are fields of the message.
    if (!(err instanceof NotifydError)) throw err;
    throw new NotifydError(err.code, err.message.replace(/^body\./, ''), err.details);
  }
}

/** notifyd's spelling of a trigger's priority; Normal when absent. */
export function priorityOf(event: TriggerEvent): TriggerPriority {
  return (event.priority?.toLowerCase() as TriggerPriority | undefined) ?? 'normal';
}
