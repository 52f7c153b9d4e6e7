/**
 * The pre-built report definitions of the seed (notification-delivery … compliance-audit):
 * read-only, served beside the ones people create, their id their name. Each is queries over
 * the named metrics of `metrics.ts` and typed parameters that pick the period and filter the
 * sections (see `report-parameters.ts`).
 */
import { CHANNELS } from '../notifications/channels.js';
import { AUDIT_ACTIONS } from './recorder.js';
import type { ReportDefinitionData, StoredReportDefinition } from './report-definition-data.js';
import { PERIOD_PARAMETERS, type ReportParameter } from './report-parameters.js';
import type { ReportQuery } from './report-query.js';

const desc = 'desc' as const;

/** A parameter filtering one event field, on every section or the ones listed. */
function filter(
  name: string,
  field: string,
  description: string,
  more: Partial<ReportParameter> = {},
): ReportParameter {
  return { name, type: 'string', required: false, description, field, ...more };
}

const tenant = filter(
  'tenant',
  'tenant_id',
  'Only this tenant (a key bound to a tenant reads its own anyway).',
);
const channels = filter('channel', 'channel', 'Only these channels.', {
  type: 'multiselect',
  options: [...CHANNELS],
});

/** The login methods of the seed's auth metrics. */
const AUTH_METHODS = ['password', 'social', 'sso', 'passwordless', 'passkey', 'mfa'];

interface Builtin {
  name: string;
  title: string;
  description: string;
  category: string;
  parameters: ReportParameter[];
  queries: ReportQuery[];
}

const NOTIFICATION_DELIVERY: Builtin = {
  name: 'notification-delivery',
  title: 'Notification delivery',
  description:
    'Notifications accepted, deliveries sent, delivered and failed, and how many were read: in all, per day and per channel.',
  category: 'notifications',
  parameters: [
    { ...channels, sections: [0, 1, 2] },
    filter('category', 'category', 'Only notifications of this category.'),
    filter('template', 'template', 'Only notifications of this template.'),
    tenant,
  ],
  queries: [
    {
      title: 'Summary',
      metrics: [
        'notifications_sent',
        'notifications_delivered',
        'notifications_failed',
        'delivery_rate',
        'failure_rate',
      ],
      chart: 'none',
    },
    {
      title: 'Deliveries per day',
      metrics: ['notifications_sent', 'notifications_delivered', 'notifications_failed'],
      granularity: 'day',
    },
    {
      title: 'By channel',
      metrics: [
        'notifications_sent',
        'notifications_delivered',
        'notifications_failed',
        'delivery_rate',
      ],
      dimensions: ['channel'],
      order_by: 'notifications_sent',
      order_direction: desc,
    },
    {
      // Not by channel: a notification has several, and a read none.
      title: 'Accepted and read per day',
      metrics: ['notifications_accepted', 'notifications_read', 'read_rate'],
      granularity: 'day',
    },
  ],
};

const CHANNEL_PERFORMANCE: Builtin = {
  name: 'channel-performance',
  title: 'Channel performance',
  description:
    'Delivery, failure and click rates per channel and provider, and the delivery rate per day.',
  category: 'notifications',
  parameters: [channels, tenant],
  queries: [
    {
      title: 'By channel',
      metrics: [
        'notifications_sent',
        'notifications_delivered',
        'notifications_failed',
        'notifications_clicked',
        'delivery_rate',
        'failure_rate',
        'click_rate',
      ],
      dimensions: ['channel'],
      order_by: 'notifications_sent',
      order_direction: desc,
    },
    {
      title: 'Delivery rate per day and channel',
      metrics: ['delivery_rate'],
      dimensions: ['channel'],
      granularity: 'day',
    },
    {
      title: 'By provider',
      metrics: ['notifications_delivered', 'notifications_failed', 'delivery_rate'],
      dimensions: ['channel', 'provider'],
      order_by: 'notifications_delivered',
      order_direction: desc,
    },
  ],
};

