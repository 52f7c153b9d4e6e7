/**
 * The built-in digest template (Liquid), used unless `digests.template` names a stored one,
 * and the payload a digest template is rendered with.
 */
import type { TemplateContent } from '../templates/content.js';
import { type BucketData, groupSummary } from './bucket.js';

const HEADING = '{{ count }} new notification{% if count != 1 %}s{% endif %}';
const SUMMARY = '{{ summaries | join: "; " }}';

/** The default digest: a line per group or item by category, the latest items, a link. */
export const DEFAULT_DIGEST_TEMPLATE: TemplateContent = {
  default_locale: 'en',
  locales: {},
  variables: [],
  channels: {
    in_app: { title: HEADING, body: SUMMARY, action_url: '{{ link }}' },
    push: { title: HEADING, body: SUMMARY },
    sms: { body: `${HEADING}: ${SUMMARY}` },
    email: {
      subject: `Your digest: ${HEADING}`,
      html: [
        `<h1>${HEADING}</h1>`,
        '{% for c in categories %}<h2>{{ c.name }} ({{ c.count }})</h2>',
        '<ul>{% for s in c.summaries %}<li>{{ s }}</li>{% endfor %}</ul>{% endfor %}',
        '<h2>Latest</h2><ul>{% for i in items %}<li>',
        '{% if i.action_url != "" %}<a href="{{ i.action_url }}">{{ i.title }}</a>{% else %}{{ i.title }}{% endif %}',
        '{% if i.body != "" %}: {{ i.body }}{% endif %}</li>{% endfor %}</ul>',
        '{% if more > 0 %}<p>and {{ more }} more</p>{% endif %}',
        '{% if link != "" %}<p><a href="{{ link }}">See all notifications</a></p>{% endif %}',
      ].join('\n'),
    },
  } as TemplateContent['channels'],
};

/** Who the digest is for, as its template sees them. */
export interface DigestRecipient {
  id: string;
  name: string | null;
  email: string | null;
}

/**
 * The payload of a digest template: `count`, `more` (items not listed), `window_end`,
 * `frequency`, `link`, `subscriber`, `summaries` (one line per group or ungrouped item),
 * `categories` (`name`, `count`, `summaries`, `items`) and `items` (the latest, newest first:
 * `title`, `body`, `action_url`, `category`, `created_at`).
 */
export function digestPayload(
  b: BucketData,
  subscriber: DigestRecipient,
  frequency: string,
  link: string,
): Record<string, unknown> {
  const items = b.items.map((i) => ({
    title: i.title,
    body: i.body,
    action_url: i.action_url ?? '',
    category: i.category,
    group_key: i.group_key ?? '',
    created_at: new Date(i.created_at).toISOString(),
  }));
  const categories = Object.entries(b.by_category)
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
    .map(([name, count]) => {
      const groups = b.groups.filter((g) => g.category === name);
      const ungrouped = items.filter((i) => i.category === name && i.group_key === '');
      return {
        name,
        count,
        summaries: [...groups.map(groupSummary), ...ungrouped.map((i) => i.title)],
        items: items.filter((i) => i.category === name),
      };
    });
  return {
    count: b.count,
    more: Math.max(0, b.count - items.length),
    window_end: new Date(b.window_end).toISOString(),
    frequency,
    link,
    subscriber: { id: subscriber.id, name: subscriber.name ?? '', email: subscriber.email ?? '' },
    summaries: categories.flatMap((c) => c.summaries),
    categories,
    items,
  };
}
