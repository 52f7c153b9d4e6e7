/** Outgoing webhooks' error codes; `core/errors.ts` joins them into ERRORS. */
import type { ErrorCatalogue } from '../core/error-spec.js';

export const WEBHOOK_ERRORS = {
  WEBHOOK_NOT_FOUND: { status: 404, message: 'No such webhook.' },
} as const satisfies ErrorCatalogue;
