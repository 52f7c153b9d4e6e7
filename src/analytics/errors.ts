/** Analytics and reporting error codes (the seed's §3 error table); `core/errors.ts` joins them. */
import type { ErrorCatalogue } from '../core/error-spec.js';

export const ANALYTICS_ERRORS = {
  INVALID_TIME_RANGE: { status: 400, message: 'The time range is not valid.' },
  INVALID_METRIC: { status: 400, message: 'No such metric.' },
  EVENT_SCHEMA_ERROR: {
    status: 400,
    message: "The event does not match its event type's property schema.",
  },
  UNSUPPORTED_FORMAT: { status: 400, message: 'The report cannot be exported in this format.' },
  INVALID_SCHEDULE: { status: 400, message: 'The schedule is not valid.' },
  REPORT_NOT_FOUND: { status: 404, message: 'No such report.' },
  REPORT_DEFINITION_NOT_FOUND: { status: 404, message: 'No such report definition.' },
  SCHEDULE_NOT_FOUND: { status: 404, message: 'No such report schedule.' },
  ALERT_NOT_FOUND: { status: 404, message: 'No such alert.' },
  FUNNEL_NOT_FOUND: { status: 404, message: 'No such funnel.' },
  EVENT_TYPE_NOT_FOUND: { status: 404, message: 'No such event type.' },
  ALERT_RULE_NOT_FOUND: { status: 404, message: 'No such alert rule.' },
  QUERY_TIMEOUT: { status: 408, message: 'The query took too long; narrow its time range.' },
  REPORT_NOT_READY: { status: 409, message: 'The report is not generated yet.' },
  SCHEDULE_CONFLICT: { status: 409, message: 'A schedule with this name already exists.' },
  REPORT_EXPIRED: { status: 410, message: 'The report has expired; generate it again.' },
  REPORT_GENERATION_FAILED: { status: 500, message: 'The report could not be generated.' },
} as const satisfies ErrorCatalogue;
