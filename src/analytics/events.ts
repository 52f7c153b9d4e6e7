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
  'analytics.alert.triggered': {
    description:
      "An alert rule's condition held: an alert was opened (one per rule until it resolves).",
    payload: Type.Object(
      {
        alert_id: Id('The alert (alt_…).'),
        rule_id: Id('Its rule (alr_…).'),
        rule_name: Type.String(),
        metric: Type.String(),
        condition: Type.String({ description: 'above, below or change_percent.' }),
        threshold: Type.Number(),
        actual_value: Type.Number({
          description: 'What met the threshold: the value, or the change in percent.',
        }),
        value: Type.Number({ description: 'The metric over the window.' }),
        previous_value: Type.Union([Type.Number(), Type.Null()], {
          description: 'change_percent: the metric over the window before; else null.',
        }),
        window_start: Type.String({ format: 'date-time' }),
        window_end: Type.String({ format: 'date-time' }),
        triggered_at: Type.String({ format: 'date-time' }),
      },
      { additionalProperties: false },
    ),
  },
  'analytics.alert.resolved': {
    description:
      'An open alert was resolved: its condition no longer held, or its rule was disabled or deleted.',
    payload: Type.Object(
      {
        alert_id: Id('The alert (alt_…).'),
        rule_id: Id('Its rule (alr_…).'),
        rule_name: Type.String(),
        metric: Type.String(),
        reason: Type.String({ description: 'cleared, rule_disabled or rule_deleted.' }),
        actual_value: Type.Union([Type.Number(), Type.Null()], {
          description: 'cleared: what the metric read then; else null.',
        }),
        triggered_at: Type.String({ format: 'date-time' }),
        resolved_at: Type.String({ format: 'date-time' }),
      },
      { additionalProperties: false },
    ),
  },
});
