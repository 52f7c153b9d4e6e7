import { h } from '../shared/dom.js';

/** A value as a table cell: lists as pills, objects as compact JSON, all as text. */
export function cell(value: unknown): Node {
  if (value === null || value === undefined || value === '')
    return h('span', { class: 'muted' }, '—');
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== 'object')) {
      return h('span', {}, ...value.map((v) => h('span', { class: 'pill' }, String(v))));
    }
    return h('code', {}, JSON.stringify(value));
  }
  if (typeof value === 'object') return h('code', {}, JSON.stringify(value));
  if (typeof value === 'boolean') return document.createTextNode(value ? 'yes' : 'no');
  const text = String(value);
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    return h('time', { datetime: text, title: text }, new Date(text).toLocaleString());
  }
  return document.createTextNode(text);
}

/** A table of rows with the given columns (or the first row's keys). */
export function table(
  rows: Record<string, unknown>[],
  columns: Array<[string, string]>,
  actions?: (row: Record<string, unknown>) => Array<Node | string>,
): HTMLElement {
  const cols =
    columns.length > 0
      ? columns
      : Object.keys(rows[0] ?? {})
          .slice(0, 6)
          .map((k): [string, string] => [k, k]);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...cols.map(([, label]) => h('th', { scope: 'col' }, label)),
          actions ? h('th', {}, h('span', { class: 'sr' }, 'Actions')) : null,
        ),
      ),
      h(
        'tbody',
        {},
        ...rows.map((row) =>
          h(
            'tr',
            {},
            ...cols.map(([key]) => h('td', {}, cell(row[key]))),
            actions ? h('td', { class: 'actions' }, ...actions(row)) : null,
          ),
        ),
      ),
    ),
  );
}

/** A button that asks for a second click before it acts (no blocking dialogs). */
export function confirmButton(
  label: string,
  confirmLabel: string,
  act: () => Promise<void>,
): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'danger small' }, label);
  let armed = false;
  button.addEventListener('click', async () => {
    if (!armed) {
      armed = true;
      button.textContent = confirmLabel;
      setTimeout(() => {
        armed = false;
        button.textContent = label;
      }, 4000);
      return;
    }
    button.disabled = true;
    await act();
    armed = false;
    button.textContent = label;
    button.disabled = false;
  });
  return button;
}

export function pre(value: unknown): HTMLPreElement {
  return h('pre', {}, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
}
