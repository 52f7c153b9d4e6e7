import pg from 'pg';

/** How to reach PostgreSQL and which schema to use. */
export interface PostgresOptions {
  /** A connection string, e.g. `postgres://notifyd@db.internal:5432/notifyd`. */
  url: string;
  /** The most connections the store's pool opens (pg Pool `max`). Default 10. */
  poolSize?: number;
  /** The schema the tables live in; created when migrating if missing. Default `public`. */
  schema?: string;
  /** Run pending migrations on open. Default true; false expects `notifyd migrate` to have run. */
  migrate?: boolean;
  /**
   * The server cancels a statement that runs longer than this. Default 30000; 0 disables.
   * The client gives up on a call CALL_TIMEOUT_MARGIN_MS later (STORE_UNAVAILABLE, and the
   * connection is discarded), for a server that stopped answering without a word.
   */
  statementTimeoutMs?: number;
  /**
   * How long opening a connection (and ping) may take before the store reports
   * STORE_UNAVAILABLE. Default 5000.
   */
  connectTimeoutMs?: number;
  /** Hears problems the store works around by itself, e.g. an idle connection that died. */
  onWarning?: (message: string, err: unknown) => void;
}

/** What a migration needs: where, and nothing about pooling. */
export type PostgresTarget = Pick<
  PostgresOptions,
  'url' | 'schema' | 'connectTimeoutMs' | 'onWarning'
>;

const INT8 = 20;

/**
 * Epoch milliseconds are `bigint` columns, which pg returns as strings so as never to lose
 * precision. They stay far below 2^53, so this pool (only this one: pg's parsers are global
 * otherwise) reads them as numbers, which also makes COUNT(*) a number.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * How long after the statement timeout the client stops waiting for an answer. The server's
 * own cancellation normally comes first; this bounds a call (and close(), which waits for
 * calls) when the server hangs or its host vanished, where TCP would wait for hours.
 */
export const CALL_TIMEOUT_MARGIN_MS = 2000;

/** Opens (lazily, as pg does) a pool on `options.url`. */
export function createPool(options: PostgresOptions): pg.Pool {
  const max = options.poolSize ?? 10;
  const statementTimeout = options.statementTimeoutMs ?? 30_000;
  if (!Number.isInteger(max) || max < 1) {
    throw new TypeError(`poolSize must be a whole number of at least 1, not ${max}`);
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    statement_timeout: statementTimeout,
    ...(statementTimeout > 0 ? { query_timeout: statementTimeout + CALL_TIMEOUT_MARGIN_MS } : {}),
    fallback_application_name: 'notifyd',
    // TCP keep-alive finds a connection whose server vanished without a word (a host that
    // died, a dropped NAT entry), which would otherwise wait on its socket for ever.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    types,
  });
  // A connection that dies while idle in the pool (server restart, admin kill) is
  // reported here; without a listener it would crash the process. The pool drops it and
  // the next query opens a new one.
  pool.on('error', (err) => options.onWarning?.('An idle PostgreSQL connection failed.', err));
  return pool;
}

/** The server and database of a connection string, never its password: for messages. */
export function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'the configured PostgreSQL server';
  }
}
