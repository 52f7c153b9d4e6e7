/**
 * The Alerts page: alert rules (an analytics metric over a window against a threshold) with
 * a form to add one, pause / resume and delete; and the alerts they triggered, newest first,
 * with "Acknowledge". The list of alerts refreshes while the page is shown. See
 * docs/alerts.md for what the API does with them.
 */

import { h } from '../shared/dom.js';
import { api, describe } from './api.js';
import { confirmButton, table } from './cells.js';

const RULES = '/api/v1/alerts/rules';
const ALERTS = '/api/v1/alerts';
const REFRESH_MS = 10_000;
const PER_PAGE = 200;

interface Rule {
  id: string;
  name: string;
  metric: string;
  condition: 'above' | 'below' | 'change_percent';
  threshold: number;
  window: string;
  interval: string;
  enabled: boolean;
  last_value: number | null;
  last_evaluated_at: string | null;
  next_evaluation_at: string | null;
  last_error: string | null;
  recipients: { subscribers?: string[]; topic?: string } | null;
}

interface Alert {
  id: string;
  rule_name: string;
  metric: string;
  condition: Rule['condition'];
  threshold: number;
  actual_value: number;
  window: { start: string; end: string };
  status: 'triggered' | 'acknowledged' | 'resolved';
  triggered_at: string;
  acknowledged_by: string | null;
  resolved_reason: string | null;
  notified: number;
}

interface Page<T> {
  data: T[];
  total: number;
}

/** "above 10", "below 0.95", "changes by more than -50%". */
export function conditionText(c: Rule['condition'], threshold: number): string {
  if (c === 'change_percent') {
    return threshold === 0 ? 'changes at all' : `changes by more than ${threshold}%`;
  }
  return `${c} ${threshold}`;
}

/** `14:05` today, `Dec 6, 14:05` another day. */
export function shortTime(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  if (d.toDateString() === new Date().toDateString()) return time;
  return `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })}, ${time}`;
}

