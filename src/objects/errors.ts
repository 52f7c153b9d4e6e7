/** Error codes of the admin-object repository; `core/errors.ts` joins them into ERRORS. */
import type { ErrorCatalogue } from '../core/error-spec.js';

export const OBJECT_ERRORS = {
  ALREADY_EXISTS: {
    status: 409,
    message: 'An object with this name already exists in this tenant.',
  },
  VERSION_CONFLICT: {
    status: 409,
    message: 'The object changed since the version given; read it again.',
  },
} as const satisfies ErrorCatalogue;
