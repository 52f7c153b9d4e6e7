/** Outgoing webhooks' error codes; `core/errors.ts` joins them into ERRORS. */
import { errorsByStatus } from '../core/error-spec.js';

export const WEBHOOK_ERRORS = errorsByStatus({
  404: {
    WEBHOOK_NOT_FOUND: 'No such webhook.',
  },
});
