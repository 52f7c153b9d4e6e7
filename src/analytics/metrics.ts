/**
 * The metrics a query may ask for, by name. Each is a count of events (of some types,
 * optionally with property values), distinct users or tenants among events, a ratio of two
 * other metrics, or active users over a trailing window. Counts are served from rollups and
 * active users from activity rows when the query allows; the rest scan raw events.
 */
import { NotifydError } from '../core/errors.js';

/** Property conditions of a counted metric: property → value (or any of the values). */
export type Where = Readonly<Record<string, string | readonly string[]>>;

export type MetricDef =
  | { kind: 'count'; types: readonly string[] | null; where?: Where; description: string }
  | {
      kind: 'unique';
      field: 'user_id' | 'tenant_id' | string;
      types: readonly string[] | null;
      where?: Where;
      description: string;
    }
  | { kind: 'ratio'; num: string; den: string; description: string }
  | { kind: 'active'; days: number; description: string };

const count = (types: string[] | null, description: string, where?: Where): MetricDef => ({
  kind: 'count',
  types,
  description,
  ...(where ? { where } : {}),
});
const ratio = (num: string, den: string, description: string): MetricDef => ({
  kind: 'ratio',
  num,
  den,
  description,
});
const unique = (
  field: string,
  types: string[] | null,
  description: string,
  where?: Where,
): MetricDef => ({ kind: 'unique', field, types, description, ...(where ? { where } : {}) });

const N = (s: string) => `notification.${s}`;

/** Every named metric, by family. */
export const METRICS: Readonly<Record<string, MetricDef>> = {
  // Any events.
  events: count(null, 'Events of any type.'),
  unique_users: unique('user_id', null, 'Distinct users with any event.'),
  active_tenants: unique('tenant_id', null, 'Distinct tenants with any event.'),
  // Notifications (recorded by notifyd from its event bus).
  notifications_accepted: count([N('accepted')], 'Notifications accepted by the send API.'),
  notifications_sent: count(
    [N('sent')],
    'Deliveries handed to a channel provider, and in-app notifications committed to a feed.',
  ),
  notifications_delivered: count(
    [N('delivered')],
    'Deliveries a provider confirmed, and in-app notifications handed to an open session.',
  ),
  notifications_failed: count([N('failed')], 'Deliveries that failed for good.'),
  notifications_in_feed: count(
    [N('sent')],
    'In-app notifications committed to a feed: each once, what a recipient can read, act on or dismiss.',
    { channel: 'in_app' },
  ),
  // What recipients do in the feed, each notification once (recorded one event per
  // notification with an idempotency id: see recorder.ts), when it happens.
  notifications_read: count(
    [N('read')],
    'Notifications read (by id, read-all or an action), each once, when first read.',
  ),
  notifications_clicked: count(
    [N('action')],
    'Notifications an action was taken on (clicks), each once.',
  ),
  notifications_dismissed: count([N('dismissed')], 'Notifications dismissed, each once.'),
  delivery_rate: ratio('notifications_delivered', 'notifications_sent', 'Delivered / sent.'),
  failure_rate: ratio('notifications_failed', 'notifications_sent', 'Failed / sent.'),
  read_rate: ratio(
    'notifications_read',
    'notifications_in_feed',
    'Notifications read / in-app notifications committed to a feed.',
  ),
  click_rate: ratio(
    'notifications_clicked',
    'notifications_in_feed',
    'Notifications acted on / in-app notifications committed to a feed.',
  ),
  dismiss_rate: ratio(
    'notifications_dismissed',
    'notifications_in_feed',
    'Notifications dismissed / in-app notifications committed to a feed.',
  ),
  // Rate limiting (recorded from the bus: once per key and window, not per request).
  ratelimit_limited: count(['ratelimit.limit_exceeded'], 'Keys refused in a window.'),
  ratelimit_approached: count(['ratelimit.limit_approached'], 'Keys nearing their limit.'),
  ratelimit_penalties: count(['ratelimit.penalty_box_entered'], 'Keys sent to the penalty box.'),
  ratelimit_bursts: count(['ratelimit.burst_used'], 'Requests that drew on a burst allowance.'),
  // API usage (sent by hosts or gateways as api.request events: key, route, status).
  api_requests: count(
    ['api.request'],
    'API requests your services or gateway report as api.request events (notifyd does not count its own).',
  ),
  // Authentication (auth.* events sent by the host application).
  logins_total: count(['auth.login'], 'Login attempts.'),
  logins_successful: count(['auth.login'], 'Successful logins.', { status: 'success' }),
  logins_failed: count(['auth.login'], 'Failed logins.', { status: 'failure' }),
  login_success_rate: ratio('logins_successful', 'logins_total', 'Successful / all logins.'),
  unique_login_users: unique('user_id', ['auth.login'], 'Distinct users who logged in.', {
    status: 'success',
  }),
  signups: count(['auth.signup'], 'New signups.'),
  account_lockouts: count(['auth.lockout'], 'Accounts locked out.'),
  mfa_challenges: count(['auth.mfa_challenge'], 'MFA challenges.'),
  mfa_challenges_successful: count(['auth.mfa_challenge'], 'MFA challenges passed.', {
    status: 'success',
  }),
  mfa_challenge_success_rate: ratio(
    'mfa_challenges_successful',
    'mfa_challenges',
    'Passed / all MFA challenges.',
  ),
  mfa_enrollments: count(['auth.mfa_enrolled'], 'MFA enrollments.'),
  // Growth: active users over trailing windows ending at each bucket's end.
  dau: {
    kind: 'active',
    days: 1,
    description: 'Users active in the day ending at the bucket end.',
  },
  wau: { kind: 'active', days: 7, description: 'Users active in the 7 days ending there.' },
  mau: { kind: 'active', days: 30, description: 'Users active in the 30 days ending there.' },
  dau_mau_ratio: ratio('dau', 'mau', 'DAU / MAU (stickiness).'),
};

/** `count:<type>` and `unique_users:<type>`: a metric over one event type of the caller's. */
const TYPED = /^(count|unique_users):([A-Za-z0-9_.:-]{1,100})$/;

/** A metric by name; INVALID_METRIC when there is none. */
export function metricOf(name: string): MetricDef {
  const known = Object.hasOwn(METRICS, name) ? METRICS[name] : undefined;
  if (known) return known;
  const m = TYPED.exec(name);
  if (m) {
    const type = m[2]!;
    return m[1] === 'count'
      ? count([type], `Events of type ${type}.`)
      : unique('user_id', [type], `Distinct users with a ${type} event.`);
  }
  throw new NotifydError('INVALID_METRIC', `No metric named ${JSON.stringify(name)}.`, {
    metric: name,
    known: Object.keys(METRICS),
  });
}

/** The metrics a ratio is made of, recursively, with the metric itself. */
export function leavesOf(name: string): string[] {
  const def = metricOf(name);
  if (def.kind !== 'ratio') return [name];
  return [...leavesOf(def.num), ...leavesOf(def.den)];
}

/** The event types a set of metrics reads; null when one reads every type. */
export function typesOf(names: readonly string[]): string[] | null {
  const types = new Set<string>();
  for (const name of names.flatMap(leavesOf)) {
    const def = metricOf(name);
    if (def.kind === 'active' || def.kind === 'ratio' || def.types === null) return null;
    for (const t of def.types) types.add(t);
  }
  return [...types];
}
