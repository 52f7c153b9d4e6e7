/** Error codes of the admin-object repository; `core/errors.ts` joins them into ERRORS. */
import { errorsByStatus } from '../core/error-spec.js';

export const OBJECT_ERRORS = errorsByStatus({
  409: {
    ALREADY_EXISTS: 'An object with this name already exists in this tenant.',
    VERSION_CONFLICT: 'The object changed since the version given; read it again.',
  },
});
