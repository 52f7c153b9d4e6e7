import type {
  AccountApi,
  ChannelName,
  DigestConfig,
  NotificationPreferences,
  QuietHours,
} from '../client/index.js';
import { h } from '../shared/dom.js';
import type { InboxStrings } from './strings.js';

/** The days quiet hours and digests name, Monday first (the server's names). */
const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const FREQUENCIES = ['hourly', 'daily', 'weekly'] as const;
/** Channels shown when the element's `channels` attribute says nothing. */
export const DEFAULT_CHANNELS: ChannelName[] = ['in_app', 'email', 'push', 'sms'];

/** What the panel needs from the element, asked for at each draw (attributes may change). */
export interface PanelContext {
  api: AccountApi | null;
  strings: InboxStrings;
  locale: string;
  channels: ChannelName[];
  /** A prefix for ids unique to this element. */
  uid: string;
}

/** The day's name in the locale (2024-01-01 was a Monday). */
const dayName = (i: number, locale: string, width: 'short' | 'long') =>
  new Date(Date.UTC(2024, 0, 1 + i)).toLocaleDateString(locale, {
    weekday: width,
    timeZone: 'UTC',
  });

const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** The message of a refused request (the API's), else the error's. */
const reasonOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The preferences panel inside the dropdown: a switch per category and channel (the user's
 * `/me/preferences`, saved at once with `PUT /me/preferences/categories/{id}`), mandatory
 * categories locked, and a form for quiet hours and the digest (`PUT /me/preferences`).
 */
export class PreferencesPanel {
  /** The panel's root; the element shows it instead of the feed. */
  readonly el: HTMLElement;
  private readonly status: HTMLElement;
  private readonly body: HTMLElement;
  private prefs: NotificationPreferences | null = null;
  private failed = false;
  private generation = 0;

  /** `extra`: drawn below the preferences (the web push opt-in). */
  constructor(
    private readonly context: () => PanelContext,
    extra: HTMLElement,
  ) {
    this.status = h('p', { class: 'prefs-status', role: 'status', 'aria-live': 'polite' });
    this.body = h('div', { class: 'prefs-body' });
    this.el = h('section', { class: 'prefs', part: 'preferences', hidden: true }, this.body);
    this.el.append(this.status, extra);
  }

  /** Asks the server for the preferences and draws them. */
  async load(): Promise<void> {
    const { api } = this.context();
    const generation = ++this.generation;
    this.prefs = null;
    this.failed = false;
    this.status.textContent = '';
    this.draw();
    if (!api) return;
    try {
      const prefs = await api.preferences();
      if (generation !== this.generation) return;
      this.prefs = prefs;
    } catch {
      if (generation !== this.generation) return;
      this.failed = true;
    }
    this.draw();
  }

  /** Forgets what was loaded (the user or server changed). */
  reset(): void {
    this.generation++;
    this.prefs = null;
    this.failed = false;
    this.status.textContent = '';
  }

  /** Draws the panel again (the locale or the channels changed). */
  draw(): void {
    const { strings: t, api } = this.context();
    if (!api) {
      this.body.replaceChildren(h('p', { class: 'state' }, t.signedOut));
      return;
    }
    if (this.failed) {
      const retry = h('button', { type: 'button', class: 'link' }, t.retry);
      retry.addEventListener('click', () => void this.load());
      this.body.replaceChildren(
        h('p', { class: 'state', 'data-state': 'error' }, t.preferencesError, ' ', retry),
      );
      return;
    }
    if (!this.prefs) {
      this.body.replaceChildren(h('p', { class: 'state', 'data-state': 'loading' }, t.loading));
      return;
    }
    this.body.replaceChildren(this.matrix(this.prefs), this.schedule(this.prefs));
  }

  /** The table of switches: one row per category, one column per channel. */
  private matrix(prefs: NotificationPreferences): HTMLElement {
    const { strings: t, channels, uid } = this.context();
    const hintId = `${uid}-required`;
    const head = h(
      'tr',
      {},
      h('th', { scope: 'col' }, t.category),
      ...channels.map((c) => h('th', { scope: 'col' }, t.channel[c] ?? c)),
    );
    const rows: HTMLElement[] = [];
    // The channel-wide switches: off here, off in every category.
    rows.push(
      h(
        'tr',
        { class: 'all', 'data-category': '*' },
        h('th', { scope: 'row' }, t.allCategories),
        ...channels.map((c) => {
          const on = prefs.channels[c]?.enabled ?? true;
          return h(
            'td',
            {},
            this.switchFor(t.allCategories, c, on, false, (v) => this.setChannel(c, v)),
          );
        }),
      ),
    );
    const categories = Object.entries(prefs.categories);
    for (const [id, cat] of categories) {
      const name = cat.name ?? id;
      const locked = cat.is_mandatory === true;
      rows.push(
        h(
          'tr',
          { 'data-category': id, class: locked ? 'locked' : undefined },
          h(
            'th',
            { scope: 'row' },
            h('span', { class: 'name' }, name),
            locked
              ? h('span', { class: 'lock', part: 'locked', title: t.requiredHint }, t.required)
              : null,
            cat.description ? h('span', { class: 'hint' }, cat.description) : null,
          ),
          ...channels.map((c) => {
            const globalOff = prefs.channels[c]?.enabled === false;
            const on = !cat.is_muted && cat.channels[c] === true;
            const input = this.switchFor(name, c, on, locked || globalOff, (v) =>
              this.setCategory(id, c, v),
            );
            if (locked) input.setAttribute('aria-describedby', hintId);
            return h('td', {}, input);
          }),
        ),
      );
    }
    const table = h(
      'table',
      { class: 'matrix', part: 'preferences-table' },
      h('caption', {}, t.channelsPerCategory),
      h('thead', {}, head),
      h('tbody', {}, ...rows),
    );
    return h(
      'div',
      { class: 'matrix-wrap' },
      table,
      categories.length === 0 ? h('p', { class: 'hint' }, t.noCategories) : null,
      categories.some(([, c]) => c.is_mandatory)
        ? h('p', { class: 'hint', id: hintId }, t.requiredHint)
        : null,
    );
  }

  private switchFor(
    rowName: string,
    channel: string,
    on: boolean,
    disabled: boolean,
    change: (on: boolean) => Promise<void>,
  ): HTMLInputElement {
    const { strings: t } = this.context();
    const input = h('input', {
      type: 'checkbox',
      role: 'switch',
      class: 'switch',
      part: 'switch',
      'data-channel': channel,
      'aria-label': `${rowName}: ${t.channel[channel] ?? channel}`,
      checked: on,
      disabled,
    });
    input.addEventListener('change', () => {
      const wanted = input.checked;
      input.disabled = true;
      change(wanted).catch((err) => {
        input.checked = !wanted;
        input.disabled = false;
        this.say(t.saveFailed(reasonOf(err)), true);
      });
    });
    return input;
  }

  private async setCategory(id: string, channel: ChannelName, on: boolean): Promise<void> {
    const { api } = this.context();
    const prefs = this.prefs;
    if (!api || !prefs) return;
    const current = prefs.categories[id];
    // A muted category turned back on: unmuted, with only the switch asked for on.
    const channels = current?.is_muted
      ? Object.fromEntries(this.context().channels.map((c) => [c, c === channel && on]))
      : { [channel]: on };
    const answer = await api.updateCategoryPreference(id, {
      channels,
      ...(current?.is_muted ? { is_muted: false } : {}),
    });
    prefs.categories[id] = { ...current, ...answer };
    this.savedAndRedrawn();
  }

  private async setChannel(channel: ChannelName, on: boolean): Promise<void> {
    const { api } = this.context();
    if (!api) return;
    this.prefs = await api.updatePreferences({
      channels: { [channel]: { enabled: on } } as NotificationPreferences['channels'],
    });
    this.savedAndRedrawn();
  }

  private savedAndRedrawn(): void {
    const { strings: t } = this.context();
    // Keep focus on the switch the user pressed across the redraw.
    const active = (this.el.getRootNode() as ShadowRoot).activeElement as HTMLElement | null;
    const row = active?.closest('tr')?.getAttribute('data-category');
    const channel = active?.getAttribute('data-channel');
    this.draw();
    if (row && channel) {
      this.el
        .querySelector<HTMLElement>(
          `tr[data-category="${CSS.escape(row)}"] input[data-channel="${CSS.escape(channel)}"]`,
        )
        ?.focus();
    }
    this.say(t.saved, false);
  }

  /** Quiet hours and the digest, saved together. */
  private schedule(prefs: NotificationPreferences): HTMLElement {
    const { strings: t, locale, uid } = this.context();
    const quiet: Partial<QuietHours> = prefs.quiet_hours ?? {};
    const digest: Partial<DigestConfig> = prefs.digest ?? {};
    const id = (name: string) => `${uid}-${name}`;
    const labelled = (name: string, text: string, control: HTMLElement) =>
      h('div', { class: 'field' }, h('label', { for: id(name) }, text), control);

    const zones =
      typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
    const zone = h('input', {
      id: id('zone'),
      name: 'timezone',
      list: id('zones'),
      autocomplete: 'off',
      spellcheck: 'false',
      required: true,
      value: quiet.timezone ?? (digest.enabled ? digest.timezone : undefined) ?? browserZone(),
    });
    const zoneList = h(
      'datalist',
      { id: id('zones') },
      ...zones.map((z) => h('option', { value: z })),
    );

    const quietOn = h('input', {
      type: 'checkbox',
      id: id('quiet'),
      name: 'quiet',
      checked: quiet.enabled === true,
    });
    const start = h('input', {
      type: 'time',
      id: id('start'),
      name: 'start',
      required: true,
      value: quiet.start_time ?? '22:00',
    });
    const end = h('input', {
      type: 'time',
      id: id('end'),
      name: 'end',
      required: true,
      value: quiet.end_time ?? '07:00',
    });
    const days = new Set(quiet.days ?? DAYS);
    const dayBoxes = DAYS.map((d, i) =>
      h(
        'label',
        { class: 'day', title: dayName(i, locale, 'long') },
        h('input', {
          type: 'checkbox',
          name: 'day',
          value: d,
          checked: days.has(d),
          'aria-label': dayName(i, locale, 'long'),
        }),
        h('span', { 'aria-hidden': 'true' }, dayName(i, locale, 'short')),
      ),
    );

    const digestOn = h('input', {
      type: 'checkbox',
      id: id('digest'),
      name: 'digest',
      checked: digest.enabled === true,
    });
    const frequency = h(
      'select',
      { id: id('frequency'), name: 'frequency' },
      ...FREQUENCIES.map((f) =>
        h('option', { value: f, selected: (digest.frequency ?? 'daily') === f }, t.frequencies[f]),
      ),
    );
    const at = h('input', {
      type: 'time',
      id: id('at'),
      name: 'at',
      required: true,
      value: digest.delivery_time ?? '09:00',
    });
    const day = h(
      'select',
      { id: id('day'), name: 'delivery_day' },
      ...DAYS.map((d, i) =>
        h(
          'option',
          { value: d, selected: (digest.delivery_day ?? 'monday') === d },
          dayName(i, locale, 'long'),
        ),
      ),
    );
    const dayField = labelled('day', t.on, day);
    const syncDigest = () => {
      dayField.hidden = frequency.value !== 'weekly';
    };
    frequency.addEventListener('change', syncDigest);
    syncDigest();

    const save = h('button', { type: 'submit', class: 'save', part: 'save' }, t.save);
    const form = h(
      'form',
      { class: 'schedule', novalidate: false },
      labelled('zone', t.timeZone, zone),
      zoneList,
      h(
        'fieldset',
        { class: 'quiet' },
        h('legend', {}, t.quietHours),
        h('div', { class: 'check' }, quietOn, h('label', { for: id('quiet') }, t.quietEnabled)),
        h('div', { class: 'row' }, labelled('start', t.from, start), labelled('end', t.to, end)),
        h('fieldset', { class: 'days' }, h('legend', {}, t.days), ...dayBoxes),
      ),
      h(
        'fieldset',
        { class: 'digest' },
        h('legend', {}, t.digest),
        h('div', { class: 'check' }, digestOn, h('label', { for: id('digest') }, t.digestEnabled)),
        h(
          'div',
          { class: 'row' },
          labelled('frequency', t.frequency, frequency),
          labelled('at', t.at, at),
          dayField,
        ),
      ),
      save,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const chosen = dayBoxes
        .map((l) => l.querySelector('input')!)
        .filter((i) => i.checked)
        .map((i) => i.value);
      if (quietOn.checked && chosen.length === 0) {
        this.say(t.pickADay, true);
        return;
      }
      const timezone = zone.value.trim();
      const update = {
        quiet_hours: {
          enabled: quietOn.checked,
          start_time: start.value,
          end_time: end.value,
          timezone,
          ...(chosen.length < DAYS.length ? { days: chosen } : {}),
        },
        digest: {
          enabled: digestOn.checked,
          frequency: frequency.value as DigestConfig['frequency'],
          delivery_time: at.value,
          delivery_day: day.value,
          timezone,
        },
      };
      save.disabled = true;
      this.context()
        .api?.updatePreferences(update)
        .then((prefs) => {
          this.prefs = prefs;
          this.say(t.saved, false);
        })
        .catch((err) => this.say(t.saveFailed(reasonOf(err)), true))
        .finally(() => {
          save.disabled = false;
        });
    });
    return form;
  }

  private say(text: string, error: boolean): void {
    this.status.textContent = text;
    this.status.dataset.error = String(error);
  }
}
