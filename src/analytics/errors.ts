/** Analytics and reporting error codes (the seed's §3 error table); `core/errors.ts` joins them. */
import { errorsByStatus } from '../core/error-spec.js';

export const ANALYTICS_ERRORS = errorsByStatus({
  400: {
    INVALID_TIME_RANGE: 'The time range is not valid.',
    INVALID_METRIC: 'No such metric.',
    EVENT_SCHEMA_ERROR: "The event does not match its event type's property schema.",
    UNSUPPORTED_FORMAT: 'The report cannot be exported in this format.',
    INVALID_SCHEDULE: 'The schedule is not valid.',
    INVALID_REPORT_PARAMETER:
      'A report parameter is unknown or its value is not valid; details.parameter names it.',
  },
  404: {
    REPORT_NOT_FOUND: 'No such report.',
    REPORT_DEFINITION_NOT_FOUND: 'No such report definition.',
    SCHEDULE_NOT_FOUND: 'No such report schedule.',
    ALERT_NOT_FOUND: 'No such alert.',
    FUNNEL_NOT_FOUND: 'No such funnel.',
    EVENT_TYPE_NOT_FOUND: 'No such event type.',
    ALERT_RULE_NOT_FOUND: 'No such alert rule.',
  },
  408: {
    QUERY_TIMEOUT: 'The query took too long; narrow its time range.',
  },
  409: {
    REPORT_NOT_READY: 'The report is not generated yet.',
    SCHEDULE_CONFLICT: 'A schedule with this name already exists.',
    REPORT_DEFINITION_READ_ONLY:
      'The report definition is built into notifyd: it cannot be changed or deleted.',
  },
  410: {
    REPORT_EXPIRED: 'The report has expired; generate it again.',
  },
  500: {
    REPORT_GENERATION_FAILED: 'The report could not be generated.',
  },
});
