/** The workflows module's error codes; `core/errors.ts` joins them into ERRORS. */
import { errorsByStatus } from '../core/error-spec.js';

export const WORKFLOW_ERRORS = errorsByStatus({
  404: {
    WORKFLOW_NOT_FOUND: 'No such workflow (by id or trigger identifier).',
    WORKFLOW_VERSION_NOT_FOUND: 'No such version of this workflow.',
    WORKFLOW_RUN_NOT_FOUND: 'No such workflow run.',
  },
});
