/** The notifications module's error codes; `core/errors.ts` joins them into ERRORS. */
import { errorsByStatus } from '../core/error-spec.js';

export const NOTIFICATION_ERRORS = errorsByStatus({
  400: {
    INVALID_CURSOR: 'The cursor is not one this server issued.',
  },
  404: {
    NOTIFICATION_NOT_FOUND: 'No such notification.',
    ACTION_NOT_FOUND: 'The notification has no action with this id.',
    REQUEST_NOT_FOUND: 'No such send request.',
    SCHEDULED_NOT_FOUND: 'No such scheduled send.',
    DEAD_LETTER_NOT_FOUND: 'No dead-lettered (failed) delivery with this id.',
  },
  409: {
    ACTION_ALREADY_TAKEN:
      'Another action of this notification was taken already; an action is taken once.',
    DUPLICATE_NOTIFICATION: 'A notification with this idempotency key was already accepted.',
    SCHEDULED_NOT_CANCELLABLE:
      'The scheduled send was sent, failed or cancelled already; details.status says which.',
  },
  422: {
    NO_DELIVERY_CHANNEL:
      'Routing left no channel to deliver on; details.skipped says why each was dropped.',
  },
  429: {
    USER_CAP_EXCEEDED:
      "The recipient's cap for the channel is reached and their deferred deliveries are at notifications.caps.max_deferred; details name the channel and cap.",
  },
});