const RATE_LIMIT_USAGE: Builtin = {
  name: 'rate-limit-usage',
  title: 'Rate-limit usage',
  description:
    'Keys refused, nearing their limit, sent to the penalty box or drawing on bursts (counted once per key and window): per day, policy, key and tenant.',
  category: 'ratelimit',
  parameters: [filter('policy', 'policy', 'Only this policy (its name).'), tenant],
  queries: [
    {
      title: 'Summary',
      metrics: [
        'ratelimit_limited',
        'ratelimit_approached',
        'ratelimit_penalties',
        'ratelimit_bursts',
      ],
      chart: 'none',
    },
    {
      title: 'Per day',
      metrics: ['ratelimit_limited', 'ratelimit_approached'],
      granularity: 'day',
    },
    {
      title: 'By policy',
      metrics: ['ratelimit_limited', 'ratelimit_approached', 'ratelimit_penalties'],
      dimensions: ['policy'],
      order_by: 'ratelimit_limited',
      order_direction: desc,
    },
    {
      title: 'Most limited keys',
      metrics: ['ratelimit_limited'],
      dimensions: ['key'],
      order_by: 'ratelimit_limited',
      order_direction: desc,
      limit: 20,
    },
    {
      title: 'Most limited tenants',
      metrics: ['ratelimit_limited'],
      dimensions: ['tenant_id'],
      order_by: 'ratelimit_limited',
      order_direction: desc,
      limit: 20,
    },
  ],
};

const API_USAGE: Builtin = {
  name: 'api-usage',
  title: 'API usage',
  description:
    'API requests your services or gateway report (api.request events: key, route, status; notifyd does not count its own) per day, endpoint, key, tenant and status.',
  category: 'api',
  parameters: [
    filter('route', 'route', 'Only this endpoint (route).'),
    filter('key', 'key', 'Only this API key.'),
    tenant,
  ],
  queries: [
    { title: 'Requests per day', metrics: ['api_requests'], granularity: 'day' },
    {
      title: 'By endpoint',
      metrics: ['api_requests'],
      dimensions: ['route'],
      order_by: 'api_requests',
      order_direction: desc,
      limit: 25,
    },
    {
      title: 'By key',
      metrics: ['api_requests'],
      dimensions: ['key'],
      order_by: 'api_requests',
      order_direction: desc,
      limit: 25,
    },
    {
      title: 'By tenant',
      metrics: ['api_requests'],
      dimensions: ['tenant_id'],
      order_by: 'api_requests',
      order_direction: desc,
      limit: 25,
    },
    {
      title: 'By status',
      metrics: ['api_requests'],
      dimensions: ['status'],
      order_by: 'api_requests',
      order_direction: desc,
    },
  ],
};

const TENANT_UTILIZATION: Builtin = {
  name: 'tenant-utilization',
  title: 'Tenant utilization',
  description: 'Active tenants, and per tenant its events, users, deliveries and API requests.',
  category: 'tenants',
  parameters: [tenant],
  queries: [
    { title: 'Summary', metrics: ['active_tenants', 'unique_users', 'events'], chart: 'none' },
    { title: 'Active tenants per day', metrics: ['active_tenants'], granularity: 'day' },
    {
      title: 'Usage by tenant',
      metrics: ['events', 'unique_users', 'notifications_sent', 'api_requests'],
      dimensions: ['tenant_id'],
      order_by: 'events',
      order_direction: desc,
      limit: 50,
    },
  ],
};

const USER_GROWTH: Builtin = {
  name: 'user-growth',
  title: 'User growth',
  description:
    'Signups (auth.signup events) and active users: DAU, WAU, MAU and stickiness per day.',
  category: 'users',
  parameters: [
    filter('signup_method', 'method', 'Only signups of this method.', { sections: [0, 2] }),
    tenant,
  ],
  queries: [
    { title: 'Signups per day', metrics: ['signups'], granularity: 'day' },
    {
      title: 'Active users per day',
      metrics: ['dau', 'wau', 'mau', 'dau_mau_ratio'],
      granularity: 'day',
    },
    {
      title: 'Signups by method',
      metrics: ['signups'],
      dimensions: ['method'],
      order_by: 'signups',
      order_direction: desc,
    },
  ],
};

const AUTH_SUMMARY: Builtin = {
  name: 'auth-summary',
  title: 'Authentication summary',
  description: 'Logins (auth.login events), their success rate and methods, in all and per day.',
  category: 'auth',
  parameters: [
    filter('auth_method', 'method', 'Only logins of these methods.', {
      type: 'multiselect',
      options: AUTH_METHODS,
    }),
    tenant,
  ],
  queries: [
    {
      title: 'Summary',
      metrics: [
        'logins_total',
        'logins_successful',
        'logins_failed',
        'login_success_rate',
        'unique_login_users',
      ],
      chart: 'none',
    },
    {
      title: 'Logins per day',
      metrics: ['logins_successful', 'logins_failed'],
      granularity: 'day',
    },
    {
      title: 'By method',
      metrics: ['logins_total', 'logins_successful', 'logins_failed', 'login_success_rate'],
      dimensions: ['method'],
      order_by: 'logins_total',
      order_direction: desc,
    },
  ],
};

