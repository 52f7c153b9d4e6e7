/**
 * The Overview: what notifyd is doing now, refreshed every few seconds while the page is
 * shown. Sends per minute per channel and delivery outcomes come from the analytics minute
 * rollups (`POST /analytics/query`, granularity minute, the last hour); connections and
 * queue depths are sampled at each refresh and drawn since the page opened; provider health
 * and rate limiting are the API's current figures. Each part fails on its own (analytics
 * off, a key that may not read the scheduler) and says why.
 */

import { h } from '../shared/dom.js';
import { api, describe } from './api.js';
import { table } from './cells.js';
import { barChart, legend, lineChart, type Series } from './chart.js';
import { CIRCUIT, type Provider } from './providers.js';

/** How often the page refreshes. */
export const REFRESH_MS = 5000;
const MINUTE = 60_000;
/** Minutes the charts of sends cover. */
const SPAN_MINUTES = 60;
/** Samples of connections and queues kept (a bit over an hour at one per refresh). */
const MAX_SAMPLES = 720;

interface QueryAnswer {
  data: Array<{
    timestamp: string;
    values: Record<string, number>;
    dimensions: Record<string, string>;
  }>;
}

interface ClusterStatus {
  enabled: boolean;
  node_id: string;
  nodes: Array<{ node_id: string; connections?: number; healthy: boolean; version: string }>;
  healthy_nodes: number;
  total_connections?: number;
}

interface JobStats {
  kind: string;
  scheduled: number;
  due: number;
  running: number;
  failed: number;
}

interface RateLimitStats {
  total: number;
  limited: number;
  limited_rate: number;
  by_policy: Record<string, { total: number; limited: number }>;
}

/** A figure of the row at the top: a label, the value, a line under it. */
function tile(label: string, value: string, sub: string, tone = ''): HTMLElement {
  return h(
    'section',
    { class: `kpi ${tone}`.trim(), 'aria-label': label },
    h('span', { class: 'kpi-label' }, label),
    h('strong', {}, value),
    h('span', { class: 'muted' }, sub),
  );
}

function card(title: string, ...body: Array<Node | string>): HTMLElement {
  return h('section', { class: 'card', 'aria-label': title }, h('h2', {}, title), ...body);
}

const percent = (r: number) => `${(r * 100).toFixed(r === 1 || r === 0 ? 0 : 1)}%`;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** The per-minute series of a query answer: one per value of `dimension` (or per metric). */
export function minuteSeries(
  answer: QueryAnswer,
  starts: number[],
  metric: string,
  dimension: string,
): Series[] {
  const index = new Map(starts.map((t, i) => [t, i]));
  const by = new Map<string, number[]>();
  for (const row of answer.data) {
    const value = row.dimensions[dimension];
    const name = !value || value === '(none)' ? 'other' : value;
    const i = index.get(Date.parse(row.timestamp));
    if (i === undefined) continue;
    let values = by.get(name);
    if (!values) {
      values = new Array<number>(starts.length).fill(0);
      by.set(name, values);
    }
    values[i]! += row.values[metric] ?? 0;
  }
  return [...by.entries()]
    .filter(([, values]) => values.some((v) => v > 0))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, values]) => ({ name, values }));
}

