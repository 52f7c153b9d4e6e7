/**
 * A template's content: normalising what the API takes (the array form, variables), checking
 * that every field parses, and rendering the channels in a locale with a payload.
 */
import { NotifydError } from '../core/errors.js';
import type { RenderedContent } from '../notifications/channels.js';
import type { FieldRef, Mode, TemplateEngine } from './engine.js';
import type {
  ChannelTemplates,
  LocaleVariant,
  TemplateChannel,
  TemplateVariableDoc,
  TemplateVariableInput,
} from './schemas.js';
import { TEMPLATE_CHANNELS } from './schemas.js';
import { htmlToText, textToHtml } from './text.js';
import { checkVariables } from './variables.js';

/** What rendering needs of a template (a stored version, or an unsaved draft). */
export interface TemplateContent {
  channels: ChannelTemplates;
  locales: Record<string, LocaleVariant>;
  default_locale: string;
  variables: TemplateVariableDoc[];
}

/** A channel's fields as a flat record (values are Liquid, or nested for webhook/actions). */
type Fields = Record<string, unknown>;

/** How deep a JSON field (a webhook body, in-app data) may nest. */
export const MAX_BODY_DEPTH = 16;
/** How many strings (each Liquid) one JSON field may hold. */
export const MAX_JSON_STRINGS = 1000;

function invalid(field: string, message: string): NotifydError {
  return new NotifydError('VALIDATION_ERROR', `${field} ${message}`, {
    issues: [{ field, message }],
  });
}

/** `channels` as stored: keyed by channel (the array form `[{channel, …}]` converted). */
export function normaliseChannels(
  input: ChannelTemplates | ReadonlyArray<{ channel: TemplateChannel } & Fields>,
): ChannelTemplates {
  if (!Array.isArray(input)) return input as ChannelTemplates;
  const out: Record<string, Fields> = {};
  for (const { channel, ...fields } of input) {
    if (out[channel]) throw invalid('body.channels', `names the channel ${channel} twice`);
    out[channel] = fields;
  }
  return out as ChannelTemplates;
}

/** Variables as stored: `default_value` read as `default`, type string unless said. */
export function normaliseVariables(input: readonly TemplateVariableInput[]): TemplateVariableDoc[] {
  const seen = new Set<string>();
  return input.map((v, i) => {
    if (seen.has(v.name)) throw invalid(`body.variables.${i}.name`, `repeats ${v.name}`);
    seen.add(v.name);
    const fallback = v.default !== undefined ? v.default : v.default_value;
    return {
      name: v.name,
      type: v.type ?? 'string',
      required: v.required ?? false,
      default: fallback === undefined ? null : fallback,
      description: v.description ?? null,
    };
  });
}

/** The channels a template has content for, in the catalogue's order. */
export function channelsOf(content: Pick<TemplateContent, 'channels'>): TemplateChannel[] {
  return TEMPLATE_CHANNELS.filter((c) => content.channels[c] !== undefined);
}

const modeOf = (channel: TemplateChannel, field: string): Mode =>
  channel === 'email' && field === 'html' ? 'html' : 'text';

/** Each Liquid text of a channel's fields, with its path (`title`, `actions.0.label`, `body.a`). */
function* sources(channel: TemplateChannel, fields: Fields): Generator<[string, string]> {
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (isJson(channel, name)) yield* jsonStrings(channel, value, name);
    else if (name === 'actions' && Array.isArray(value)) {
      for (const [i, action] of value.entries()) {
        const a = action as { label?: string; url?: string };
        if (a.label !== undefined) yield [`actions.${i}.label`, a.label];
        if (a.url !== undefined) yield [`actions.${i}.url`, a.url];
      }
    } else if (name === 'data' && value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) yield [`data.${k}`, v as string];
    } else if (typeof value === 'string') yield [name, value];
  }
}

/** The fields that are JSON with Liquid strings at any depth, not one Liquid text. */
const isJson = (channel: TemplateChannel, field: string) =>
  (channel === 'webhook' && field === 'body') || (channel === 'in_app' && field === 'data');

