import { duration } from '../client/funnel-figures.js';
import { h } from '../shared/dom.js';
import { api, describe, download } from './api.js';
import type { Resource } from './resource.js';

/** A page of the console: a resource list, or a page of its own. */
export interface PageSpec {
  id: string;
  group: string;
  title: string;
  resource?: Resource;
  view?:
    | 'overview'
    | 'alerts'
    | 'send'
    | 'analytics'
    | 'notifications'
    | 'dead-letters'
    | 'providers';
  /** What `#/<id>/<item>` opens: the page of one item (a template's editor). */
  item?: 'template' | 'workflow' | 'subscriber' | 'funnel';
}

/** Every page, in the order the navigation lists them. */
export const PAGES: PageSpec[] = [
  { id: 'overview', group: 'Operations', title: 'Overview', view: 'overview' },
  { id: 'alerts', group: 'Operations', title: 'Alerts', view: 'alerts' },
  { id: 'send', group: 'Notifications', title: 'Send & recent', view: 'send' },
  { id: 'notifications', group: 'Notifications', title: 'Notifications', view: 'notifications' },
  { id: 'dead-letters', group: 'Notifications', title: 'Dead letters', view: 'dead-letters' },
  {
    id: 'templates',
    group: 'Notifications',
    title: 'Templates',
    item: 'template',
    resource: {
      noun: 'template',
      path: '/api/v1/templates',
      idField: 'key',
      paged: true,
      columns: [
        ['key', 'Key'],
        ['name', 'Name'],
        ['category', 'Category'],
        ['version', 'Version'],
        ['is_active', 'Active'],
        ['updated_at', 'Updated'],
      ],
      create: () => ({
        key: 'welcome',
        name: 'Welcome',
        channels: { in_app: { title: 'Welcome, {{ name }}', body: 'Glad to have you.' } },
      }),
      rowActions: (row) => [
        h('a', { href: `#/templates/${encodeURIComponent(String(row.key))}` }, 'Edit'),
      ],
    },
  },
  {
    id: 'categories',
    group: 'Notifications',
    title: 'Categories',
    resource: {
      noun: 'category',
      path: '/api/v1/categories',
      paged: true,
      columns: [
        ['id', 'ID'],
        ['name', 'Name'],
        ['default_channels', 'Default channels'],
        ['mandatory', 'Mandatory'],
      ],
      create: () => ({ id: 'billing', name: 'Billing', default_channels: ['in_app', 'email'] }),
    },
  },
  {
    id: 'subscribers',
    group: 'Notifications',
    title: 'Subscribers',
    item: 'subscriber',
    resource: {
      noun: 'subscriber',
      path: '/api/v1/subscribers',
      paged: 'cursor',
      columns: [
        ['id', 'ID'],
        ['email', 'Email'],
        ['phone', 'Phone'],
        ['locale', 'Locale'],
        ['timezone', 'Time zone'],
        ['updated_at', 'Updated'],
      ],
      rowActions: (row) => [
        h(
          'a',
          { href: `#/subscribers/${encodeURIComponent(String(row.id))}` },
          'Preferences & devices',
        ),
      ],
    },
  },
  {
    id: 'topics',
    group: 'Notifications',
    title: 'Topics',
    resource: {
      noun: 'topic',
      path: '/api/v1/topics',
      idField: 'key',
      paged: true,
      columns: [
        ['key', 'Key'],
        ['name', 'Name'],
        ['description', 'Description'],
        ['subscriber_count', 'Subscribers'],
      ],
      create: () => ({ key: 'product-news', name: 'Product news' }),
    },
  },
  {
    id: 'workflows',
    group: 'Notifications',
    title: 'Workflows',
    item: 'workflow',
    resource: {
      noun: 'workflow',
      path: '/api/v1/workflows',
      paged: true,
      columns: [
        ['trigger_identifier', 'Trigger'],
        ['name', 'Name'],
        ['version', 'Version'],
        ['updated_at', 'Updated'],
      ],
      create: () => ({
        trigger_identifier: 'onboarding',
        name: 'Onboarding',
        steps: [
          {
            type: 'send',
            channel: 'in_app',
            content: { title: 'Welcome', body: 'Glad to see you.' },
          },
          { type: 'delay', duration: 'P1D' },
          { type: 'send', channel: 'email', content: { title: 'Day two', body: 'Tips.' } },
        ],
      }),
      rowActions: (row) => [
        h('a', { href: `#/workflows/${encodeURIComponent(String(row.id))}` }, 'Steps'),
      ],
    },
  },
  { id: 'providers', group: 'Notifications', title: 'Providers', view: 'providers' },
  {
    id: 'keys',
    group: 'Access',
    title: 'API keys',
    resource: {
      noun: 'key',
      path: '/api/v1/keys',
      columns: [
        ['name', 'Name'],
        ['prefix', 'Prefix'],
        ['scopes', 'Scopes'],
        ['tenant_id', 'Tenant'],
        ['created_at', 'Created'],
        ['expires_at', 'Expires'],
      ],
      create: () => ({ name: 'backend', scopes: ['notifications:send'] }),
      created: (a) =>
        typeof a.key === 'string' ? `Key created. Copy it now, it is shown once: ${a.key}` : null,
    },
  },
  {
    id: 'webhooks',
    group: 'Access',
    title: 'Webhooks',
    resource: {
      noun: 'webhook',
      path: '/api/v1/webhooks',
      paged: true,
      columns: [
        ['url', 'URL'],
        ['events', 'Events'],
        ['active', 'Active'],
        ['description', 'Description'],
        ['created_at', 'Created'],
      ],
      create: () => ({ url: 'https://example.com/hooks/notifyd', events: ['notification.*'] }),
      created: (a) =>
        typeof a.secret === 'string'
          ? `Webhook created. Its signing secret (shown once): ${a.secret}`
          : null,
    },
  },
  {
    id: 'policies',
    group: 'Rate limiting',
    title: 'Policies',
    resource: {
      noun: 'policy',
      path: '/api/v1/ratelimit/policies',
      paged: true,
      columns: [
        ['name', 'Name'],
        ['limits', 'Limits'],
        ['algorithm', 'Algorithm'],
        ['priority', 'Priority'],
        ['is_active', 'Active'],
        ['id', 'ID'],
      ],
      create: () => ({
        name: 'standard',
        limits: [{ scope: 'api_key', max_requests: 600, window_unit: 'minute' }],
        algorithm: 'sliding_window',
      }),
    },
  },
  {
    id: 'rules',
    group: 'Rate limiting',
    title: 'Rules',
    resource: {
      noun: 'rule',
      path: '/api/v1/ratelimit/rules',
      paged: true,
      columns: [
        ['target', 'Target'],
        ['policy_id', 'Policy'],
        ['method', 'Method'],
        ['path', 'Path'],
        ['priority', 'Priority'],
        ['enabled', 'Enabled'],
      ],
      create: () => ({
        policy_id: 'pol_…',
        target: { type: 'endpoint', value: '/api/v1/notifications' },
      }),
    },
  },
  {
    id: 'plans',
    group: 'Rate limiting',
    title: 'Plans',
    resource: {
      noun: 'plan',
      path: '/api/v1/ratelimit/plans',
      paged: true,
      columns: [],
    },
  },
  {
    id: 'bypass',
    group: 'Rate limiting',
    title: 'Bypasses',
    resource: { noun: 'bypass', path: '/api/v1/ratelimit/bypass', paged: true, columns: [] },
  },
  { id: 'analytics', group: 'Analytics', title: 'Query', view: 'analytics' },
  {
    id: 'event-types',
    group: 'Analytics',
    title: 'Event types',
    resource: {
      noun: 'event type',
      path: '/api/v1/analytics/event-types',
      paged: true,
      columns: [],
    },
  },
  {
    id: 'report-definitions',
    group: 'Analytics',
    title: 'Report definitions',
    resource: {
      noun: 'report definition',
      path: '/api/v1/reports/definitions',
      paged: true,
      columns: [
        ['name', 'Name'],
        ['title', 'Title'],
        ['format', 'Format'],
        ['time_range', 'Period'],
        ['timezone', 'Time zone'],
        ['version', 'Version'],
      ],
      create: () => ({
        name: 'weekly',
        title: 'Weekly activity',
        queries: [{ title: 'Events', metrics: ['events', 'unique_users'] }],
        format: 'pdf',
      }),
    },
  },
  {
    id: 'reports',
    group: 'Analytics',
    title: 'Reports',
    resource: {
      noun: 'report',
      path: '/api/v1/reports',
      paged: true,
      columns: [
        ['title', 'Title'],
        ['status', 'Status'],
        ['format', 'Format'],
        ['created_at', 'Generated'],
        ['expires_at', 'Expires'],
      ],
      create: () => ({ definition: 'weekly' }),
      rowActions: (row) => {
        const button = h('button', { type: 'button', class: 'secondary small' }, 'Download');
        button.addEventListener(
          'click',
          () => void download(`/api/v1/reports/${encodeURIComponent(String(row.id))}/download`),
        );
        return [button];
      },
    },
  },
  {
    id: 'report-schedules',
    group: 'Analytics',
    title: 'Report schedules',
    resource: {
      noun: 'schedule',
      path: '/api/v1/reports/schedules',
      paged: true,
      columns: [
        ['name', 'Name'],
        ['definition', 'Definition'],
        ['schedule', 'Runs'],
        ['time', 'At'],
        ['timezone', 'Time zone'],
        ['status', 'Status'],
        ['next_run_at', 'Next run'],
        ['last_run_at', 'Last run'],
      ],
      create: () => ({
        name: 'weekly-delivery',
        definition: 'notification-delivery',
        schedule: 'weekly',
        time: '09:00',
        timezone: 'UTC',
        format: 'pdf',
        delivery: { email: ['ops@example.com'] },
      }),
      rowActions: (row, reload) => {
        const action = row.status === 'paused' ? 'resume' : 'pause';
        const label = action === 'pause' ? 'Pause' : 'Resume';
        const button = h('button', { type: 'button', class: 'secondary small' }, label);
        button.addEventListener('click', async () => {
          try {
            const id = encodeURIComponent(String(row.id));
            await api('POST', `/api/v1/reports/schedules/${id}/${action}`);
            await reload();
          } catch (err) {
            button.replaceWith(h('span', { class: 'error', role: 'alert' }, describe(err)));
          }
        });
        return [button];
      },
    },
  },
  {
    id: 'funnels',
    group: 'Analytics',
    title: 'Funnels',
    item: 'funnel',
    resource: {
      noun: 'funnel',
      path: '/api/v1/analytics/funnels',
      paged: true,
      columns: [
        ['name', 'Name'],
        ['steps', 'Steps'],
        ['conversion_window_seconds', 'Conversion window'],
        ['updated_at', 'Updated'],
      ],
      display: (row) => ({
        steps: ((row.steps ?? []) as Array<{ name: string }>).map((s) => s.name).join(' → '),
        conversion_window_seconds: duration(Number(row.conversion_window_seconds)),
      }),
      create: () => ({
        name: 'activation',
        steps: [
          { name: 'Signed up', event_type: 'signup' },
          {
            name: 'Onboarded',
            event_type: 'onboard',
            filters: [{ field: 'source', operator: 'eq', value: 'web' }],
          },
          { name: 'Bought', event_type: 'purchase' },
        ],
        conversion_window_seconds: 604_800,
      }),
      rowActions: (row) => [
        h('a', { href: `#/funnels/${encodeURIComponent(String(row.id))}` }, 'Results'),
      ],
    },
  },
];
