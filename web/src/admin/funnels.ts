/**
 * A funnel's page (#/funnels/<id>): its steps in words, a period (the last 7, 30 or 90 days
 * of users entering), the funnel as a whole, a bar per step (the share of those entering that
 * reached it) and the table of steps. The figures are formatted by src/client/funnel-figures.ts,
 * as `notifyd analytics funnel results` prints them.
 */

import { duration, type FunnelResults, funnelFigures, percent } from '../client/funnel-figures.js';
import { h } from '../shared/dom.js';
import { api, describe } from './api.js';
import { table } from './cells.js';
import { barRows } from './chart.js';

interface Funnel {
  id: string;
  name: string;
  description: string;
  steps: Array<{
    name: string;
    event_type: string;
    filters?: Array<{ field: string; operator: string; value?: unknown }>;
  }>;
  conversion_window_seconds: number;
}

const DAY = 86_400_000;
/** The periods offered, in days; the first shown is 30. */
const PERIODS = [7, 30, 90];
const PERIOD_KEY = 'notifyd-console-funnel-days';

const enc = encodeURIComponent;
const back = () => h('p', {}, h('a', { href: '#/funnels' }, '← Funnels'));

function tile(label: string, value: string, sub: string): HTMLElement {
  return h(
    'section',
    { class: 'kpi', 'aria-label': label },
    h('span', { class: 'kpi-label' }, label),
    h('strong', {}, value),
    h('span', { class: 'muted' }, sub),
  );
}

/** `Onboarded: onboard where source eq "web"`. */
function stepText(s: Funnel['steps'][number]): string {
  const filters = (s.filters ?? [])
    .map((f) => `${f.field} ${f.operator.replace('_', ' ')} ${JSON.stringify(f.value ?? '')}`)
    .join(' and ');
  return `${s.name}: ${s.event_type}${filters ? ` where ${filters}` : ''}`;
}

const day = (iso: string) =>
  new Date(iso).toLocaleDateString([], { month: 'short', day: 'numeric', year: 'numeric' });

export function funnelPage(main: HTMLElement, id: string): void {
  main.replaceChildren(back(), h('p', { class: 'muted' }, 'Loading…'));
  const base = `/api/v1/analytics/funnels/${enc(id)}`;
  api<Funnel>('GET', base)
    .then((funnel) => draw(main, funnel, base))
    .catch((err) =>
      main.replaceChildren(
        back(),
        h('div', { class: 'notice error', role: 'alert' }, describe(err)),
      ),
    );
}

function draw(main: HTMLElement, funnel: Funnel, base: string): void {
  const stored = Number(sessionStorage.getItem(PERIOD_KEY));
  const period = h(
    'select',
    { id: 'funnel-period', 'aria-label': 'Period' },
    ...PERIODS.map((d) =>
      h(
        'option',
        { value: String(d), selected: d === (PERIODS.includes(stored) ? stored : 30) },
        `Last ${d} days`,
      ),
    ),
  );
  const refresh = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
  const status = h('p', { class: 'muted', role: 'status' }, 'Loading…');
  const tiles = h('div', { class: 'kpis' });
  const bars = h('div', {});
  const steps = h('div', {});

  const load = async () => {
    const days = Number(period.value);
    sessionStorage.setItem(PERIOD_KEY, String(days));
    const end = Date.now();
    const q = new URLSearchParams({
      start: new Date(end - days * DAY).toISOString(),
      end: new Date(end).toISOString(),
    });
    status.textContent = 'Loading…';
    try {
      const r = await api<FunnelResults>('GET', `${base}/results?${q}`);
      const figures = funnelFigures(r);
      const entered = r.steps[0]?.entered ?? 0;
      status.textContent = `Users entering from ${day(r.time_range.start)} to ${day(r.time_range.end)}`;
      tiles.replaceChildren(
        tile('Entered', String(entered), `at “${funnel.steps[0]?.name ?? ''}”`),
        tile(
          'Converted',
          percent(r.overall_conversion_rate),
          `${r.steps.at(-1)?.entered ?? 0} reached “${funnel.steps.at(-1)?.name ?? ''}”`,
        ),
        tile('Time to convert', duration(r.avg_completion_time_seconds), 'on average'),
      );
      bars.replaceChildren(
        barRows(
          figures.map((f) => ({
            label: f.step,
            share: f.reached,
            text: `${f.entered} · ${entered ? percent(f.reached) : '—'}`,
          })),
          { label: `How many of those entering reached each step of ${funnel.name}`, width: 860 },
        ),
      );
      steps.replaceChildren(
        table(figures as unknown as Record<string, unknown>[], [
          ['step', 'Step'],
          ['entered', 'Entered'],
          ['completed', 'Completed'],
          ['conversion', 'Conversion'],
          ['drop_off', 'Drop-off'],
          ['time_to_next', 'Avg. time to next step'],
        ]),
        entered
          ? h(
              'p',
              { class: 'muted hint' },
              'The last step has no next step: all who reach it count as converted.',
            )
          : h('p', { class: 'muted hint' }, 'Nobody entered the funnel in this period.'),
      );
    } catch (err) {
      status.textContent = '';
      steps.replaceChildren(h('div', { class: 'notice error', role: 'alert' }, describe(err)));
    }
  };
  period.addEventListener('change', () => void load());
  refresh.addEventListener('click', () => void load());

  main.replaceChildren(
    back(),
    h(
      'section',
      { class: 'card', 'aria-label': 'Definition' },
      h('h2', {}, funnel.name),
      funnel.description ? h('p', {}, funnel.description) : null,
      h('ol', {}, ...funnel.steps.map((s) => h('li', {}, stepText(s)))),
      h(
        'p',
        { class: 'muted' },
        `Later steps count within ${duration(funnel.conversion_window_seconds)} of entering.`,
      ),
    ),
    h('div', { class: 'toolbar' }, period, refresh, status),
    tiles,
    h('section', { class: 'card', 'aria-label': 'Steps' }, h('h2', {}, 'Steps'), bars, steps),
  );
  void load();
}
