/** The providers module's error codes; `core/errors.ts` joins them into ERRORS. */
import { errorsByStatus } from '../core/error-spec.js';

export const PROVIDER_ERRORS = errorsByStatus({
  404: {
    PROVIDER_NOT_FOUND: 'No such provider or served channel.',
  },
});
