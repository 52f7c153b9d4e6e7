/**
 * Triggered alerts: what an alert rule found when its condition held, kept as admin objects.
 * An alert is `triggered`, may be `acknowledged` by someone, and is `resolved` by a later
 * evaluation that finds the condition no longer holds (or when its rule is disabled or
 * deleted). While it is open it holds the key `open:<rule id>`, unique in its kind and
 * tenant on every store backend: a rule has at most one open alert, whichever node evaluates.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { EventSink } from '../events/catalogue.js';
import { ObjectRepository, type Page, type Stored } from '../objects/repository.js';
import { ListQuery } from '../objects/schemas.js';
import { ObjectReads } from '../objects/service.js';
import type { Caller } from '../objects/tenancy.js';
import { viewFields } from '../objects/view.js';
import type { ObjectStore } from '../store/types.js';
import { ALERT_CONDITIONS, type AlertCondition, type Reading } from './alert-condition.js';
import { analyticsKind } from './kinds.js';
import { literals, Nullable } from './schemas.js';
import { iso, isoOrNull } from './time.js';

export const ALERT_STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** Why an alert was resolved. */
export const RESOLVE_REASONS = ['cleared', 'rule_disabled', 'rule_deleted'] as const;
export type ResolveReason = (typeof RESOLVE_REASONS)[number];

export interface AlertData {
  rule_id: string;
  rule_name: string;
  metric: string;
  condition: AlertCondition;
  threshold: number;
  /** What was compared with the threshold (the change in percent for change_percent). */
  actual_value: number;
  value: number;
  previous_value: number | null;
  window_start: number;
  window_end: number;
  status: AlertStatus;
  triggered_at: number;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  resolved_at: number | null;
  resolved_reason: ResolveReason | null;
  /** Notifications accepted for the rule's recipients, and what could not be sent. */
  notified: number;
  notify_errors: string[];
}
export type StoredAlert = Stored<AlertData>;

export const ALERT_OBJECT = analyticsKind(
  'analytics_alert',
  'alt',
  'ALERT_NOT_FOUND',
  'An alert of every tenant needs an analytics:manage key bound to no tenant.',
);

/** The key an open alert holds: one per rule. */
export const openKey = (ruleId: string) => `open:${ruleId}`;

