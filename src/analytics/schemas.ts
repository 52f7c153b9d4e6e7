/** Request and answer shapes of the analytics API; they validate, type and document it. */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { OPERATORS } from './fields.js';
import { PRESETS, QUERY_GRANULARITIES } from './time.js';

/** A union of the string literals given. */
export const literals = <T extends string>(values: readonly T[]) =>
  Type.Union(values.map((v) => Type.Literal(v)));

/** The schema given, or null. */
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** Event type names: letters, digits and `_ . : -`. */
export const EventTypeName = Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,100}$' });
const Id = (maxLength: number) => Type.String({ minLength: 1, maxLength });

/** One event to track. */
export const TrackEventBody = Type.Object(
  {
    event_type: EventTypeName,
    user_id: Type.Optional(Type.Union([Id(256), Type.Null()])),
    tenant_id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$' })),
    properties: Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Type.Unknown())),
    timestamp: Type.Optional(Type.String({ format: 'date-time' })),
    event_id: Type.Optional(Id(200)),
  },
  { additionalProperties: false },
);
export type TrackEventBody = Static<typeof TrackEventBody>;

/** Up to 1,000 events; each is judged on its own. */
export const TrackBatchBody = Type.Object(
  { events: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);

export const TrackedView = Type.Object({
  id: Type.Optional(
    Type.String({ description: 'The stored event id (absent when a repeat was ignored).' }),
  ),
  duplicate: Type.Boolean({ description: 'True when event_id had been seen: nothing stored.' }),
});

export const BatchTrackView = Type.Object({
  accepted: Type.Integer(),
  rejected: Type.Integer(),
  duplicates: Type.Integer(),
  errors: Type.Array(
    Type.Object({
      index: Type.Integer(),
      code: Type.String(),
      reason: Type.String(),
      details: Type.Record(Type.String(), Type.Unknown()),
    }),
  ),
});

export const FilterSchema = Type.Object(
  {
    field: Type.String({ minLength: 1, maxLength: 200 }),
    operator: literals(OPERATORS),
    value: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);

export const TimeRangeSchema = Type.Object(
  {
    start: Type.Optional(Type.String({ maxLength: 64 })),
    end: Type.Optional(Type.String({ maxLength: 64 })),
    preset: Type.Optional(
      literals([...Object.keys(PRESETS), 'custom'] as (keyof typeof PRESETS | 'custom')[]),
    ),
  },
  { additionalProperties: false },
);

/**
 * What a query counts and over what (a query body's, a report section's): its metrics,
 * the dimensions it groups by and its filters, at most `max` of each of the first two.
 */
export function queryFields(max: { metrics: number; dimensions: number }) {
  return {
    metrics: Type.Array(Type.String({ minLength: 1, maxLength: 120 }), {
      minItems: 1,
      maxItems: max.metrics,
    }),
    dimensions: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: max.dimensions }),
    ),
    filters: Type.Optional(Type.Array(FilterSchema, { maxItems: 20 })),
  };
}

/** How a query's rows are ordered and how many are answered. */
export const QueryOrderFields = {
  order_by: Type.Optional(Type.String({ maxLength: 120 })),
  order_direction: Type.Optional(literals(['asc', 'desc'] as const)),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
};

export const QueryBody = Type.Object(
  {
    ...queryFields({ metrics: 20, dimensions: 5 }),
    time_range: TimeRangeSchema,
    granularity: Type.Optional(literals(QUERY_GRANULARITIES)),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    ...QueryOrderFields,
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);
export type QueryBody = Static<typeof QueryBody>;

export const QueryResultView = Type.Object({
  data: Type.Array(
    Type.Object({
      timestamp: Type.String({ format: 'date-time' }),
      values: Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null()]), {
        description:
          'Each metric asked for; null for a ratio with nothing to divide by in the row (read_rate on a day nothing was delivered), never 0.',
      }),
      dimensions: Type.Record(Type.String(), Type.String()),
    }),
  ),
  metadata: Type.Object({
    query_ms: Type.Integer(),
    rows_scanned: Type.Integer(),
    source: literals(['raw', 'rollup'] as const),
    cache_hit: Type.Boolean(),
    granularity: Type.Union([literals(QUERY_GRANULARITIES), Type.Null()]),
    timezone: Type.String(),
    time_range: Type.Object({ start: Type.String(), end: Type.String() }),
  }),
  total_count: Type.Integer(),
});

export const MetricView = Type.Object({
  name: Type.String(),
  kind: Type.String(),
  description: Type.String(),
});

/** A custom event type's property schema. */
export const PropertySchema = Type.Object(
  {
    type: literals(['string', 'number', 'boolean', 'datetime'] as const),
    required: Type.Optional(Type.Boolean({ default: false })),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type PropertySchema = Static<typeof PropertySchema>;

export const CreateEventTypeBody = Type.Object(
  {
    name: EventTypeName,
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    properties_schema: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,100}$' }), PropertySchema, {
        maxProperties: 100,
      }),
    ),
  },
  { additionalProperties: false },
);
export type CreateEventTypeBody = Static<typeof CreateEventTypeBody>;

export const EventTypeView = Type.Object({
  name: Type.String(),
  description: Type.String(),
  properties_schema: Type.Record(Type.String(), PropertySchema),
  event_count: Type.Integer({ description: 'Events of this type still in day rollups.' }),
  declared: Type.Boolean({ description: 'Declared with a schema (else only seen in events).' }),
  id: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.Union([Type.String(), Type.Null()]),
});
