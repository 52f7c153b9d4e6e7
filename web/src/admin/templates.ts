/**
 * The template editor (#/templates/<key>): each channel's fields, in the default locale or a
 * locale variant, with a live preview rendered by the server against a sample payload
 * (POST /templates/render, unsaved); saving makes a new version; older versions can be
 * compared with the editor (a line diff) and restored.
 */

import { h } from '../shared/dom.js';
import { ApiError, api, describe } from './api.js';
import { cell, confirmButton } from './cells.js';
import { diffLines } from './diff.js';

type Fields = Record<string, unknown>;
type Channels = Record<string, Fields>;

interface Template {
  id: string;
  key: string;
  name: string;
  version: number;
  channels: Channels;
  locales: Record<string, Channels>;
  default_locale: string;
  variables: Array<{ name: string; default: unknown }>;
}

interface Version extends Template {
  current: boolean;
  created_at: string;
  restored_from: number | null;
}

/** Each channel's fields, in order; the first ones are required. */
const FIELDS: Record<string, { text: string[]; json: string[] }> = {
  in_app: {
    text: ['title', 'body', 'action_url', 'image_url', 'cta_text'],
    json: ['actions', 'data'],
  },
  push: { text: ['title', 'body', 'image', 'icon', 'url'], json: ['data'] },
  sms: { text: ['body'], json: [] },
  email: { text: ['subject', 'html', 'text'], json: [] },
  webhook: { text: [], json: ['body'] },
};
/** What a channel added here starts with (its required fields). */
const BLANK: Channels = {
  in_app: { title: '', body: '' },
  push: { title: '', body: '' },
  sms: { body: '' },
  email: { subject: '', html: '' },
  webhook: { body: {} },
};
const MULTILINE = new Set(['body', 'html', 'text']);

/** A payload with each declared variable's default, else its name in capitals. */
function samplePayload(t: Template): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const v of t.variables) out[v.name] = v.default ?? v.name.toUpperCase();
  return out;
}

/** The part of a template a version changes, as text for the diff. */
const contentText = (t: { channels: Channels; locales: Record<string, Channels> }) =>
  JSON.stringify({ channels: t.channels, locales: t.locales }, null, 2);

export function templatePage(main: HTMLElement, key: string): void {
  main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  api<Template>('GET', `/api/v1/templates/${encodeURIComponent(key)}`)
    .then((t) => editor(main, t))
    .catch((err) =>
      main.replaceChildren(
        h('p', {}, h('a', { href: '#/templates' }, '← Templates')),
        h('div', { class: 'notice error', role: 'alert' }, describe(err)),
      ),
    );
}

