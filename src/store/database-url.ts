/**
 * DATABASE_URL, the variable most hosts set for a database: which backend it selects and
 * which of that backend's options it sets. Pure: it loads no adapter, so configuration can
 * read the variable without naming a backend itself.
 */
import type { StoreBackend } from './backends.js';

/** What a DATABASE_URL sets, or why notifyd cannot use it. */
export type DatabaseUrlTarget =
  | {
      /** The backend it selects, unless a more specific variable names one. */
      backend: StoreBackend;
      /** The option it sets (dotted path), e.g. `store.postgres.url`. */
      option: string;
      /** The value for that option: the URL itself, or the file a SQLite URL names. */
      value: string;
    }
  | { reason: string };

/** Every option DATABASE_URL may set, for the docs. */
export const DATABASE_URL_SETS: readonly string[] = [
  'store.sqlite.path',
  'store.postgres.url',
  'store.backend',
];

const POSTGRES = /^postgres(?:ql)?:\/\//i;
const SQLITE = /^(?:sqlite:(?:\/\/)?|file:(?:\/\/)?)(.*)$/i;
const UNAVAILABLE = /^(redis|rediss|mysql|mariadb):/i;

/**
 * Reads a DATABASE_URL: the SQLite file (`sqlite:PATH`, `sqlite://PATH`, `file:PATH`, or a path
 * ending in .db) or the PostgreSQL database (`postgres://…`).
 */
export function databaseUrlTarget(url: string): DatabaseUrlTarget {
  if (POSTGRES.test(url)) return { backend: 'postgres', option: 'store.postgres.url', value: url };
  const match = SQLITE.exec(url);
  const path = match ? match[1] : url.endsWith('.db') && !url.includes('://') ? url : null;
  if (path) return { backend: 'sqlite', option: 'store.sqlite.path', value: path };
  const scheme = UNAVAILABLE.exec(url)?.[1]?.toLowerCase();
  return {
    reason: scheme?.startsWith('redis')
      ? 'Redis is set with REDIS_URL (or store.redis.url), not DATABASE_URL'
      : scheme
        ? `the ${scheme} backend is not available in this version of notifyd; use postgres://…, sqlite:PATH or unset DATABASE_URL`
        : 'not a database URL notifyd understands; use postgres://…, sqlite:PATH or a path ending in .db',
  };
}
