import Database from 'better-sqlite3';
import { StoreConflictError, storeUnavailable } from '../errors.js';

/** SQLite result codes that mean the database cannot answer now, not that the call is wrong. */
const UNAVAILABLE =
  /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|CORRUPT|NOTADB|READONLY|PROTOCOL|NOMEM)/;

/** The open database shared by every part of the adapter, and whether it is still open. */
export class SqliteHandle {
  closed = false;

  constructor(readonly db: Database.Database) {}

  /** Runs synchronous database work as a promise, translating its errors. */
  run<T>(work: () => T): Promise<T> {
    if (this.closed) return Promise.reject(storeUnavailable());
    try {
      return Promise.resolve(work());
    } catch (err) {
      return Promise.reject(translateError(err));
    }
  }
}

/** Maps a driver error to notifyd's: conflicts and an unavailable database get their own. */
export function translateError(err: unknown): unknown {
  if (err instanceof Database.SqliteError) {
    if (err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || err.code === 'SQLITE_CONSTRAINT_UNIQUE') {
      return new StoreConflictError(`A record with this id already exists (${err.message}).`, {
        cause: err,
      });
    }
    if (UNAVAILABLE.test(err.code)) return storeUnavailable(err);
  }
  return err;
}

/** Whether an error is a constraint violation, which fails one insert call and not others. */
export function isConstraintError(err: unknown): boolean {
  return err instanceof Database.SqliteError && err.code.startsWith('SQLITE_CONSTRAINT');
}
