import { Type } from '@sinclair/typebox';
import type { EventSink } from '../../events/catalogue.js';
import { itemRoute, objectRoutes } from '../../http/admin-routes.js';
import { answers } from '../../http/responses.js';
import type { AnyRoute } from '../../http/route.js';
import { crudEvents, type ObjectChangeEvent } from '../../objects/change-events.js';
import {
  type AlertRules,
  AlertRuleView,
  alertRuleView,
  CreateAlertRuleBody,
  UpdateAlertRuleBody,
} from '../alert-rules.js';
import { AlertListQuery, type Alerts, AlertView, alertView } from '../alerts.js';
import { ANALYTICS_SCOPES } from './reports.js';

const BASE = '/api/v1/alerts';
const TAG = 'alerts';

/**
 * `/alerts/rules` CRUD, then `GET /alerts`, `GET /alerts/{id}` and
 * `POST /alerts/{id}/acknowledge` (the rule routes first: `rules` is no alert id).
 */
export function alertRoutes(
  rules: AlertRules,
  alerts: Alerts,
  emit: EventSink<ObjectChangeEvent | 'analytics.alert.acknowledged'>,
): AnyRoute[] {
  const kind = { base: BASE, tag: TAG, scopes: ANALYTICS_SCOPES };
  const ruleRoutes = objectRoutes({
    ...kind,
    base: `${BASE}/rules`,
    noun: 'alert rule',
    view: AlertRuleView,
    toView: alertRuleView,
    service: rules,
    create: {
      summary: 'Create an alert rule: a metric, a condition and threshold, a window, recipients',
      body: CreateAlertRuleBody,
      errors: [409],
    },
    list: {},
    get: { summary: 'Get an alert rule (by id or name)' },
    update: { body: UpdateAlertRuleBody },
    remove: { summary: 'Delete an alert rule (its open alert is resolved)' },
    changes: crudEvents(emit, 'analytics.alert_rule'),
  });
  const alertRoutes = objectRoutes({
    ...kind,
    noun: 'alert',
    view: AlertView,
    toView: alertView,
    service: alerts,
    list: { summary: 'List triggered alerts (by status, by rule)', query: AlertListQuery },
    get: {},
    item: [
      itemRoute(kind, 'manage', {
        method: 'POST',
        action: 'acknowledge',
        summary: 'Acknowledge an alert (it stays open until its condition clears)',
        bodyOptional: true,
        body: Type.Object({}, { additionalProperties: false }),
        responses: answers(200, 'The alert.', AlertView, [400, 401, 403, 404, 409]),
        async handler(caller, ctx) {
          // Acknowledging again answers the alert as it is: only the first is a change.
          const first = (await alerts.get(caller, ctx.params.id)).data.acknowledged_at === null;
          const alert = await alerts.acknowledge(caller, ctx.params.id);
          if (first) {
            emit('analytics.alert.acknowledged', alert.tenant_id, {
              alert_id: alert.id,
              rule_id: alert.data.rule_id,
              rule_name: alert.data.rule_name,
              metric: alert.data.metric,
              acknowledged_at: new Date(alert.data.acknowledged_at ?? 0).toISOString(),
              actor: caller.key_id,
            });
          }
          return { status: 200, body: alertView(alert) };
        },
      }),
    ],
  });
  return [...ruleRoutes, ...alertRoutes];
}
