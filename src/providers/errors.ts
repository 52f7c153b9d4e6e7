/** The providers module's error codes; `core/errors.ts` joins them into ERRORS. */
import type { ErrorCatalogue } from '../core/error-spec.js';

export const PROVIDER_ERRORS = {
  PROVIDER_NOT_FOUND: { status: 404, message: 'No such provider or served channel.' },
} as const satisfies ErrorCatalogue;
