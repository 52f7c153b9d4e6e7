import { Type } from '@sinclair/typebox';
import { defineEvents } from '../events/define.js';

const Id = (description: string) => Type.String({ description });
const NullableId = (description: string) =>
  Type.Union([Type.String(), Type.Null()], { description });

/** The events of reports, their schedules and alerts. */
export const ANALYTICS_EVENTS = defineEvents('analytics', {
  'analytics.report.generated': {
    description: 'A report was generated and can be downloaded.',
    payload: Type.Object(
      {
        report_id: Id('The report (rpt_…).'),
        report_definition_id: NullableId('Its definition; null when its queries were inline.'),
        schedule_id: NullableId('The schedule that made it; null when asked for.'),
        title: Type.String(),
        format: Type.String({ description: 'csv, json or pdf: its own format.' }),
        period_start: Type.String({ format: 'date-time' }),
        period_end: Type.String({ format: 'date-time' }),
        file_size_bytes: Type.Integer(),
      },
      { additionalProperties: false },
    ),
  },
  'analytics.report.failed': {
    description: 'A report could not be generated (it is stored as failed, with the error).',
    payload: Type.Object(
      {
        report_id: Id('The failed report (rpt_…).'),
        report_definition_id: NullableId('Its definition; null when its queries were inline.'),
        schedule_id: NullableId('The schedule that made it; null when asked for.'),
        title: Type.String(),
        error_code: Type.String(),
        error_message: Type.String(),
      },
      { additionalProperties: false },
    ),
  },
});