/** Keeps the failed logins only: successful ones have no IP or reason to group by. */
const FAILED = { field: 'status', operator: 'eq' as const, value: 'failure' };

const SECURITY_OVERVIEW: Builtin = {
  name: 'security-overview',
  title: 'Security overview',
  description:
    'Failed logins and where they come from, lockouts, and MFA challenges and enrollments.',
  category: 'security',
  parameters: [tenant],
  queries: [
    {
      title: 'Summary',
      metrics: [
        'logins_failed',
        'account_lockouts',
        'mfa_challenges',
        'mfa_challenge_success_rate',
        'mfa_enrollments',
      ],
      chart: 'none',
    },
    {
      title: 'Failed logins and lockouts per day',
      metrics: ['logins_failed', 'account_lockouts'],
      granularity: 'day',
    },
    {
      title: 'Top failing IPs',
      metrics: ['logins_failed'],
      filters: [FAILED],
      dimensions: ['ip'],
      order_by: 'logins_failed',
      order_direction: desc,
      limit: 10,
    },
    {
      title: 'Failed logins by reason',
      metrics: ['logins_failed'],
      filters: [FAILED],
      dimensions: ['reason'],
      order_by: 'logins_failed',
      order_direction: desc,
    },
  ],
};

const CHANGES = 'count:audit.change';
const COMPLIANCE_AUDIT: Builtin = {
  name: 'compliance-audit',
  title: 'Compliance audit',
  description:
    'Changes to configuration (keys, policies, templates, providers…) from the audit log: per day, by object and action, by actor, and each object changed.',
  category: 'compliance',
  parameters: [
    filter('object', 'object', 'Only changes of this kind of object (e.g. ratelimit.policy).'),
    filter('action', 'action', 'Only these actions.', {
      type: 'multiselect',
      options: [...AUDIT_ACTIONS],
    }),
    filter('actor', 'actor', 'Only changes made by this key or user.'),
    tenant,
  ],
  queries: [
    { title: 'Changes per day', metrics: [CHANGES], granularity: 'day' },
    {
      title: 'By object and action',
      metrics: [CHANGES],
      dimensions: ['object', 'action'],
      order_by: CHANGES,
      order_direction: desc,
    },
    {
      title: 'By actor',
      metrics: [CHANGES],
      dimensions: ['actor'],
      order_by: CHANGES,
      order_direction: desc,
    },
    {
      title: 'Objects changed',
      metrics: [CHANGES],
      dimensions: ['object', 'name', 'action'],
      order_by: CHANGES,
      order_direction: desc,
      limit: 200,
      chart: 'none',
    },
  ],
};

const ALL: readonly Builtin[] = [
  NOTIFICATION_DELIVERY,
  CHANNEL_PERFORMANCE,
  RATE_LIMIT_USAGE,
  API_USAGE,
  TENANT_UTILIZATION,
  USER_GROWTH,
  AUTH_SUMMARY,
  SECURITY_OVERVIEW,
  COMPLIANCE_AUDIT,
];

/** A built-in as a definition object: global, at version 1, its id its name. */
function stored(b: Builtin): StoredReportDefinition {
  const data: ReportDefinitionData = {
    name: b.name,
    title: b.title,
    description: b.description,
    queries: b.queries,
    time_range: { preset: 'last_7d' },
    timezone: 'UTC',
    format: 'pdf',
    category: b.category,
    parameters: [...PERIOD_PARAMETERS, ...b.parameters],
    builtin: true,
  };
  return {
    kind: 'analytics_report_definition',
    id: b.name,
    tenant_id: null,
    key: b.name,
    version: 1,
    created_at: 0,
    updated_at: 0,
    data,
  };
}

/** The built-in definitions, in the order they are listed. */
export const BUILTIN_DEFINITIONS: readonly StoredReportDefinition[] = ALL.map(stored);

const byName = new Map(BUILTIN_DEFINITIONS.map((d) => [d.id, d]));

/** The built-in definition with this id (its name), or undefined. */
export const builtinDefinition = (id: string) => byName.get(id);
