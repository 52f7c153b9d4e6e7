import { Type } from '@sinclair/typebox';
import { defineEvents } from '../events/define.js';
import { objectChange } from '../objects/change-payload.js';

const Id = (description: string) => Type.String({ description });
const NullableId = (description: string) =>
  Type.Union([Type.String(), Type.Null()], { description });

/** The events of reports, their schedules and alerts, and of the analytics objects' changes. */
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
  'analytics.funnel.created': objectChange('A funnel was created.'),
  'analytics.funnel.updated': objectChange('A funnel was changed (a new version).'),
  'analytics.funnel.deleted': objectChange('A funnel was deleted.'),
  'analytics.report_definition.created': objectChange('A report definition was created.'),
  'analytics.report_definition.updated': objectChange('A report definition was changed.'),
  'analytics.report_definition.deleted': objectChange('A report definition was deleted.'),
  'analytics.report_schedule.created': objectChange('A report schedule was created.'),
  'analytics.report_schedule.updated': objectChange(
    'A report schedule was changed (its cadence, recipients or definition).',
  ),
  'analytics.report_schedule.paused': objectChange('A report schedule was paused.'),
  'analytics.report_schedule.resumed': objectChange(
    'A paused report schedule was resumed from its next occurrence.',
  ),
  'analytics.report_schedule.deleted': objectChange('A report schedule was deleted.'),
  'analytics.alert_rule.created': objectChange('An alert rule was created.'),
  'analytics.alert_rule.updated': objectChange(
    'An alert rule was changed (enabling and disabling it too).',
  ),
  'analytics.alert_rule.deleted': objectChange(
    'An alert rule was deleted (its open alert is resolved).',
  ),
  'analytics.alert.acknowledged': {
    description:
      'Someone acknowledged an alert (once: acknowledging again changes nothing); it stays open until it resolves.',
    payload: Type.Object(
      {
        alert_id: Id('The alert (alt_…).'),
        rule_id: Id('Its rule (alr_…).'),
        rule_name: Type.String(),
        metric: Type.String(),
        acknowledged_at: Type.String({ format: 'date-time' }),
        actor: Type.String({
          description: 'The API key that acknowledged it (`admin` for the configured admin key).',
        }),
      },
      { additionalProperties: false },
    ),
  },
});
