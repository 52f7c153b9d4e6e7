/**
 * Liquid, bounded. liquidjs is loaded on first use (`await import`), never at start: a
 * daemon that renders no template does not pay for it. Every parse and render runs within
 * the templates.* limits (source length, render time, allocations, output length), and no
 * template reaches the file system (`include`, `render` and `layout` are refused at parse).
 */
import type { Liquid, Template } from 'liquidjs';
import { NotifydError } from '../core/errors.js';
import type { TemplateOptions } from './options.js';

/** How a field is rendered: as text, or as HTML with every output escaped unless marked safe. */
export type Mode = 'text' | 'html';

/** Where a template field sits, for errors: channel, field, locale. */
export interface FieldRef {
  channel: string;
  field: string;
  locale?: string | null;
}

type LiquidModule = typeof import('liquidjs');

interface Engines {
  mod: LiquidModule;
  text: Liquid;
  html: Liquid;
}

/** Thrown by the bounded emitter when output passes templates.max_output_chars. */
class OutputTooLong extends Error {}

/** What liquidjs writes (as its own `stringify`): drops by their value, arrays joined. */
function textOf(value: unknown, toValue: (v: unknown) => unknown): string {
  const v = toValue(value);
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map((x) => textOf(x, toValue)).join('');
  return String(v);
}

/** An emitter that stops rendering once its output passes the limit. */
class BoundedEmitter {
  buffer = '';
  constructor(
    private readonly limit: number,
    private readonly toValue: (v: unknown) => unknown,
  ) {}
  write(html: unknown): void {
    this.buffer += textOf(html, this.toValue);
    if (this.buffer.length > this.limit) throw new OutputTooLong();
  }
}

const NO_FILES = 'templates cannot include other files';

/** A tag refused at parse time (includes, layouts). */
const refusedTag = {
  parse() {
    throw new Error(NO_FILES);
  },
  render() {
    return '';
  },
};

/** The message of a liquidjs error without its trailing `, line:1, col:2`. */
function reasonOf(err: Error): string {
  return err.message.replace(/, line:\d+, col:\d+$/, '');
}

function positionOf(err: unknown): { line: number | null; column: number | null } {
  const token = (err as { token?: { getPosition?: () => [number, number] } }).token;
  const pos = token?.getPosition?.();
  return pos ? { line: pos[0], column: pos[1] } : { line: null, column: null };
}

function where(ref: FieldRef): Record<string, unknown> {
  return {
    channel: ref.channel,
    field: ref.field,
    ...(ref.locale ? { locale: ref.locale } : {}),
  };
}

/** Compiles and renders Liquid within bounds; compiled fields are cached by their text. */
export class TemplateEngine {
  private loading: Promise<Engines> | null = null;
  private readonly cache = new Map<string, Template[]>();

  constructor(private readonly options: TemplateOptions) {}

  /** Whether liquidjs has been loaded (it is, after the first parse or render). */
  get loaded(): boolean {
    return this.loading !== null;
  }

  private engines(): Promise<Engines> {
    this.loading ??= import('liquidjs').then((mod) => ({
      mod,
      text: this.create(mod, false),
      html: this.create(mod, true),
    }));
    return this.loading;
  }

  private create(mod: LiquidModule, html: boolean): Liquid {
    const o = this.options;
    const liquid = new mod.Liquid({
      strictVariables: true,
      strictFilters: true,
      ownPropertyOnly: true,
      // An in-memory (empty) file system: nothing on disk is ever read.
      templates: {},
      parseLimit: o.max_source_chars,
      renderLimit: o.render_timeout_ms,
      memoryLimit: o.memory_limit,
      ...(html ? { outputEscape: 'escape' as const } : {}),
    });
    for (const tag of ['include', 'render', 'layout']) liquid.registerTag(tag, refusedTag);
    // `safe`: the value is HTML already, not to be escaped (the same as liquidjs's `raw`).
    liquid.registerFilter('safe', { raw: true, handler: (v: unknown) => v });
    // Every emitter of this engine (the field's own, and those of captures and loops
    // inside it) stops at the output limit.
    const renderer = liquid.renderer;
    const renderTemplates = renderer.renderTemplates.bind(renderer);
    const limit = o.max_output_chars;
    renderer.renderTemplates = (templates, ctx, emitter) =>
      renderTemplates(templates, ctx, emitter ?? new BoundedEmitter(limit, mod.toValue));
    return liquid;
  }

