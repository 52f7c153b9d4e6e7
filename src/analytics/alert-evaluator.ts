/**
 * Runs an alert rule's job: reads the metric over the rule's window (and for change_percent
 * the window before), opens an alert when the condition holds and none is open — emitting
 * `analytics.alert.triggered` and notifying the rule's recipients through the send path —
 * and resolves the open one when it no longer holds. A stale job (the rule was changed,
 * disabled or deleted meanwhile) does nothing; a failed read is recorded (`last_error`) and
 * the rule goes on.
 */
import type { Clock } from '../core/clock.js';
import { toNotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { SendNotificationBody } from '../notifications/schemas.js';
import type { JobRecord, JobResult } from '../scheduler/jobs.js';
import type { ObjectStore } from '../store/objects.js';
import { holds, nextEvaluation, type Reading, readingOf, windowAt } from './alert-condition.js';
import {
  ALERT_JOB,
  type AlertRuleData,
  type AlertRules,
  type StoredAlertRule,
} from './alert-rules.js';
import type { Alerts, StoredAlert } from './alerts.js';
import type { QueryEngine } from './query.js';
import type { ReportSender } from './schedule-runner.js';
import { iso } from './time.js';

/** Topic sends (the notifications module's requests service). */
export interface TopicSender {
  topic(
    tenantId: string,
    key: string,
    body: SendNotificationBody,
    requestId: string,
  ): Promise<object>;
}

export interface AlertEvaluatorDeps {
  objects: ObjectStore;
  rules: AlertRules;
  alerts: Alerts;
  engine: QueryEngine;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  /** Null until the notifications module offers its services. */
  sender: () => ReportSender | null;
  topics: () => TopicSender | null;
}

const CONDITION_TEXT = { above: 'above', below: 'below', change_percent: 'changed by more than' };

export class AlertEvaluator {
  constructor(private readonly deps: AlertEvaluatorDeps) {}

  async run(job: JobRecord): Promise<JobResult> {
    const rule = await ALERT_JOB.due(this.deps.objects, job);
    if (!rule) return undefined;
    const now = this.deps.clock.now();
    const next = nextEvaluation(Math.max(now, job.run_at), rule.data.interval_ms);
    let reading: Reading | null = null;
    let error: string | null = null;
    try {
      reading = await this.evaluate(rule, now);
    } catch (err) {
      const e = toNotifydError(err);
      this.deps.logger.warn({ err, rule: rule.id }, 'alert rule evaluation failed');
      error = `${e.code}: ${e.message}`;
    }
    await this.deps.rules.repo.replace(
      rule,
      {
        ...rule.data,
        next_evaluation_at: next,
        last_evaluated_at: now,
        last_value: reading?.actual ?? null,
        last_error: error,
      },
      rule.key,
    );
    return { runAt: next };
  }

  /** Reads the metric, then opens or resolves the rule's alert; answers the reading. */
  private async evaluate(rule: StoredAlertRule, now: number): Promise<Reading> {
    const d = rule.data;
    const window = windowAt(now, d.window_ms);
    const value = await this.read(d, window.from, window.to);
    const previous =
      d.condition === 'change_percent'
        ? await this.read(d, window.from - d.window_ms, window.from)
        : 0;
    // A ratio over nothing (no delivery sent in the window) has no value: no decision, as
    // for a change from 0. Read as 0 it would open "delivery_rate below 0.95" every quiet night.
    if (value === null || previous === null) return { value: 0, previous: null, actual: null };
    const reading = readingOf(d.condition, value, previous);
    const met = holds(d.condition, d.threshold, reading);
    if (met === null) return reading;
    const open = await this.deps.alerts.openOf(rule);
    if (met && !open) {
      const alert = await this.deps.alerts.trigger(
        rule,
        { ...reading, actual: reading.actual! },
        window,
      );
      if (alert) await this.notify(rule, alert);
    } else if (!met && open) {
      await this.deps.alerts.resolve(open, 'cleared', reading.actual);
    }
    return reading;
  }

  /** The metric over [from, to); null for a ratio whose denominator is 0 there (the query's null). */
  private async read(d: AlertRuleData, from: number, to: number): Promise<number | null> {
    const result = await this.deps.engine.run(d.scope, {
      metrics: [d.metric],
      filters: d.filters,
      time_range: { start: iso(from), end: iso(to) },
    });
    const value = result.data[0]?.values[d.metric];
    return value === undefined ? 0 : value;
  }

  /**
   * One notification per subscriber, one topic send, each with an idempotency key of the
   * alert: a retried run sends nothing twice. What fails is kept on the alert.
   */
  private async notify(rule: StoredAlertRule, alert: StoredAlert): Promise<void> {
    const { subscribers = [], topic } = rule.data.recipients;
    if (!subscribers.length && !topic) return;
    const tenant = rule.tenant_id ?? 'default';
    const body = this.message(rule, alert);
    const errors: string[] = [];
    let sent = 0;
    const attempt = async (to: string, send: () => Promise<object> | undefined) => {
      try {
        if (!(await send())) throw new Error('the notifications service is not available');
        sent++;
      } catch (err) {
        const e = toNotifydError(err);
        errors.push(`${to}: ${e.code}: ${e.message}`);
        this.deps.logger.warn({ err, rule: rule.id, alert: alert.id, to }, 'alert notify failed');
      }
    };
    for (const id of subscribers) {
      await attempt(id, () =>
        this.deps
          .sender()
          ?.send(
            tenant,
            { ...body, recipient_id: id, idempotency_key: `${alert.id}:${id}` },
            this.deps.ids('req'),
          ),
      );
    }
    if (topic) {
      await attempt(`topic ${topic}`, () =>
        this.deps
          .topics()
          ?.topic(
            tenant,
            topic,
            { ...body, idempotency_key: `${alert.id}:topic` },
            this.deps.ids('req'),
          ),
      );
    }
    await this.deps.alerts.notified(alert, sent, errors);
  }

  private message(rule: StoredAlertRule, alert: StoredAlert): SendNotificationBody {
    const d = rule.data;
    const a = alert.data;
    const unit = d.condition === 'change_percent' ? '%' : '';
    const title = `Alert: ${d.name}`;
    const body =
      `${d.metric} ${CONDITION_TEXT[d.condition]} ${d.threshold}${unit} over ${d.window}: ` +
      `${a.actual_value}${unit}` +
      (a.previous_value !== null ? ` (${a.previous_value} → ${a.value})` : '');
    return {
      content: { title, body },
      category: d.category,
      priority: 'high',
      ...(d.channels ? { channels: d.channels as SendNotificationBody['channels'] } : {}),
      data: {
        alert_id: alert.id,
        rule_id: rule.id,
        metric: d.metric,
        condition: d.condition,
        threshold: d.threshold,
        actual_value: a.actual_value,
      },
    };
  }
}
