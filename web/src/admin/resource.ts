import { h } from '../shared/dom.js';
import { api, describe } from './api.js';
import { confirmButton, pre, table } from './cells.js';

/** An admin collection the console lists, creates in and deletes from. */
export interface Resource {
  /** The collection's path, e.g. `/api/v1/keys`. */
  path: string;
  /** Columns: field and heading. */
  columns: Array<[string, string]>;
  /** The body the "New" form starts from; none: the collection is read-only here. */
  create?: () => unknown;
  /** The field naming an item in its path (default `id`); null: items cannot be deleted. */
  idField?: string | null;
  /** Says what was created (e.g. the key, shown once). */
  created?: (answer: Record<string, unknown>) => string | null;
  /**
   * The collection is paged: by number (`page`, `per_page`, `total`), or by `cursor`
   * (`limit`, and each answer's `cursor` / `has_more`).
   */
  paged?: boolean | 'cursor';
  /** A noun for buttons ("key", "policy"). */
  noun: string;
  /**
   * Column values made from an item where a field is not shown as it is (a funnel's steps as
   * their names in order); they replace the fields of those names in the table only.
   */
  display?: (row: Record<string, unknown>) => Record<string, unknown>;
  /** More buttons for each row (e.g. download); `reload` lists the page again after a change. */
  rowActions?: (row: Record<string, unknown>, reload: () => Promise<void>) => Node[];
}

interface Page {
  data?: Record<string, unknown>[];
  page?: number;
  per_page?: number;
  total?: number;
  cursor?: string | null;
  has_more?: boolean;
}

/** A pager's two buttons and what sits between them. */
function pagerButtons(
  hasPrev: boolean,
  hasNext: boolean,
  label: string,
  go: (step: -1 | 1) => void,
): Node[] {
  const prev = h(
    'button',
    { type: 'button', class: 'secondary small', disabled: !hasPrev },
    'Previous',
  );
  const next = h(
    'button',
    { type: 'button', class: 'secondary small', disabled: !hasNext },
    'Next',
  );
  prev.addEventListener('click', () => go(-1));
  next.addEventListener('click', () => go(1));
  return [prev, h('span', { class: 'muted' }, label), next];
}

/** Draws a resource page into `main`. */
export function resourcePage(main: HTMLElement, r: Resource): void {
  const notice = h('div', { class: 'notice', role: 'status', hidden: true });
  const list = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const pager = h('div', { class: 'toolbar' });
  const detail = h('div', {});
  let page = 1;
  // Cursor paging: the cursor each page was read with (the first: none).
  const cursors: Array<string | null> = [null];

  const url = () => {
    if (r.paged === 'cursor') {
      const at = cursors[page - 1];
      return `${r.path}?limit=50${at ? `&cursor=${encodeURIComponent(at)}` : ''}`;
    }
    return r.paged ? `${r.path}?page=${page}&per_page=50` : r.path;
  };

  const say = (text: string, error = false) => {
    notice.hidden = false;
    notice.className = error ? 'notice error' : 'notice';
    notice.replaceChildren(text);
  };

  const load = async () => {
    try {
      const answer = await api<Page | Record<string, unknown>[]>('GET', url());
      const rows = Array.isArray(answer) ? answer : (answer.data ?? []);
      const idField = r.idField === undefined ? 'id' : r.idField;
      const actions = (row: Record<string, unknown>) => {
        const buttons: Array<Node | string> = [];
        const view = h('button', { type: 'button', class: 'secondary small' }, 'View');
        view.addEventListener('click', () =>
          detail.replaceChildren(
            h(
              'div',
              { class: 'card' },
              h('h2', {}, String(row[idField ?? 'id'] ?? r.noun)),
              pre(row),
            ),
          ),
        );
        buttons.push(view);
        for (const extra of r.rowActions?.(row, load) ?? []) buttons.push(' ', extra);
        if (idField && row[idField] !== undefined) {
          buttons.push(
            ' ',
            confirmButton('Delete', 'Confirm delete', async () => {
              try {
                await api('DELETE', `${r.path}/${encodeURIComponent(String(row[idField]))}`);
                say(`Deleted ${r.noun} ${String(row[idField])}.`);
              } catch (err) {
                say(describe(err), true);
              }
              await load();
            }),
          );
        }
        return buttons;
      };
      // What the table shows of each row, and the row itself for its buttons.
      const shown = new Map(
        rows.map((row) => [r.display ? { ...row, ...r.display(row) } : row, row]),
      );
      list.replaceChildren(
        rows.length
          ? table(
              [...shown.keys()],
              r.columns.filter(([k]) => rows.some((row) => k in row)),
              (cells) => actions(shown.get(cells) ?? cells),
            )
          : h('div', { class: 'empty card' }, `No ${r.noun}s yet.`),
      );
      pager.replaceChildren();
      const go = (step: -1 | 1) => {
        page += step;
        void load();
      };
      if (Array.isArray(answer)) {
        // Not paged.
      } else if (r.paged === 'cursor') {
        if (answer.has_more && answer.cursor) cursors[page] = answer.cursor;
        if (page > 1 || answer.has_more) {
          pager.append(...pagerButtons(page > 1, Boolean(answer.has_more), `Page ${page}`, go));
        }
      } else if (answer.total !== undefined && answer.per_page) {
        const pages = Math.max(1, Math.ceil(answer.total / answer.per_page));
        pager.append(
          ...pagerButtons(
            page > 1,
            page < pages,
            `Page ${page} of ${pages} · ${answer.total} in all`,
            go,
          ),
        );
      }
    } catch (err) {
      list.replaceChildren(h('div', { class: 'notice error', role: 'alert' }, describe(err)));
    }
  };

  const refresh = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
  refresh.addEventListener('click', () => void load());
  const toolbar = h('div', { class: 'toolbar' }, refresh);
  const createCard = h('div', { class: 'card', hidden: true });
  if (r.create) {
    const make = r.create;
    const open = h('button', { type: 'button' }, `New ${r.noun}`);
    const field = h('textarea', {
      id: 'create-body',
      spellcheck: 'false',
      'aria-label': `New ${r.noun} (JSON)`,
    });
    const submit = h('button', { type: 'submit' }, `Create ${r.noun}`);
    const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
    const form = h(
      'form',
      {},
      h('h2', {}, `New ${r.noun}`),
      h(
        'p',
        { class: 'muted' },
        `The JSON body of POST ${r.path} (see /openapi.json for every field).`,
      ),
      field,
      h('div', { class: 'form-actions' }, submit, cancel),
    );
    createCard.append(form);
    open.addEventListener('click', () => {
      field.value = JSON.stringify(make(), null, 2);
      createCard.hidden = false;
      field.focus();
    });
    cancel.addEventListener('click', () => {
      createCard.hidden = true;
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      let body: unknown;
      try {
        body = JSON.parse(field.value);
      } catch (err) {
        say(`Not JSON: ${(err as Error).message}`, true);
        return;
      }
      submit.disabled = true;
      try {
        const answer = await api<Record<string, unknown>>('POST', r.path, body);
        createCard.hidden = true;
        say(r.created?.(answer) ?? `Created ${r.noun} ${String(answer?.id ?? answer?.key ?? '')}.`);
        await load();
      } catch (err) {
        say(describe(err), true);
      } finally {
        submit.disabled = false;
      }
    });
    toolbar.prepend(open);
  }
  main.replaceChildren(toolbar, notice, createCard, list, pager, detail);
  void load();
}
