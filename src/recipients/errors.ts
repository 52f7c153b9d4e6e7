/** The recipients module's error codes; `core/errors.ts` joins them into ERRORS. */
import type { ErrorCatalogue } from '../core/error-spec.js';

export const RECIPIENT_ERRORS = {
  MANDATORY_CATEGORY: {
    status: 403,
    message: 'This category is mandatory: it cannot be switched off or muted.',
  },
  SUBSCRIBER_NOT_FOUND: { status: 404, message: 'No such subscriber.' },
  DEVICE_NOT_FOUND: { status: 404, message: 'No such device.' },
  CATEGORY_NOT_FOUND: { status: 404, message: 'No such category.' },
  TOPIC_NOT_FOUND: { status: 404, message: 'No such topic.' },
} as const satisfies ErrorCatalogue;