  /** Compiles a field (cached by mode and text); 400 TEMPLATE_SYNTAX_ERROR when it does not parse. */
  async compile(source: string, mode: Mode, ref: FieldRef): Promise<Template[]> {
    const key = `${mode}\u0000${source}`;
    const cached = this.cache.get(key);
    if (cached) {
      // Least recently used first out: a hit moves to the end.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const { text, html } = await this.engines();
    let compiled: Template[];
    try {
      compiled = (mode === 'html' ? html : text).parse(source);
    } catch (err) {
      throw this.syntaxError(err, source, ref);
    }
    if (this.options.cache_size > 0) {
      this.cache.set(key, compiled);
      if (this.cache.size > this.options.cache_size) {
        this.cache.delete(this.cache.keys().next().value as string);
      }
    }
    return compiled;
  }

  /** The top-level variables a field reads (e.g. `user` for `{{ user.name }}`). */
  async variables(compiled: Template[]): Promise<string[]> {
    const { text } = await this.engines();
    return text.globalVariablesSync(compiled);
  }

  /** Renders a compiled field with `scope`; every failure is a 400 naming the field. */
  async render(
    compiled: Template[],
    mode: Mode,
    scope: Record<string, unknown>,
    ref: FieldRef,
  ): Promise<string> {
    const { text, html } = await this.engines();
    try {
      return String(await (mode === 'html' ? html : text).render(compiled, scope));
    } catch (err) {
      throw this.renderError(err, ref);
    }
  }

  private syntaxError(err: unknown, source: string, ref: FieldRef): NotifydError {
    const e = err instanceof Error ? err : new Error(String(err));
    let reason = reasonOf(e);
    if (e instanceof RangeError) reason = 'the template is nested too deeply';
    else if (/parse length limit/.test(e.message)) {
      reason = `the template is longer than templates.max_source_chars (${this.options.max_source_chars} characters; this one has ${source.length})`;
    }
    const { line, column } = positionOf(e);
    return new NotifydError(
      'TEMPLATE_SYNTAX_ERROR',
      `${ref.channel}.${ref.field}${ref.locale ? ` (${ref.locale})` : ''}: ${reason}${line !== null ? ` at line ${line}, column ${column}` : ''}`,
      { ...where(ref), line, column, reason },
    );
  }

  private renderError(err: unknown, ref: FieldRef): NotifydError {
    const e = err instanceof Error ? err : new Error(String(err));
    const original = (e as { originalError?: unknown }).originalError;
    const { line, column } = positionOf(e);
    const at = { ...where(ref), line, column };
    const variable = (original as { variableName?: unknown } | undefined)?.variableName;
    if (typeof variable === 'string') {
      return new NotifydError(
        'MISSING_VARIABLE',
        `${ref.channel}.${ref.field} needs the variable ${variable}, which the payload does not have.`,
        { ...at, variable },
      );
    }
    let limit: string | null = null;
    let reason = reasonOf(e);
    if (original instanceof OutputTooLong || e instanceof OutputTooLong) {
      limit = 'templates.max_output_chars';
      reason = `the output is longer than ${this.options.max_output_chars} characters`;
    } else if (/render limit exceeded/.test(e.message)) {
      limit = 'templates.render_timeout_ms';
      reason = `rendering took longer than ${this.options.render_timeout_ms} ms`;
    } else if (/memory alloc limit exceeded/.test(e.message)) {
      limit = 'templates.memory_limit';
      reason = 'rendering allocated more than templates.memory_limit allows';
    } else if (e instanceof RangeError || original instanceof RangeError) {
      reason = 'rendering went too deep or built a string too long';
    }
    return new NotifydError('TEMPLATE_RENDER_ERROR', `${ref.channel}.${ref.field}: ${reason}`, {
      ...at,
      reason,
      ...(limit ? { limit } : {}),
    });
  }
}
