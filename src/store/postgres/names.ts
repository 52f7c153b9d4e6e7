/**
 * The Postgres schema a store lives in. Its name is spliced into SQL (identifiers cannot be
 * query parameters), so it must be a plain lower-case identifier, and it is quoted anyway.
 */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Table names of one store, qualified with its quoted schema. */
export interface Tables {
  readonly schema: string;
  readonly notifications: string;
  readonly deliveries: string;
  readonly idempotencyKeys: string;
  readonly apiKeys: string;
  readonly counters: string;
  readonly userQueues: string;
  readonly objects: string;
  readonly objectRevisions: string;
  readonly ratelimit: string;
  readonly analyticsEvents: string;
  readonly analyticsRollups: string;
  readonly analyticsActivity: string;
  readonly subscribers: string;
  readonly devices: string;
  readonly topicMembers: string;
  readonly preferences: string;
  readonly jobs: string;
  readonly sendRequests: string;
  readonly migrations: string;
}

/** Throws unless `schema` is a plain identifier: lower-case letters, digits, `_`, ≤ 63. */
export function checkSchemaName(schema: string): string {
  if (!IDENTIFIER.test(schema)) {
    throw new TypeError(
      `The Postgres schema name must be lower-case letters, digits and _ (at most 63, not starting with a digit), not ${JSON.stringify(schema)}`,
    );
  }
  return schema;
}

/** `"schema"`: a checked name, quoted so that reserved words work too. */
export function quoteSchema(schema: string): string {
  return `"${checkSchemaName(schema)}"`;
}

/**
 * Every query names its tables with their schema instead of relying on `search_path`, which
 * a connection pooler in transaction mode would not keep per session.
 */
export function tables(schema: string): Tables {
  const s = quoteSchema(schema);
  return {
    schema,
    notifications: `${s}.notifications`,
    deliveries: `${s}.deliveries`,
    idempotencyKeys: `${s}.idempotency_keys`,
    apiKeys: `${s}.api_keys`,
    counters: `${s}.counters`,
    userQueues: `${s}.user_queues`,
    objects: `${s}.objects`,
    objectRevisions: `${s}.object_revisions`,
    ratelimit: `${s}.ratelimit_state`,
    analyticsEvents: `${s}.analytics_events`,
    analyticsRollups: `${s}.analytics_rollups`,
    analyticsActivity: `${s}.analytics_activity`,
    subscribers: `${s}.subscribers`,
    devices: `${s}.devices`,
    topicMembers: `${s}.topic_members`,
    preferences: `${s}.preferences`,
    jobs: `${s}.jobs`,
    sendRequests: `${s}.send_requests`,
    migrations: `${s}.schema_migrations`,
  };
}
