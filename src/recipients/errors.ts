/** The recipients module's error codes; `core/errors.ts` joins them into ERRORS. */
import { errorsByStatus } from '../core/error-spec.js';

export const RECIPIENT_ERRORS = errorsByStatus({
  403: {
    MANDATORY_CATEGORY: 'This category is mandatory: it cannot be switched off or muted.',
  },
  404: {
    SUBSCRIBER_NOT_FOUND: 'No such subscriber.',
    DEVICE_NOT_FOUND: 'No such device.',
    CATEGORY_NOT_FOUND: 'No such category.',
    TOPIC_NOT_FOUND: 'No such topic.',
  },
});