/** A window's length: `5 min`, `1 h`, `1 h 30 min`, `2 d`. */
function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m % 1440 === 0) return `${m / 1440} d`;
  if (m < 60) return `${m} min`;
  return m % 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m / 60} h`;
}

const STATUS_TONE: Record<Alert['status'], string> = {
  triggered: 'bad',
  acknowledged: 'wait',
  resolved: 'good',
};

/** Every item of a paged list, newest last (one more call when there are more than a page). */
async function all<T>(path: string): Promise<T[]> {
  const sep = path.includes('?') ? '&' : '?';
  const first = await api<Page<T>>('GET', `${path}${sep}per_page=${PER_PAGE}`);
  if (first.total <= PER_PAGE) return first.data;
  const last = Math.ceil(first.total / PER_PAGE);
  return (await api<Page<T>>('GET', `${path}${sep}per_page=${PER_PAGE}&page=${last}`)).data;
}

function field(id: string, label: string, input: HTMLElement, hint?: string): Node[] {
  return [
    h('label', { for: id }, label),
    input,
    hint ? h('p', { class: 'muted hint' }, hint) : null,
  ].filter((n): n is HTMLElement => n !== null);
}

export function alertsPage(main: HTMLElement): void {
  const notice = h('div', { class: 'notice', role: 'status', hidden: true });
  const rules = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const alerts = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const say = (text: string, error = false) => {
    notice.hidden = false;
    notice.className = error ? 'notice error' : 'notice';
    notice.replaceChildren(text);
  };

  // The form of a new rule.
  const input = (id: string, attrs: Record<string, string> = {}) =>
    h('input', { id, name: id, autocomplete: 'off', ...attrs });
  const name = input('rule-name', { required: 'true', placeholder: 'failures-high' });
  const metric = input('rule-metric', {
    required: 'true',
    list: 'rule-metrics',
    value: 'notifications_failed',
  });
  const metrics = h('datalist', { id: 'rule-metrics' });
  const condition = h(
    'select',
    { id: 'rule-condition', name: 'rule-condition' },
    h('option', { value: 'above' }, 'above'),
    h('option', { value: 'below' }, 'below'),
    h('option', { value: 'change_percent' }, 'change in percent'),
  );
  const threshold = input('rule-threshold', {
    type: 'number',
    step: 'any',
    required: 'true',
    value: '10',
  });
  const span = input('rule-window', { required: 'true', value: '5m' });
  const interval = input('rule-interval', { value: '1m' });
  const subscribers = input('rule-subscribers', { placeholder: 'ops-lead, oncall-bot' });
  const create = h('button', { type: 'submit' }, 'Create rule');
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const form = h(
    'form',
    { class: 'card', hidden: true, 'aria-label': 'New alert rule' },
    h('h2', {}, 'New alert rule'),
    h(
      'div',
      { class: 'form-grid' },
      h('div', {}, ...field('rule-name', 'Name', name)),
      h(
        'div',
        {},
        ...field('rule-metric', 'Metric', metric, 'Any metric of the analytics query.'),
        metrics,
      ),
      h('div', {}, ...field('rule-condition', 'Condition', condition)),
      h('div', {}, ...field('rule-threshold', 'Threshold', threshold)),
      h('div', {}, ...field('rule-window', 'Window', span, '5m, 1h, 1d …')),
      h('div', {}, ...field('rule-interval', 'Evaluate every', interval)),
      h(
        'div',
        { class: 'span-2' },
        ...field(
          'rule-subscribers',
          'Notify subscribers (ids, comma separated)',
          subscribers,
          'They are told through notifyd’s own channels, category “alerts”.',
        ),
      ),
    ),
    h('div', { class: 'form-actions' }, create, cancel),
  );
  const open = h('button', { type: 'button' }, 'New rule');
  open.addEventListener('click', () => {
    form.hidden = false;
    name.focus();
  });
  cancel.addEventListener('click', () => {
    form.hidden = true;
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ids = subscribers.value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const body = {
      name: name.value.trim(),
      metric: metric.value.trim(),
      condition: condition.value,
      threshold: Number(threshold.value),
      window: span.value.trim(),
      ...(interval.value.trim() ? { interval: interval.value.trim() } : {}),
      ...(ids.length ? { recipients: { subscribers: ids } } : {}),
    };
    create.disabled = true;
    try {
      const rule = await api<Rule>('POST', RULES, body);
      say(`Created alert rule ${rule.name}.`);
      form.hidden = true;
      name.value = '';
      await loadRules();
    } catch (err) {
      say(describe(err), true);
    } finally {
      create.disabled = false;
    }
  });

  async function loadRules(): Promise<void> {
    try {
      const list = await all<Rule>(RULES);
      if (list.length === 0) {
        rules.replaceChildren(
          h('div', { class: 'empty' }, 'No alert rules yet. “New rule” watches a metric.'),
        );
        return;
      }
      const rows = list.map((r) => ({
        ...r,
        when: `${r.metric} ${conditionText(r.condition, r.threshold)} over ${r.window}`,
        next: r.enabled ? shortTime(r.next_evaluation_at) : '—',
        last: r.last_value ?? '—',
      }));
      rules.replaceChildren(
        table(
          rows,
          [
            ['name', 'Rule'],
            ['when', 'Fires when'],
            ['interval', 'Every'],
            ['last', 'Last value'],
            ['next', 'Next check'],
          ],
          (row) => {
            const r = row as unknown as Rule;
            const state = h(
              'span',
              { class: `pill ${r.enabled ? 'good' : 'wait'}` },
              r.enabled ? 'active' : 'paused',
            );
            const toggle = h(
              'button',
              { type: 'button', class: 'secondary small' },
              r.enabled ? 'Pause' : 'Resume',
            );
            toggle.addEventListener('click', async () => {
              toggle.disabled = true;
              try {
                await api('PATCH', `${RULES}/${encodeURIComponent(r.id)}`, {
                  enabled: !r.enabled,
                });
                say(`${r.enabled ? 'Paused' : 'Resumed'} alert rule ${r.name}.`);
              } catch (err) {
                say(describe(err), true);
              }
              await loadRules();
            });
            const remove = confirmButton('Delete', 'Confirm delete', async () => {
              try {
                await api('DELETE', `${RULES}/${encodeURIComponent(r.id)}`);
                say(`Deleted alert rule ${r.name}.`);
              } catch (err) {
                say(describe(err), true);
              }
              await loadRules();
              await loadAlerts();
            });
            const error = r.last_error ? h('span', { class: 'error' }, r.last_error) : '';
            return [state, ' ', error, ' ', toggle, ' ', remove];
          },
        ),
      );
    } catch (err) {
      rules.replaceChildren(h('div', { class: 'notice error', role: 'alert' }, describe(err)));
    }
  }

  const statusFilter = h(
    'select',
    { id: 'alert-status', 'aria-label': 'Alerts to show' },
    h('option', { value: '' }, 'All alerts'),
    h('option', { value: 'triggered' }, 'Triggered'),
    h('option', { value: 'acknowledged' }, 'Acknowledged'),
    h('option', { value: 'resolved' }, 'Resolved'),
  );
  statusFilter.addEventListener('change', () => void loadAlerts());

  async function loadAlerts(): Promise<void> {
    try {
      const q = statusFilter.value ? `?status=${statusFilter.value}` : '';
      const list = (await all<Alert>(`${ALERTS}${q}`)).reverse();
      if (list.length === 0) {
        alerts.replaceChildren(
          h('div', { class: 'empty' }, 'No alerts. When a rule’s condition holds, it shows here.'),
        );
        return;
      }
      const rows = list.map((a) => ({
        ...a,
        what: `${a.metric}: ${a.actual_value} (${conditionText(a.condition, a.threshold)})`,
        period: minutes(Date.parse(a.window.end) - Date.parse(a.window.start)),
        at: shortTime(a.triggered_at),
        by: a.acknowledged_by ?? a.resolved_reason?.replace('_', ' ') ?? '',
      }));
      alerts.replaceChildren(
        table(
          rows,
          [
            ['rule_name', 'Rule'],
            ['what', 'Reading'],
            ['period', 'Over'],
            ['at', 'Triggered'],
            ['notified', 'Notified'],
            ['by', 'By / why'],
          ],
          (row) => {
            const a = row as unknown as Alert;
            const out: Array<Node | string> = [
              h('span', { class: `pill ${STATUS_TONE[a.status]}` }, a.status),
            ];
            if (a.status === 'triggered') {
              const ack = h('button', { type: 'button', class: 'small' }, 'Acknowledge');
              ack.addEventListener('click', async () => {
                ack.disabled = true;
                try {
                  await api('POST', `${ALERTS}/${encodeURIComponent(a.id)}/acknowledge`);
                  say(`Acknowledged the alert of ${a.rule_name}.`);
                } catch (err) {
                  say(describe(err), true);
                }
                await loadAlerts();
              });
              out.push(' ', ack);
            }
            return out;
          },
        ),
      );
    } catch (err) {
      alerts.replaceChildren(h('div', { class: 'notice error', role: 'alert' }, describe(err)));
    }
  }

  const refresh = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
  refresh.addEventListener('click', () => {
    void loadRules();
    void loadAlerts();
  });
  const root = h(
    'div',
    {},
    h('div', { class: 'toolbar' }, open, refresh),
    notice,
    form,
    h('section', { class: 'card tidy', 'aria-label': 'Alert rules' }, h('h2', {}, 'Rules'), rules),
    h(
      'section',
      { class: 'card tidy', 'aria-label': 'Triggered alerts' },
      h('div', { class: 'card-head' }, h('h2', {}, 'Alerts'), statusFilter),
      alerts,
    ),
  );
  main.replaceChildren(root);
  void loadRules();
  void loadAlerts();
  api<{ data: Array<{ name: string }> }>('GET', '/api/v1/analytics/metrics')
    .then((m) =>
      metrics.replaceChildren(...m.data.map((x) => h('option', { value: x.name }, x.name))),
    )
    .catch(() => {});
  // The alerts change as rules are evaluated: read them again while the page is shown.
  const tick = () => {
    if (!root.isConnected) return;
    void loadAlerts().finally(() => setTimeout(tick, REFRESH_MS));
  };
  setTimeout(tick, REFRESH_MS);
}
