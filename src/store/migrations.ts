/**
 * One step of a versioned schema (SQLite, Postgres). Once released, a migration is never
 * edited: add a new one. Postgres runs `sql` with `search_path` set to the store's schema,
 * so its names are unqualified.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** What bringing a versioned schema (SQLite, Postgres) up to date did. */
export interface MigrationResult {
  /** The version the database was at before. */
  from: number;
  /** The version it is at now. */
  to: number;
  /** The versions applied by this call, in order; empty when it was up to date. */
  applied: number[];
}
