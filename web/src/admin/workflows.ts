/**
 * A workflow's page (#/workflows/<id>): its steps in words, one numbered line each, a form
 * that triggers a run for a recipient, and the run's history as it goes.
 */

import { h } from '../shared/dom.js';
import { api, describe } from './api.js';
import { cell, pre } from './cells.js';

type Step =
  | { type: 'send'; channel: string; template?: string; content?: { title: string } }
  | { type: 'delay'; duration: string }
  | { type: 'digest'; window: string; key?: string }
  | {
      type: 'condition';
      field: string;
      operator: string;
      value?: unknown;
      on_fail?: 'stop' | { skip_to: number };
    };

interface Workflow {
  id: string;
  trigger_identifier: string;
  name: string;
  version: number;
  steps: Step[];
}

/** An ISO 8601 duration in words: PT1H30M → "1 hour 30 minutes". */
export function duration(iso: string): string {
  const m =
    /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(
      iso,
    );
  if (!m) return iso;
  const parts: string[] = [];
  const names = ['year', 'month', 'week', 'day', 'hour', 'minute', 'second'];
  m.slice(1).forEach((n, i) => {
    if (n && Number(n) > 0) parts.push(`${n} ${names[i]}${n === '1' ? '' : 's'}`);
  });
  return parts.length ? parts.join(' ') : iso;
}

const OPS: Record<string, string> = {
  equals: 'equals',
  not_equals: 'is not',
  exists: 'exists',
  gt: 'is more than',
  lt: 'is less than',
};

/** One step in words. */
export function describeStep(step: Step): string {
  switch (step.type) {
    case 'send':
      return `Send on ${step.channel} ${
        step.template ? `with template “${step.template}”` : `“${step.content?.title ?? ''}”`
      }`;
    case 'delay':
      return `Wait ${duration(step.duration)}`;
    case 'digest':
      return `Collect triggers for ${duration(step.window)}${
        step.key ? `, one window per ${step.key}` : ', one window per recipient'
      }, then go on once with all of them`;
    case 'condition': {
      const test =
        step.operator === 'exists'
          ? `${step.field} exists`
          : `${step.field} ${OPS[step.operator] ?? step.operator} ${JSON.stringify(step.value)}`;
      const otherwise =
        step.on_fail && step.on_fail !== 'stop'
          ? `skip to step ${step.on_fail.skip_to + 1}`
          : 'stop';
      return `Go on only if ${test}; otherwise ${otherwise}`;
    }
  }
}

export function workflowPage(main: HTMLElement, id: string): void {
  main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  api<Workflow>('GET', `/api/v1/workflows/${encodeURIComponent(id)}`)
    .then((w) => draw(main, w))
    .catch((err) =>
      main.replaceChildren(
        h('p', {}, h('a', { href: '#/workflows' }, '← Workflows')),
        h('div', { class: 'notice error', role: 'alert' }, describe(err)),
      ),
    );
}

function draw(main: HTMLElement, w: Workflow): void {
  const recipient = h('input', { id: 'run-recipient', autocomplete: 'off', required: true });
  const payload = h('textarea', { id: 'run-payload', spellcheck: 'false', rows: '4' });
  payload.value = '{}';
  const run = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'card' },
    h('h2', {}, 'Trigger a run'),
    h('label', { for: 'run-recipient' }, 'Recipient (user id)'),
    recipient,
    h('label', { for: 'run-payload' }, 'Payload (JSON)'),
    payload,
    h('div', { class: 'form-actions' }, h('button', { type: 'submit' }, 'Trigger')),
    run,
  );
  const showRun = async (runId: string) => {
    try {
      const r = await api<{
        status: string;
        current_step: number | null;
        next_run_at: string | null;
        history: Array<{ step: number; status: string; at: string; error?: string }>;
      }>('GET', `/api/v1/workflow-runs/${encodeURIComponent(runId)}`);
      const refresh = h('button', { type: 'button', class: 'secondary small' }, 'Refresh');
      refresh.addEventListener('click', () => void showRun(runId));
      run.replaceChildren(
        h('h3', {}, `Run ${runId}: ${r.status}`),
        h(
          'ol',
          { class: 'timeline' },
          ...r.history.map((e) =>
            h(
              'li',
              {},
              h('div', { class: 'when muted' }, cell(e.at)),
              h(
                'div',
                { class: 'what' },
                h('strong', {}, `Step ${e.step + 1}: ${e.status}`),
                e.error ? h('div', { class: 'error' }, e.error) : '',
              ),
            ),
          ),
        ),
        r.next_run_at && r.current_step !== null
          ? h('p', { class: 'muted' }, `Step ${r.current_step + 1} is due `, cell(r.next_run_at))
          : '',
        refresh,
      );
    } catch (err) {
      run.replaceChildren(h('p', { class: 'error' }, describe(err)));
    }
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const answer = await api<{ run_id: string }>(
        'POST',
        `/api/v1/workflows/${encodeURIComponent(w.id)}/trigger`,
        { recipient_id: recipient.value.trim(), payload: JSON.parse(payload.value || '{}') },
      );
      await showRun(answer.run_id);
    } catch (err) {
      run.replaceChildren(h('p', { class: 'error', role: 'alert' }, describe(err)));
    }
  });
  main.replaceChildren(
    h('p', {}, h('a', { href: '#/workflows' }, '← Workflows')),
    h(
      'div',
      { class: 'grid' },
      h(
        'section',
        { class: 'card', 'aria-label': 'Steps' },
        h('h2', {}, `${w.name} · ${w.trigger_identifier} · version ${w.version}`),
        h('ol', { class: 'steps' }, ...w.steps.map((s) => h('li', {}, describeStep(s)))),
        h('details', {}, h('summary', {}, 'As JSON'), pre(w.steps)),
      ),
      form,
    ),
  );
}