/** Each string of a JSON field with its path; too deep or too many strings is refused. */
function* jsonStrings(
  channel: TemplateChannel,
  value: unknown,
  field: string,
): Generator<[string, string]> {
  let count = 0;
  function* walk(v: unknown, path: string, depth: number): Generator<[string, string]> {
    if (depth > MAX_BODY_DEPTH) {
      throw invalid(`${channel}.${path}`, `nests deeper than ${MAX_BODY_DEPTH} levels`);
    }
    if (typeof v === 'string') {
      if (++count > MAX_JSON_STRINGS) {
        throw invalid(`${channel}.${field}`, `holds more than ${MAX_JSON_STRINGS} strings`);
      }
      yield [path, v];
    } else if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) yield* walk(x, `${path}.${i}`, depth + 1);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) yield* walk(x, `${path}.${k}`, depth + 1);
    }
  }
  yield* walk(value, field, 0);
}

/**
 * Checks a template's content before it is saved: the email has a part, locale variants
 * only vary channels the template has, and every field parses (400 TEMPLATE_SYNTAX_ERROR
 * with the line and column otherwise).
 */
export async function checkContent(
  engine: TemplateEngine,
  content: TemplateContent,
): Promise<void> {
  const email = content.channels.email;
  if (email && email.html === undefined && email.text === undefined) {
    throw invalid('body.channels.email', 'needs an html or a text part');
  }
  for (const [locale, variant] of Object.entries(content.locales)) {
    for (const channel of TEMPLATE_CHANNELS) {
      if (variant[channel] !== undefined && content.channels[channel] === undefined) {
        throw invalid(
          `body.locales.${locale}.${channel}`,
          `varies a channel the template has no content for`,
        );
      }
    }
  }
  for (const [locale, channels] of [
    [null, content.channels],
    ...Object.entries(content.locales),
  ] as Array<[string | null, Record<string, Fields | undefined>]>) {
    for (const channel of TEMPLATE_CHANNELS) {
      const fields = channels[channel];
      if (!fields) continue;
      for (const [field, source] of sources(channel, fields)) {
        await engine.compile(source, modeOf(channel, field), { channel, field, locale });
      }
    }
  }
}

/** The variant to render for `asked` (`pt-BR`, then `pt`), else the default locale's (null). */
export function pickLocale(
  content: Pick<TemplateContent, 'locales' | 'default_locale'>,
  asked: string | null | undefined,
): { locale: string; variant: LocaleVariant | null } {
  const byLower = new Map(Object.keys(content.locales).map((l) => [l.toLowerCase(), l]));
  const parts = (asked ?? '').toLowerCase().split('-');
  for (let n = parts.length; n > 0 && parts[0]; n--) {
    const tag = parts.slice(0, n).join('-');
    if (tag === content.default_locale.toLowerCase()) break;
    const found = byLower.get(tag);
    if (found) return { locale: found, variant: content.locales[found] ?? null };
  }
  return { locale: content.default_locale, variant: null };
}

/** The fields of a channel in a locale: the variant's where given, the default's otherwise. */
function mergedFields(
  content: TemplateContent,
  variant: LocaleVariant | null,
  channel: TemplateChannel,
): Fields {
  return { ...(content.channels[channel] as Fields), ...((variant?.[channel] as Fields) ?? {}) };
}

/** What one render produced. */
export interface Rendering {
  locale: string;
  channels: TemplateChannel[];
  contents: RenderedContent;
}

/**
 * Renders the channels asked (default: all the template has) in the locale asked (with
 * fallback), after checking the payload against the variables (defaults filled in).
 */
