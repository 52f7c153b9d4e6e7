/**
 * docs/events.md, made from the catalogue. A test keeps the committed file equal to what
 * renderEventsDoc returns, so the documented events cannot drift from the emitted ones.
 */
import type { TSchema } from '@sinclair/typebox';
import { markdownTable } from '../core/markdown.js';
import { listEvents } from './catalogue.js';

/** A field's type in a few words: the full schema is in GET /api/v1/webhooks/events. */
function typeWords(schema: TSchema): string {
  if (schema.anyOf) {
    const members = schema.anyOf as TSchema[];
    if (members.every((m) => m.const !== undefined)) return 'enum';
    return members.map(typeWords).join(' or ');
  }
  if (schema.type === 'string' && schema.format === 'date-time') return 'date-time';
  if (schema.type === 'array') return `array of ${typeWords(schema.items as TSchema)}`;
  return String(schema.type);
}

/** The payload's top-level fields, `name` type, optional ones marked with `?`. */
function fields(payload: TSchema): string {
  const properties = (payload.properties ?? {}) as Record<string, TSchema>;
  const required = new Set<string>(payload.required ?? []);
  const listed = Object.entries(properties).map(
    ([name, schema]) => `\`${name}${required.has(name) ? '' : '?'}\` ${typeWords(schema)}`,
  );
  return listed.length > 0 ? listed.join(', ') : '(none)';
}

/** docs/events.md: how events travel, then one row per catalogued event. */
export function renderEventsDoc(): string {
  const rows = listEvents().map((e) => [
    `\`${e.name}\``,
    e.module,
    e.description.replaceAll('|', '\\|'),
    fields(e.payload),
  ]);
  return [
    '# Events',
    '',
    '<!-- Generated from the event catalogue (src/events/catalogue.ts and each module’s',
    '     events.ts) by src/events/docs.ts: do not edit. To regenerate:',
    '     UPDATE_EVENT_DOCS=1 npx tap test/events/docs.test.ts -->',
    '',
    'Every event notifyd emits. Each travels as an envelope,',
    '`{"id": "evt_…", "type": "ratelimit.policy_created", "tenant_id": "acme", "created_at": "…", "data": {…}}`',
    '(`tenant_id` is null for something global), whose `data` has the payload fields below',
    '(`?`: may be absent). Webhooks subscribe to events by name or glob (`ratelimit.*`) and',
    'receive the envelope as the body; see “Webhooks” in the README.',
    '`GET /api/v1/webhooks/events` answers this list with each payload’s JSON Schema. New',
    'events and new payload fields may appear; existing ones keep their meaning.',
    '',
    ...markdownTable(['Event', 'Module', 'Description', 'Payload fields'], rows),
    '',
  ].join('\n');
}
