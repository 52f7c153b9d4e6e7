/** The templates module's error codes; `core/errors.ts` joins them into ERRORS. */
import type { ErrorCatalogue } from '../core/error-spec.js';

export const TEMPLATE_ERRORS = {
  TEMPLATE_SYNTAX_ERROR: {
    status: 400,
    message:
      'A template does not parse as Liquid; details name the channel, field, line and column.',
  },
  MISSING_VARIABLE: {
    status: 400,
    message:
      'A variable the template needs is missing from the payload; details name it and the channel.',
  },
  TEMPLATE_RENDER_ERROR: {
    status: 400,
    message:
      'The template could not be rendered with this payload (a variable of the wrong type, a failing filter, a render limit reached); details say which.',
  },
  TEMPLATE_NOT_FOUND: { status: 404, message: 'No such template.' },
  TEMPLATE_VERSION_NOT_FOUND: { status: 404, message: 'No such version of this template.' },
  TEMPLATE_INACTIVE: {
    status: 422,
    message: 'The template is inactive: activate it before sending with it.',
  },
} as const satisfies ErrorCatalogue;
