/**
 * A subscriber's page (#/subscribers/<id>): the profile, the preferences as the routing reads
 * them (each channel and category, quiet hours, digest), and the devices push goes to.
 */

import { h } from '../shared/dom.js';
import { api, describe } from './api.js';
import { cell, pre, table } from './cells.js';

interface Preferences {
  global_enabled: boolean;
  channels: Record<string, { enabled: boolean; delivery_schedule: string }>;
  categories: Record<string, { enabled?: boolean; channels?: Record<string, boolean> }>;
  quiet_hours: unknown;
  digest: { enabled: boolean } & Record<string, unknown>;
}

const enc = encodeURIComponent;
const back = () => h('p', {}, h('a', { href: '#/subscribers' }, '← Subscribers'));
const card = (title: string, ...body: Array<Node | string>) =>
  h('section', { class: 'card', 'aria-label': title }, h('h2', {}, title), ...body);

export function subscriberPage(main: HTMLElement, id: string): void {
  main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  const base = `/api/v1/subscribers/${enc(id)}`;
  Promise.all([
    api<Record<string, unknown>>('GET', base),
    api<Preferences>('GET', `${base}/preferences`),
    api<{ data: Record<string, unknown>[] }>('GET', `${base}/devices`),
  ])
    .then(([subscriber, prefs, devices]) => {
      const profile = ['email', 'phone', 'name', 'locale', 'timezone', 'created_at', 'updated_at']
        .filter((k) => subscriber[k] !== null && subscriber[k] !== undefined)
        .map((k) => ({ field: k, value: subscriber[k] }));
      const channels = Object.entries(prefs.channels).map(([channel, p]) => ({
        channel,
        enabled: p.enabled,
        schedule: p.delivery_schedule,
      }));
      const categories = Object.entries(prefs.categories).map(([category, p]) => ({
        category,
        enabled: p.enabled ?? true,
        channels: Object.entries(p.channels ?? {})
          .map(([c, on]) => `${c} ${on ? 'on' : 'off'}`)
          .join(', '),
      }));
      main.replaceChildren(
        back(),
        card(
          'Profile',
          table(profile, [
            ['field', 'Field'],
            ['value', 'Value'],
          ]),
          subscriber.data ? pre(subscriber.data) : '',
        ),
        card(
          'Preferences',
          h(
            'p',
            {},
            'Notifications ',
            cell(prefs.global_enabled ? 'on' : 'off'),
            prefs.global_enabled ? '' : ' (every channel off but mandatory categories)',
          ),
          table(channels, [
            ['channel', 'Channel'],
            ['enabled', 'Enabled'],
            ['schedule', 'Delivery'],
          ]),
          categories.length
            ? table(categories, [
                ['category', 'Category'],
                ['enabled', 'Enabled'],
                ['channels', 'Channels'],
              ])
            : h('p', { class: 'muted' }, 'No category set apart: the defaults apply.'),
          h('h3', {}, 'Quiet hours'),
          prefs.quiet_hours ? pre(prefs.quiet_hours) : h('p', { class: 'muted' }, 'None.'),
          h('h3', {}, 'Digest'),
          prefs.digest.enabled ? pre(prefs.digest) : h('p', { class: 'muted' }, 'Off.'),
        ),
        card(
          'Devices',
          devices.data.length
            ? table(devices.data, [
                ['kind', 'Kind'],
                ['id', 'ID'],
                ['active', 'Active'],
                ['last_used_at', 'Last used'],
                ['failure_count', 'Failures'],
              ])
            : h('p', { class: 'muted' }, 'No device registered.'),
        ),
      );
    })
    .catch((err) =>
      main.replaceChildren(
        back(),
        h('div', { class: 'notice error', role: 'alert' }, describe(err)),
      ),
    );
}