export const AlertListQuery = Type.Object(
  {
    ...ListQuery.properties,
    status: Type.Optional(literals(ALERT_STATUSES)),
    rule: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description: 'Only alerts of this rule: its id, or its name (alerts of deleted rules too).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type AlertListQuery = Static<typeof AlertListQuery>;

const Time = () => Type.String({ format: 'date-time' });

const alert = viewFields<AlertData>();
export const { schema: AlertView, toView: alertView } = alert.view({
  rule_id: Type.String(),
  rule_name: Type.String(),
  metric: Type.String(),
  condition: literals(ALERT_CONDITIONS),
  threshold: Type.Number(),
  actual_value: Type.Number({
    description: 'What met the threshold: the value, or the change in percent.',
  }),
  value: Type.Number({ description: 'The metric over the window.' }),
  previous_value: Nullable(Type.Number({ description: 'change_percent: the window before.' })),
  window: alert.made(Type.Object({ start: Time(), end: Time() }), (d) => ({
    start: iso(d.window_start),
    end: iso(d.window_end),
  })),
  status: literals(ALERT_STATUSES),
  acknowledged: alert.made(Type.Boolean(), (d) => d.acknowledged_at !== null),
  resolved: alert.made(Type.Boolean(), (d) => d.status === 'resolved'),
  triggered_at: alert.made(Time(), (d) => iso(d.triggered_at)),
  acknowledged_at: alert.made(Nullable(Time()), (d) => isoOrNull(d.acknowledged_at)),
  acknowledged_by: Nullable(Type.String()),
  resolved_at: alert.made(Nullable(Time()), (d) => isoOrNull(d.resolved_at)),
  resolved_reason: Type.Union([literals(RESOLVE_REASONS), Type.Null()]),
  notified: Type.Integer({
    description: 'Sends accepted for the rule’s recipients: one per subscriber, one for the topic.',
  }),
  notify_errors: Type.Array(Type.String()),
});
export type AlertViewT = Static<typeof AlertView>;

/** What an alert is made from: its rule as it was when it triggered. */
export interface AlertSource {
  id: string;
  tenant_id: string | null;
  data: { name: string; metric: string; condition: AlertCondition; threshold: number };
}

/** Triggered alerts: listed and acknowledged by people, opened and resolved by evaluations. */
export class Alerts extends ObjectReads<AlertData> {
  readonly repo: ObjectRepository<AlertData>;

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: Clock,
    ids: IdGenerator,
    private readonly emit: EventSink<'analytics.alert.triggered' | 'analytics.alert.resolved'>,
  ) {
    super();
    this.repo = new ObjectRepository(store, ALERT_OBJECT, clock, ids);
  }

  override list(caller: Caller, q: AlertListQuery): Promise<Page<StoredAlert>> {
    const { status, rule, ...page } = q;
    if (!status && !rule) return this.repo.list(caller, page);
    const ofRule = (d: AlertData) => !rule || d.rule_id === rule || d.rule_name === rule;
    return this.repo.list(
      caller,
      page,
      (o) => (!status || o.data.status === status) && ofRule(o.data),
    );
  }

  /** Marks an alert seen by someone; it stays open until its condition clears. */
  async acknowledge(caller: Caller, id: string): Promise<StoredAlert> {
    const found = await this.repo.get(caller, id);
    if (found.data.acknowledged_at !== null) return found;
    return this.repo.update(caller, found.id, (c) => ({
      data: {
        ...c.data,
        status: c.data.status === 'resolved' ? 'resolved' : 'acknowledged',
        acknowledged_at: this.clock.now(),
        acknowledged_by: caller.key_id,
      },
      key: c.key,
    }));
  }

  /** A rule's open alert, or null. */
  async openOf(rule: { id: string; tenant_id: string | null }): Promise<StoredAlert | null> {
    const kind = ALERT_OBJECT.kind;
    return (await this.store.getByKey(
      kind,
      rule.tenant_id,
      openKey(rule.id),
    )) as StoredAlert | null;
  }

  /**
   * Opens an alert for a rule whose condition holds and emits `analytics.alert.triggered`;
   * null when the rule already has an open alert (another evaluation got there first).
   */
  async trigger(
    rule: AlertSource,
    r: Reading & { actual: number },
    window: { from: number; to: number },
  ): Promise<StoredAlert | null> {
    const now = this.clock.now();
    const d = rule.data;
    // What the alert records and the event says alike.
    const reading = {
      rule_id: rule.id,
      rule_name: d.name,
      metric: d.metric,
      condition: d.condition,
      threshold: d.threshold,
      actual_value: r.actual,
      value: r.value,
      previous_value: r.previous,
    };
    let alert: StoredAlert;
    try {
      alert = await this.repo.create(
        rule.tenant_id,
        {
          ...reading,
          window_start: window.from,
          window_end: window.to,
          status: 'triggered',
          triggered_at: now,
          acknowledged_at: null,
          acknowledged_by: null,
          resolved_at: null,
          resolved_reason: null,
          notified: 0,
          notify_errors: [],
        },
        openKey(rule.id),
      );
    } catch (err) {
      if (err instanceof NotifydError && err.code === 'ALREADY_EXISTS') return null;
      throw err;
    }
    this.emit('analytics.alert.triggered', rule.tenant_id, {
      alert_id: alert.id,
      ...reading,
      window_start: iso(window.from),
      window_end: iso(window.to),
      triggered_at: iso(now),
    });
    return alert;
  }

  /** Records what notifying the recipients did. */
  async notified(alert: StoredAlert, sent: number, errors: string[]): Promise<void> {
    await this.repo.replace(
      alert,
      { ...alert.data, notified: sent, notify_errors: errors },
      alert.key,
    );
  }

  /**
   * Resolves an open alert (it gives up its key) and emits `analytics.alert.resolved`;
   * `value` is what the metric read when the condition cleared (null otherwise).
   */
  async resolve(alert: StoredAlert, reason: ResolveReason, value: number | null): Promise<void> {
    const now = this.clock.now();
    let current: StoredAlert | null = alert;
    // A concurrent acknowledgement moves the version: read it again and resolve that.
    for (let attempt = 0; ; attempt++) {
      if (!current || current.data.status === 'resolved' || attempt > 4) return;
      const data: AlertData = {
        ...current.data,
        status: 'resolved',
        resolved_at: now,
        resolved_reason: reason,
      };
      if (await this.repo.replace(current, data, null)) break;
      current = (await this.store.get(ALERT_OBJECT.kind, alert.id)) as StoredAlert | null;
    }
    this.emit('analytics.alert.resolved', alert.tenant_id, {
      alert_id: alert.id,
      rule_id: alert.data.rule_id,
      rule_name: alert.data.rule_name,
      metric: alert.data.metric,
      reason,
      actual_value: value,
      triggered_at: iso(alert.data.triggered_at),
      resolved_at: iso(now),
    });
  }
}
