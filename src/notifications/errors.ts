/** The notifications module's error codes; `core/errors.ts` joins them into ERRORS. */
import type { ErrorCatalogue } from '../core/error-spec.js';

export const NOTIFICATION_ERRORS = {
  INVALID_CURSOR: { status: 400, message: 'The cursor is not one this server issued.' },
  NOTIFICATION_NOT_FOUND: { status: 404, message: 'No such notification.' },
  ACTION_NOT_FOUND: { status: 404, message: 'The notification has no action with this id.' },
  ACTION_ALREADY_TAKEN: {
    status: 409,
    message: 'Another action of this notification was taken already; an action is taken once.',
  },
  REQUEST_NOT_FOUND: { status: 404, message: 'No such send request.' },
  DUPLICATE_NOTIFICATION: {
    status: 409,
    message: 'A notification with this idempotency key was already accepted.',
  },
  NO_DELIVERY_CHANNEL: {
    status: 422,
    message: 'Routing left no channel to deliver on; details.skipped says why each was dropped.',
  },
} as const satisfies ErrorCatalogue;