function editor(main: HTMLElement, saved: Template): void {
  let template = saved;
  const draft = {
    channels: structuredClone(saved.channels),
    locales: structuredClone(saved.locales ?? {}),
  };
  let channel = Object.keys(draft.channels)[0] ?? 'in_app';
  let locale = saved.default_locale;

  const status = h('div', { class: 'notice', role: 'status', hidden: true });
  const say = (text: string, error = false) => {
    status.hidden = false;
    status.className = error ? 'notice error' : 'notice';
    status.replaceChildren(text);
  };
  const heading = h('h2', {});
  const channelBar = h('div', { class: 'tabs', role: 'group', 'aria-label': 'Channel' });
  const localeSelect = h('select', { id: 'tpl-locale' });
  const fieldsBox = h('div', {});
  const payload = h('textarea', { id: 'tpl-payload', spellcheck: 'false', rows: '6' });
  payload.value = JSON.stringify(samplePayload(saved), null, 2);
  const preview = h('div', { class: 'preview', 'aria-live': 'polite' });
  const versions = h('div', {});
  const diffBox = h('div', {});

  /** The fields edited now: the default locale's, or the variant's (only what differs). */
  const editing = (): Fields => {
    if (locale === template.default_locale) return draft.channels[channel];
    draft.locales[locale] ??= {};
    draft.locales[locale][channel] ??= {};
    return draft.locales[locale][channel];
  };
  const base = (): Fields => draft.channels[channel] ?? {};

  // The live preview: the draft rendered by the server; a newer render wins.
  let renders = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const render = async () => {
    const mine = ++renders;
    let sample: unknown;
    try {
      sample = JSON.parse(payload.value || '{}');
    } catch (err) {
      preview.replaceChildren(
        h('p', { class: 'error' }, `Sample payload is not JSON: ${(err as Error).message}`),
      );
      return;
    }
    try {
      const answer = await api<{ locale: string; contents: Record<string, Fields> }>(
        'POST',
        '/api/v1/templates/render',
        {
          template: {
            channels: draft.channels,
            locales: pruned(draft.locales),
            default_locale: template.default_locale,
          },
          payload: sample,
          locale,
          channels: [channel],
        },
      );
      if (mine !== renders) return;
      const content = answer.contents[channel] ?? {};
      preview.replaceChildren(
        h('p', { class: 'muted' }, `${channel} in ${answer.locale}`),
        ...Object.entries(content).map(([name, value]) =>
          h(
            'div',
            { class: 'rendered' },
            h('div', { class: 'field-name' }, name),
            typeof value === 'string'
              ? h('div', { class: `field-value${MULTILINE.has(name) ? ' multi' : ''}` }, value)
              : h('pre', {}, JSON.stringify(value, null, 2)),
          ),
        ),
      );
    } catch (err) {
      if (mine !== renders) return;
      const where =
        err instanceof ApiError && err.details.line !== undefined
          ? ` (${String(err.details.field ?? '')} line ${String(err.details.line)}, column ${String(err.details.column)})`
          : '';
      preview.replaceChildren(h('p', { class: 'error', role: 'alert' }, describe(err) + where));
    }
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void render(), 250);
  };

  const drawFields = () => {
    const fields = editing();
    const defaults = base();
    const variant = locale !== template.default_locale;
    const spec = FIELDS[channel] ?? { text: [], json: [] };
    const controls: HTMLElement[] = [];
    for (const name of spec.text) {
      const id = `tpl-${channel}-${name}`;
      const input = MULTILINE.has(name)
        ? h('textarea', { id, spellcheck: 'false', rows: name === 'html' ? '8' : '3' })
        : h('input', { id, spellcheck: 'false', autocomplete: 'off' });
      input.value = typeof fields[name] === 'string' ? (fields[name] as string) : '';
      if (variant && typeof defaults[name] === 'string') {
        input.placeholder = `${defaults[name] as string} (default)`;
      }
      input.addEventListener('input', () => {
        const required = !variant && name in BLANK[channel];
        if (input.value === '' && !required) delete fields[name];
        else fields[name] = input.value;
        schedule();
      });
      controls.push(h('label', { for: id }, name), input);
    }
    for (const name of spec.json) {
      const id = `tpl-${channel}-${name}`;
      const input = h('textarea', { id, spellcheck: 'false', rows: '4' });
      input.value = fields[name] === undefined ? '' : JSON.stringify(fields[name], null, 2);
      const problem = h('p', { class: 'error' });
      input.addEventListener('input', () => {
        try {
          if (input.value.trim() === '') delete fields[name];
          else fields[name] = JSON.parse(input.value);
          problem.textContent = '';
          schedule();
        } catch (err) {
          problem.textContent = `Not JSON: ${(err as Error).message}`;
        }
      });
      controls.push(h('label', { for: id }, `${name} (JSON)`), input, problem);
    }
    fieldsBox.replaceChildren(
      variant
        ? h(
            'p',
            { class: 'muted' },
            `The ${locale} variant: a field left empty falls back to ${template.default_locale}.`,
          )
        : '',
      ...controls,
    );
  };

  const drawChannels = () => {
    const tabs = Object.keys(draft.channels).map((c) => {
      const b = h(
        'button',
        { type: 'button', class: 'tab', 'aria-pressed': c === channel ? 'true' : 'false' },
        c,
      );
      b.addEventListener('click', () => {
        channel = c;
        drawChannels();
        drawFields();
        schedule();
      });
      return b;
    });
    const missing = Object.keys(FIELDS).filter((c) => !(c in draft.channels));
    const add = h(
      'select',
      { 'aria-label': 'Add a channel' },
      h('option', { value: '' }, 'Add channel…'),
      ...missing.map((c) => h('option', { value: c }, c)),
    );
    add.addEventListener('change', () => {
      if (!add.value) return;
      draft.channels[add.value] = structuredClone(BLANK[add.value]);
      channel = add.value;
      drawChannels();
      drawFields();
      schedule();
    });
    channelBar.replaceChildren(...tabs, ...(missing.length ? [add] : []));
  };

  const drawLocales = () => {
    const all = [template.default_locale, ...Object.keys(draft.locales)];
    localeSelect.replaceChildren(
      ...all.map((l) =>
        h(
          'option',
          { value: l, selected: l === locale },
          l === template.default_locale ? `${l} (default)` : l,
        ),
      ),
    );
  };
  localeSelect.addEventListener('change', () => {
    locale = localeSelect.value;
    drawFields();
    schedule();
  });
  const newLocale = h('input', {
    id: 'tpl-new-locale',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'fr, pt-BR…',
  });
  const addLocale = h('button', { type: 'button', class: 'secondary small' }, 'Add locale');
  addLocale.addEventListener('click', () => {
    const l = newLocale.value.trim();
    if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/.test(l)) {
      say(`“${l}” is not a locale (fr, pt-BR…).`, true);
      return;
    }
    draft.locales[l] ??= {};
    locale = l;
    newLocale.value = '';
    drawLocales();
    drawFields();
    schedule();
  });
  payload.addEventListener('input', schedule);

  const save = h('button', { type: 'button' }, 'Save as a new version');
  save.addEventListener('click', async () => {
    save.disabled = true;
    try {
      template = await api<Template>(
        'PATCH',
        `/api/v1/templates/${encodeURIComponent(template.id)}`,
        {
          channels: draft.channels,
          locales: pruned(draft.locales),
          version: template.version,
        },
      );
      say(`Saved: version ${template.version}.`);
      drawHeading();
      await loadVersions();
    } catch (err) {
      say(describe(err), true);
    } finally {
      save.disabled = false;
    }
  });

  const drawHeading = () => {
    heading.textContent = `${template.name} · ${template.key} · version ${template.version}`;
  };

  const showDiff = (v: Version) => {
    const lines = diffLines(
      contentText(v),
      contentText({ channels: draft.channels, locales: pruned(draft.locales) }),
    );
    const changed = lines.some((l) => l.kind !== 'same');
    diffBox.replaceChildren(
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'diff-title' },
        h('h2', { id: 'diff-title' }, `Version ${v.version} → the editor`),
        changed
          ? h(
              'pre',
              { class: 'diff' },
              ...lines.map((l) =>
                h(
                  'span',
                  { class: l.kind },
                  `${l.kind === 'add' ? '+ ' : l.kind === 'del' ? '- ' : '  '}${l.text}\n`,
                ),
              ),
            )
          : h('p', { class: 'muted' }, 'No difference.'),
      ),
    );
  };

  const loadVersions = async () => {
    try {
      const page = await api<{ data: Version[] }>(
        'GET',
        `/api/v1/templates/${encodeURIComponent(template.id)}/versions?per_page=20`,
      );
      versions.replaceChildren(
        h(
          'ul',
          { class: 'versions' },
          ...page.data.map((v) => {
            const diff = h('button', { type: 'button', class: 'secondary small' }, 'Diff');
            diff.addEventListener('click', () => showDiff(v));
            const restore = v.current
              ? null
              : confirmButton('Restore', 'Confirm restore', async () => {
                  try {
                    await api(
                      'POST',
                      `/api/v1/templates/${encodeURIComponent(template.id)}/versions/${v.version}/activate`,
                      { expected_version: template.version },
                    );
                    say(`Version ${v.version} restored as a new version.`);
                    templatePage(main, template.id);
                  } catch (err) {
                    say(describe(err), true);
                  }
                });
            return h(
              'li',
              {},
              h('strong', {}, `v${v.version}`),
              v.current ? h('span', { class: 'pill good' }, 'current') : '',
              ' ',
              cell(v.created_at),
              v.restored_from ? ` (from v${v.restored_from})` : '',
              ' ',
              diff,
              restore ? ' ' : '',
              restore,
            );
          }),
        ),
      );
    } catch (err) {
      versions.replaceChildren(h('p', { class: 'error' }, describe(err)));
    }
  };

  drawHeading();
  drawChannels();
  drawLocales();
  drawFields();
  main.replaceChildren(
    h('p', {}, h('a', { href: '#/templates' }, '← Templates')),
    status,
    h(
      'div',
      { class: 'grid editor' },
      h(
        'section',
        { class: 'card', 'aria-label': 'Edit' },
        heading,
        channelBar,
        h(
          'div',
          { class: 'toolbar' },
          h('label', { for: 'tpl-locale', class: 'inline' }, 'Locale'),
          localeSelect,
          h('label', { for: 'tpl-new-locale', class: 'sr' }, 'New locale'),
          newLocale,
          addLocale,
        ),
        fieldsBox,
        h('div', { class: 'form-actions' }, save),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'preview-title' },
        h('h2', { id: 'preview-title' }, 'Preview'),
        h('label', { for: 'tpl-payload' }, 'Sample payload (JSON)'),
        payload,
        preview,
        h('h2', { class: 'spaced' }, 'Versions'),
        versions,
      ),
    ),
    diffBox,
  );
  void render();
  void loadVersions();
}

/** Locale variants without the channels left empty (an empty variant falls back whole). */
function pruned(locales: Record<string, Channels>): Record<string, Channels> {
  const out: Record<string, Channels> = {};
  for (const [l, variant] of Object.entries(locales)) {
    const kept: Channels = {};
    for (const [c, fields] of Object.entries(variant)) {
      if (Object.keys(fields).length > 0) kept[c] = fields;
    }
    out[l] = kept;
  }
  return out;
}
