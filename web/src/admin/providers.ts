/**
 * The Providers page: every configured provider by channel, in priority order, with its
 * health on this node (circuit, sends, failures, last error, latency), its limits, and a
 * "Test" button running the provider's own check (POST /providers/{name}/test).
 */

import type { HealthView } from '../providers/health-view.js';
import { h } from '../shared/dom.js';
import { api, describe } from './api.js';
import { cell } from './cells.js';

/** A provider as `GET /providers` lists it (the health type is the server's own). */
export interface Provider {
  name: string;
  channel: string;
  plugin: string;
  source: string;
  priority: number;
  health: HealthView | null;
  limits?: { concurrency: number | null; in_flight: number } | null;
}

/** A circuit's state in words. */
export const CIRCUIT: Record<string, string> = {
  closed: 'healthy',
  half_open: 'recovering',
  open: 'failing over',
};

function facts(rows: Array<[string, Node | string]>): HTMLElement {
  return h('dl', { class: 'facts' }, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function providerCard(p: Provider): HTMLElement {
  const result = h('div', { role: 'status' });
  const test = h('button', { type: 'button', class: 'secondary small' }, `Test ${p.name}`);
  test.addEventListener('click', async () => {
    test.disabled = true;
    result.replaceChildren(h('p', { class: 'muted' }, 'Testing…'));
    try {
      const r = await api<{ success: boolean; message: string; latency_ms: number }>(
        'POST',
        `/api/v1/providers/${encodeURIComponent(p.name)}/test`,
      );
      result.replaceChildren(
        h(
          'p',
          { class: r.success ? 'ok' : 'error' },
          `${r.success ? 'Passed' : 'Failed'}: ${r.message} (${Math.round(r.latency_ms)} ms)`,
        ),
      );
    } catch (err) {
      result.replaceChildren(h('p', { class: 'error' }, describe(err)));
    } finally {
      test.disabled = false;
    }
  });
  const health = p.health;
  const state = health?.state ?? 'closed';
  const rows: Array<[string, Node | string]> = [
    ['Plugin', `${p.plugin} (${p.source})`],
    ['Priority', String(p.priority)],
  ];
  if (health) {
    rows.push(
      ['Sent / failed', `${health.sent} / ${health.failed}`],
      [
        'Median latency',
        health.p50_latency_ms === null ? '—' : `${Math.round(health.p50_latency_ms)} ms`,
      ],
    );
    if (health.last_error) {
      rows.push([
        'Last error',
        h(
          'span',
          {},
          h('span', { class: 'error' }, health.last_error),
          ' ',
          cell(health.last_error_at),
        ),
      ]);
    }
  }
  if (p.limits) {
    rows.push([
      'In flight',
      `${p.limits.in_flight}${p.limits.concurrency === null ? '' : ` of ${p.limits.concurrency}`}`,
    ]);
  }
  return h(
    'section',
    { class: 'card', 'aria-label': `Provider ${p.name}` },
    h(
      'h2',
      {},
      p.name,
      ' ',
      h('span', { class: `pill ${state === 'closed' ? 'good' : 'bad'}` }, CIRCUIT[state] ?? state),
    ),
    facts(rows),
    h('div', { class: 'form-actions' }, test),
    result,
  );
}

export function providersPage(main: HTMLElement): void {
  main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  api<{ data: Provider[] }>('GET', '/api/v1/providers')
    .then(({ data }) => {
      if (data.length === 0) {
        main.replaceChildren(h('div', { class: 'empty card' }, 'No providers are configured.'));
        return;
      }
      const channels = [...new Set(data.map((p) => p.channel))];
      main.replaceChildren(
        ...channels.flatMap((c) => [
          h('h2', { class: 'channel-title' }, c),
          h('div', { class: 'grid' }, ...data.filter((p) => p.channel === c).map(providerCard)),
        ]),
      );
    })
    .catch((err) =>
      main.replaceChildren(h('div', { class: 'notice error', role: 'alert' }, describe(err))),
    );
}
