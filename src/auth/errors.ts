/** Authentication and authorisation error codes; `core/errors.ts` joins them into ERRORS. */
import type { ErrorCatalogue } from '../core/error-spec.js';

export const AUTH_ERRORS = {
  UNAUTHORIZED: { status: 401, message: 'A valid API key is required.' },
  AUTH_FAILED: { status: 401, message: 'The token is missing, invalid or expired.' },
  FORBIDDEN: { status: 403, message: 'The credentials do not allow this action.' },
  CHANNEL_FORBIDDEN: { status: 403, message: 'The token does not allow this channel.' },
  IP_NOT_ALLOWED: { status: 403, message: 'The API key may not be used from this address.' },
  KEY_NOT_FOUND: { status: 404, message: 'No such API key.' },
} as const satisfies ErrorCatalogue;
