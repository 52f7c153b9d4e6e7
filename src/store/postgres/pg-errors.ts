import { StoreConflictError, storeUnavailable } from '../errors.js';

/**
 * SQLSTATE classes and codes that mean the server cannot answer now, not that the call is
 * wrong: connection exceptions (08), insufficient resources (53), operator intervention
 * (57: shutdown, cancelled or timed-out statements), system errors (58), failed
 * authentication and a missing database (28, 3D000), and transaction rollbacks the server
 * chose (40: serialization failure, deadlock), which a later retry clears.
 */
const UNAVAILABLE_SQLSTATE = /^(08|53|57|58|28|40)|^3D000$/;

/** Socket errors of a server that is down, unreachable or went away. */
const UNAVAILABLE_SOCKET = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** pg reports a lost or timed-out connection with these messages and no code. */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|connection timeout|not queryable|Cannot use a pool after calling end|Query read timeout/i;

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Whether `err` means the server could not answer (so the call may succeed later). */
export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = codeOf(err);
  if (code !== undefined) {
    if (UNAVAILABLE_SOCKET.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code)) return UNAVAILABLE_SQLSTATE.test(code);
  }
  return UNAVAILABLE_MESSAGE.test(err.message);
}

/** Whether `err` is a deadlock Postgres broke by failing this statement (40P01). */
export function isDeadlock(err: unknown): boolean {
  return codeOf(err) === '40P01';
}

/**
 * Whether `err` is about the data of one call (a constraint, a value Postgres refuses:
 * classes 22 and 23), which must fail that call and not the others of its group.
 */
export function isDataError(err: unknown): boolean {
  // Also seen through a StoreConflictError, which keeps the driver error as its cause.
  const code = codeOf(err) ?? codeOf((err as { cause?: unknown } | null)?.cause);
  return /^2[23]/.test(code ?? '');
}

/** Maps a driver error to notifyd's: id collisions and an unavailable server get their own. */
export function translateError(err: unknown): unknown {
  if (codeOf(err) === '23505') {
    const detail = (err as { detail?: string }).detail;
    return new StoreConflictError(
      `A record with this id already exists (${detail ?? (err as Error).message}).`,
      { cause: err },
    );
  }
  if (isUnavailable(err)) return storeUnavailable(err);
  return err;
}