export function overviewPage(main: HTMLElement): void {
  const status = h('p', { class: 'live muted', role: 'status' }, 'Loading…');
  const tiles = h('div', { class: 'kpis' });
  const sends = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const delivery = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const connections = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const queues = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const providers = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const limits = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const pause = h('button', { type: 'button', class: 'secondary small' }, 'Pause');
  const root = h(
    'div',
    { class: 'overview' },
    h('div', { class: 'toolbar' }, status, h('span', { class: 'spacer' }), pause),
    tiles,
    h(
      'div',
      { class: 'grid wide' },
      card('Sends per minute by channel', sends),
      card('Delivery, last hour', delivery),
    ),
    h(
      'div',
      { class: 'grid' },
      card('Connections by node', connections),
      card('Queue depths', queues),
      card('Provider health', providers),
      card('Rate-limited requests, last 24 hours', limits),
    ),
  );
  main.replaceChildren(root);

  const samples: Array<{ at: number; connections: number | null; due: number; running: number }> =
    [];
  let paused = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.textContent = paused ? 'Resume' : 'Pause';
    if (!paused) void refresh();
  });

  const failed = (into: HTMLElement, err: unknown) =>
    into.replaceChildren(h('p', { class: 'error' }, describe(err)));

  async function refresh(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!root.isConnected) return;
    const now = Date.now();
    const end = Math.floor(now / MINUTE) * MINUTE + MINUTE;
    const starts = Array.from(
      { length: SPAN_MINUTES },
      (_, i) => end - (SPAN_MINUTES - i) * MINUTE,
    );
    const [ready, cluster, sched, dead, provs, rl, minutes] = await Promise.allSettled([
      api<{ status: string }>('GET', '/readyz'),
      api<ClusterStatus>('GET', '/api/v1/cluster/status'),
      api<{ data: JobStats[] }>('GET', '/api/v1/scheduler/stats'),
      api<{ data: unknown[]; next_cursor: string | null }>(
        'GET',
        '/api/v1/deliveries/dead?limit=100',
      ),
      api<{ data: Provider[] }>('GET', '/api/v1/providers'),
      api<RateLimitStats>('GET', '/api/v1/ratelimit/analytics'),
      api<QueryAnswer>('POST', '/api/v1/analytics/query', {
        metrics: [
          'notifications_accepted',
          'notifications_sent',
          'notifications_delivered',
          'notifications_failed',
        ],
        dimensions: ['channel'],
        time_range: {
          start: new Date(end - SPAN_MINUTES * MINUTE).toISOString(),
          end: new Date(end).toISOString(),
        },
        granularity: 'minute',
        limit: 10_000,
      }),
    ]);
    if (!root.isConnected) return;

    const sample = {
      at: now,
      connections:
        cluster.status === 'fulfilled' ? (cluster.value.total_connections ?? null) : null,
      due: 0,
      running: 0,
    };
    if (sched.status === 'fulfilled') {
      sample.due = sum(sched.value.data.map((k) => k.due));
      sample.running = sum(sched.value.data.map((k) => k.running));
    }
    samples.push(sample);
    if (samples.length > MAX_SAMPLES) samples.shift();

    // Sends and delivery.
    let sent: number | null = null;
    let accepted: number | null = null;
    let delivered = 0;
    let failedCount = 0;
    if (minutes.status === 'fulfilled') {
      const bySent = minuteSeries(minutes.value, starts, 'notifications_sent', 'channel');
      sent = sum(bySent.map((s) => sum(s.values)));
      const line = (metric: string) =>
        starts.map((_, i) =>
          sum(minuteSeries(minutes.value, starts, metric, 'channel').map((s) => s.values[i]!)),
        );
      const acceptedLine = line('notifications_accepted');
      const deliveredLine = line('notifications_delivered');
      const failedLine = line('notifications_failed');
      accepted = sum(acceptedLine);
      delivered = sum(deliveredLine);
      failedCount = sum(failedLine);
      sends.replaceChildren(
        barChart(starts, bySent, { label: 'Sends per minute by channel, the last hour' }),
        bySent.length
          ? legend(bySent)
          : h('p', { class: 'muted' }, 'Nothing sent in the last hour.'),
        h(
          'p',
          { class: 'muted' },
          'Deliveries handed to a provider (push, SMS, email, webhook…), and in-app notifications committed to a feed.',
        ),
      );
      const outcomes: Series[] = [
        { name: 'accepted', values: acceptedLine },
        { name: 'delivered', values: deliveredLine },
        { name: 'failed', values: failedLine },
      ];
      delivery.replaceChildren(
        lineChart(starts, outcomes, {
          label: 'Notifications accepted, deliveries confirmed and failed per minute',
          width: 320,
          height: 220,
        }),
        legend(outcomes),
        h(
          'p',
          { class: 'muted' },
          'Accepted: notifications taken by the send API (every channel, in-app too). Delivered: confirmed by the provider, or (in-app) handed to an open session. Failed: failed for good (see Dead letters).',
        ),
      );
    } else {
      failed(sends, minutes.reason);
      failed(delivery, minutes.reason);
    }

    // Connections: sampled since the page opened.
    if (cluster.status === 'fulfilled') {
      const c = cluster.value;
      const series: Series[] = [
        { name: 'connections', values: samples.map((s) => s.connections ?? 0) },
      ];
      connections.replaceChildren(
        lineChart(
          samples.map((s) => s.at),
          series,
          { label: 'Open connections since this page opened', width: 400, height: 180 },
        ),
        table(
          c.nodes.map((n) => ({
            ...n,
            node: n.node_id === c.node_id ? `${n.node_id} (this)` : n.node_id,
          })),
          [
            ['node', 'Node'],
            ['connections', 'Connections'],
            ['healthy', 'Healthy'],
            ['version', 'Version'],
          ],
        ),
      );
    } else failed(connections, cluster.reason);

    // Queues: jobs by kind, and dead letters.
    if (sched.status === 'fulfilled') {
      const kinds = sched.value.data.filter((k) => k.scheduled + k.due + k.running + k.failed > 0);
      const series: Series[] = [
        { name: 'due', values: samples.map((s) => s.due) },
        { name: 'running', values: samples.map((s) => s.running) },
      ];
      queues.replaceChildren(
        lineChart(
          samples.map((s) => s.at),
          series,
          {
            label: 'Scheduler jobs due and running since this page opened',
            width: 400,
            height: 180,
          },
        ),
        legend(series, (s) => String(s.values.at(-1) ?? 0)),
        kinds.length
          ? table(kinds as unknown as Record<string, unknown>[], [
              ['kind', 'Kind'],
              ['due', 'Due'],
              ['running', 'Running'],
              ['scheduled', 'Scheduled'],
              ['failed', 'Failed'],
            ])
          : h('p', { class: 'muted' }, 'No jobs waiting.'),
      );
    } else failed(queues, sched.reason);

    // Providers.
    if (provs.status === 'fulfilled') {
      const list = provs.value.data;
      providers.replaceChildren(
        list.length
          ? h(
              'ul',
              { class: 'health' },
              ...list.map((p) => {
                const state = p.health?.state ?? 'closed';
                return h(
                  'li',
                  {},
                  h(
                    'span',
                    { class: `pill ${state === 'closed' ? 'good' : 'bad'}` },
                    CIRCUIT[state] ?? state,
                  ),
                  ' ',
                  h('strong', {}, p.name),
                  h('span', { class: 'muted' }, ` ${p.channel}`),
                  h(
                    'span',
                    { class: 'muted right' },
                    p.health ? `${p.health.sent} sent · ${p.health.failed} failed` : '',
                  ),
                );
              }),
            )
          : h('p', { class: 'muted' }, 'No providers are configured.'),
        h('p', {}, h('a', { href: '#/providers' }, 'Details and tests on the provider page')),
      );
    } else failed(providers, provs.reason);

    // Rate limiting.
    if (rl.status === 'fulfilled') {
      const r = rl.value;
      const policies = Object.entries(r.by_policy)
        .filter(([, p]) => p.total > 0)
        .map(([policy, p]) => ({ policy, total: p.total, limited: p.limited }));
      limits.replaceChildren(
        h(
          'p',
          {},
          h('strong', { class: 'big' }, String(r.limited)),
          ` of ${r.total} requests limited (${percent(r.limited_rate)})`,
        ),
        policies.length
          ? table(policies, [
              ['policy', 'Policy'],
              ['total', 'Requests'],
              ['limited', 'Limited'],
            ])
          : h('p', { class: 'muted' }, 'No requests were checked against a policy.'),
      );
    } else failed(limits, rl.reason);

    // The figures at the top.
    const healthy =
      provs.status === 'fulfilled'
        ? provs.value.data.filter((p) => (p.health?.state ?? 'closed') === 'closed').length
        : null;
    const deadCount =
      dead.status === 'fulfilled'
        ? `${dead.value.data.length}${dead.value.next_cursor ? '+' : ''}`
        : '—';
    const outcomes = delivered + failedCount;
    tiles.replaceChildren(
      tile(
        'Connections',
        sample.connections === null ? '—' : String(sample.connections),
        cluster.status === 'fulfilled'
          ? `${cluster.value.healthy_nodes} node${cluster.value.healthy_nodes === 1 ? '' : 's'}`
          : 'unknown',
      ),
      tile(
        'Accepted',
        accepted === null ? '—' : String(accepted),
        sent === null ? 'last hour' : `last hour · ${sent} sent`,
      ),
      tile(
        'Delivered',
        outcomes ? percent(delivered / outcomes) : '—',
        `${failedCount} failed of ${outcomes}`,
        outcomes && failedCount / outcomes > 0.05 ? 'bad' : '',
      ),
      tile(
        'Queue',
        sched.status === 'fulfilled' ? String(sample.due) : '—',
        `due · ${deadCount} dead letters`,
      ),
      tile(
        'Providers',
        healthy === null || provs.status !== 'fulfilled'
          ? '—'
          : `${healthy}/${provs.value.data.length}`,
        'healthy',
        healthy !== null && provs.status === 'fulfilled' && healthy < provs.value.data.length
          ? 'bad'
          : '',
      ),
      tile(
        'Limited · 24h',
        rl.status === 'fulfilled' ? String(rl.value.limited) : '—',
        rl.status === 'fulfilled' ? `of ${rl.value.total} requests` : '',
      ),
    );
    const readiness =
      ready.status === 'fulfilled' ? ready.value.status : `not ready (${describe(ready.reason)})`;
    status.replaceChildren(
      h('span', { class: `dot ${ready.status === 'fulfilled' ? 'good' : 'bad'}` }),
      ` ${paused ? 'Paused' : 'Live'} · ${readiness} · updated ${new Date(now).toLocaleTimeString()}`,
    );
    if (!paused) timer = setTimeout(() => void refresh(), REFRESH_MS);
  }

  void refresh();
}
