/** Authentication and authorisation error codes; `core/errors.ts` joins them into ERRORS. */
import { errorsByStatus } from '../core/error-spec.js';

export const AUTH_ERRORS = errorsByStatus({
  401: {
    UNAUTHORIZED: 'A valid API key is required.',
    AUTH_FAILED: 'The token is missing, invalid or expired.',
  },
  403: {
    FORBIDDEN: 'The credentials do not allow this action.',
    CHANNEL_FORBIDDEN: 'The token does not allow this channel.',
    IP_NOT_ALLOWED: 'The API key may not be used from this address.',
  },
  404: {
    KEY_NOT_FOUND: 'No such API key.',
  },
});