export async function renderContent(
  engine: TemplateEngine,
  content: TemplateContent,
  payload: Record<string, unknown>,
  options: { locale?: string | null; channels?: readonly string[] } = {},
): Promise<Rendering> {
  const own = channelsOf(content);
  const channels = options.channels ? own.filter((c) => options.channels?.includes(c)) : own;
  const { locale, variant } = pickLocale(content, options.locale);
  const scope = await checkVariables(content.variables, payload, async (name) => {
    for (const channel of channels) {
      for (const [field, source] of sources(channel, mergedFields(content, variant, channel))) {
        const compiled = await engine.compile(source, modeOf(channel, field), { channel, field });
        if ((await engine.variables(compiled)).includes(name)) return channel;
      }
    }
    return null;
  });
  const contents: Record<string, unknown> = {};
  for (const channel of channels) {
    const fields = mergedFields(content, variant, channel);
    const field = async (name: string, source: string) => {
      const ref: FieldRef = { channel, field: name, locale: variant ? locale : null };
      const mode = modeOf(channel, name);
      return engine.render(await engine.compile(source, mode, ref), mode, scope, ref);
    };
    contents[channel] = await renderChannel(channel, fields, field);
  }
  return { locale, channels, contents: contents as RenderedContent };
}

type Render = (field: string, source: string) => Promise<string>;

async function optional(
  out: Record<string, unknown>,
  fields: Fields,
  names: readonly string[],
  render: Render,
): Promise<void> {
  for (const name of names) {
    const source = fields[name];
    if (typeof source !== 'string') continue;
    const value = await render(name, source);
    if (value !== '') out[name] = value;
  }
}

async function renderChannel(
  channel: TemplateChannel,
  fields: Fields,
  render: Render,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  switch (channel) {
    case 'in_app': {
      out.title = await render('title', fields.title as string);
      out.body = await render('body', fields.body as string);
      await optional(out, fields, ['action_url', 'image_url', 'cta_text'], render);
      if (fields.data !== undefined) out.data = await renderJson(fields.data, 'data', render);
      const actions = fields.actions as Array<Record<string, string>> | undefined;
      if (actions) {
        const rendered = [];
        for (const [i, a] of actions.entries()) {
          const action: Record<string, string> = {
            id: a.id as string,
            label: await render(`actions.${i}.label`, a.label as string),
            type: a.type as string,
          };
          // Like an optional field, a url that renders empty is left out: an action with
          // `url: ""` would send the user nowhere (`{{ tracking_url }}` with none given).
          const url = a.url === undefined ? '' : await render(`actions.${i}.url`, a.url);
          if (url !== '') action.url = url;
          if (a.callback_key !== undefined) action.callback_key = a.callback_key;
          rendered.push(action);
        }
        out.actions = rendered;
      }
      return out;
    }
    case 'push': {
      out.title = await render('title', fields.title as string);
      out.body = await render('body', fields.body as string);
      await optional(out, fields, ['image', 'icon', 'url'], render);
      const data = fields.data as Record<string, string> | undefined;
      if (data) {
        const rendered: Record<string, string> = {};
        for (const [k, v] of Object.entries(data)) rendered[k] = await render(`data.${k}`, v);
        out.data = rendered;
      }
      return out;
    }
    case 'sms':
      return { body: await render('body', fields.body as string) };
    case 'email': {
      const subject = await render('subject', fields.subject as string);
      const html = typeof fields.html === 'string' ? await render('html', fields.html) : null;
      const text = typeof fields.text === 'string' ? await render('text', fields.text) : null;
      return {
        subject,
        html: html ?? textToHtml(text ?? ''),
        text: text ?? htmlToText(html ?? ''),
      };
    }
    case 'webhook':
      return { body: await renderJson(fields.body, 'body', render) };
  }
}

async function renderJson(value: unknown, path: string, render: Render): Promise<unknown> {
  if (typeof value === 'string') return render(path, value);
  if (Array.isArray(value)) {
    const out = [];
    for (const [i, v] of value.entries()) out.push(await renderJson(v, `${path}.${i}`, render));
    return out;
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = await renderJson(v, `${path}.${k}`, render);
    return out;
  }
  return value;
}
