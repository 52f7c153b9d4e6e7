import { NotifydError } from '../core/errors.js';

/**
 * A write collided with a record that already exists (a key's id or hash, a notification
 * or delivery id). Ids come from the generator, so this means a bug, not a user error.
 */
export class StoreConflictError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreConflictError';
  }
}

/** The error every adapter rejects with once it is closed or its backend stopped answering. */
export function storeUnavailable(cause?: unknown): NotifydError {
  const err = new NotifydError('STORE_UNAVAILABLE');
  if (cause !== undefined) err.cause = cause;
  return err;
}
