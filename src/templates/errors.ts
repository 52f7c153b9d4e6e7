/** The templates module's error codes; `core/errors.ts` joins them into ERRORS. */
import { errorsByStatus } from '../core/error-spec.js';

export const TEMPLATE_ERRORS = errorsByStatus({
  400: {
    TEMPLATE_SYNTAX_ERROR:
      'A template does not parse as Liquid; details name the channel, field, line and column.',
    MISSING_VARIABLE:
      'A variable the template needs is missing from the payload; details name it and the channel.',
    TEMPLATE_RENDER_ERROR:
      'The template could not be rendered with this payload (a variable of the wrong type, a failing filter, a render limit reached); details say which.',
  },
  404: {
    TEMPLATE_NOT_FOUND: 'No such template.',
    TEMPLATE_VERSION_NOT_FOUND: 'No such version of this template.',
  },
  422: {
    TEMPLATE_INACTIVE: 'The template is inactive: activate it before sending with it.',
  },
});
